// The marketplace's tables. Migrations under drizzle/ are generated from this file by
// drizzle-kit; hand-written SQL (triggers, FTS) lives in custom migrations beside them.
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';

export const sponsors = sqliteTable('sponsors', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Runway (days) under which an agent of this sponsor reports LowBalance. */
  lowBalanceDays: integer('low_balance_days').notNull().default(7),
  createdAt: text('created_at').notNull(),
});

export const agents = sqliteTable(
  'agents',
  {
    id: text('id').primaryKey(),
    sponsorId: text('sponsor_id')
      .notNull()
      .references(() => sponsors.id),
    name: text('name').notNull(),
    /** Stored lifecycle: Active, Suspended or Terminated. LowBalance is derived from runway. */
    status: text('status').notNull().default('Active'),
    npub: text('npub').notNull(),
    /** Hex secret key when the marketplace generated the identity; null for an imported npub. */
    nostrSecretKey: text('nostr_secret_key'),
    lightningAddress: text('lightning_address'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('agents_sponsor_idx').on(t.sponsorId)],
);

export const tokens = sqliteTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    principalKind: text('principal_kind').notNull(),
    principalId: text('principal_id').notNull(),
    /** SHA-256 of the token; the token itself is shown once and never stored. */
    tokenHash: text('token_hash').notNull(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [
    uniqueIndex('tokens_hash_idx').on(t.tokenHash),
    index('tokens_principal_idx').on(t.principalKind, t.principalId),
  ],
);

export const accounts = sqliteTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    ownerId: text('owner_id'),
    /** Only external accounts (money outside the ledger) may run below zero. */
    allowNegative: integer('allow_negative', { mode: 'boolean' }).notNull().default(false),
    debitsPostedMsats: integer('debits_posted_msats').notNull().default(0),
    creditsPostedMsats: integer('credits_posted_msats').notNull().default(0),
    debitsPendingMsats: integer('debits_pending_msats').notNull().default(0),
    creditsPendingMsats: integer('credits_pending_msats').notNull().default(0),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    // The last line of defence for "no available balance below zero": even a bug in the
    // domain cannot commit an overdraft.
    check(
      'accounts_available_not_negative',
      sql`${t.allowNegative} = 1 OR ${t.creditsPostedMsats} - ${t.debitsPostedMsats} - ${t.debitsPendingMsats} >= 0`,
    ),
    check(
      'accounts_totals_not_negative',
      sql`${t.debitsPostedMsats} >= 0 AND ${t.creditsPostedMsats} >= 0 AND ${t.debitsPendingMsats} >= 0 AND ${t.creditsPendingMsats} >= 0`,
    ),
    index('accounts_owner_idx').on(t.ownerId),
  ],
);

export const transfers = sqliteTable(
  'transfers',
  {
    /** Position in the hash chain; gapless and increasing. */
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    debitAccountId: text('debit_account_id')
      .notNull()
      .references(() => accounts.id),
    creditAccountId: text('credit_account_id')
      .notNull()
      .references(() => accounts.id),
    amountMsats: integer('amount_msats').notNull(),
    entryType: text('entry_type').notNull(),
    /** posted | pending (a hold) | post | void | expire (the three ways a hold ends). */
    phase: text('phase').notNull(),
    /** For post/void/expire: the pending transfer (hold) this one resolves. */
    pendingId: text('pending_id'),
    reference: text('reference'),
    description: text('description').notNull().default(''),
    createdAt: text('created_at').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('transfers_id_idx').on(t.id),
    index('transfers_debit_idx').on(t.debitAccountId, t.seq),
    index('transfers_credit_idx').on(t.creditAccountId, t.seq),
    check('transfers_amount_positive', sql`${t.amountMsats} > 0`),
    check('transfers_distinct_accounts', sql`${t.debitAccountId} <> ${t.creditAccountId}`),
  ],
);

export const holds = sqliteTable(
  'holds',
  {
    /** Same id as the pending transfer that opened the hold. */
    id: text('id').primaryKey(),
    debitAccountId: text('debit_account_id')
      .notNull()
      .references(() => accounts.id),
    creditAccountId: text('credit_account_id')
      .notNull()
      .references(() => accounts.id),
    amountMsats: integer('amount_msats').notNull(),
    entryType: text('entry_type').notNull(),
    /** pending | posted | voided | expired */
    status: text('status').notNull(),
    postedMsats: integer('posted_msats').notNull().default(0),
    reference: text('reference'),
    expiresAt: text('expires_at'),
    createdAt: text('created_at').notNull(),
    resolvedAt: text('resolved_at'),
  },
  (t) => [
    index('holds_status_expiry_idx').on(t.status, t.expiresAt),
    index('holds_debit_idx').on(t.debitAccountId, t.status),
  ],
);

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    callerId: text('caller_id').notNull(),
    tool: text('tool').notNull(),
    key: text('key').notNull(),
    argsHash: text('args_hash').notNull(),
    resultJson: text('result_json').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.callerId, t.tool, t.key] })],
);

/**
 * Posted debits per account, UTC day and entry type, kept in step with transfers (same
 * transaction). Runway and spending limits read a week or a month of these rows instead
 * of summing every transfer in the period.
 */
export const dailyDebits = sqliteTable(
  'daily_debits',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    day: text('day').notNull(),
    entryType: text('entry_type').notNull(),
    amountMsats: integer('amount_msats').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.day, t.entryType] })],
);
