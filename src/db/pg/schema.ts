// The marketplace's tables on PostgreSQL: a column-for-column mirror of ../schema.ts (read
// it for what each table and column means), so the same SQL text runs on both engines.
// Value representations stay SQLite's: integers (0/1 flags too) are bigint, reals double
// precision, JSON and ISO-8601 timestamps text. test/unit/pg-schema-parity.test.ts keeps
// the two files in step. What PostgreSQL needs beyond the mirror (immutability triggers,
// search columns, the rowid columns SQLite has implicitly) is hand-written SQL in drizzle-pg/.
import { sql } from 'drizzle-orm';
import { bigint, check, customType, doublePrecision, index, pgTable, primaryKey, text, uniqueIndex } from 'drizzle-orm/pg-core';
import type {
  JsonText,
  StoredAttempt,
  StoredCallResult,
  StoredBid,
  StoredEvent,
  StoredEvidence,
  StoredJobInput,
  StoredListing,
  StoredPricing,
  StoredRevenueSplit,
  StoredScan,
  StoredSkillFile,
  StoredSubmissionMetadata,
  StoredVerification,
  StoredWebhookEvent,
} from '../json-columns.js';

// drizzle-kit writes a custom column's default as given, so flag and jsonText columns
// take theirs as SQL (0, '[]'), the values SQLite stores for false and [].

/** sqlite-core's integer({ mode: 'boolean' }): stored 0/1, read as a boolean. */
const flag = customType<{ data: boolean; driverData: number | string }>({
  dataType: () => 'bigint',
  toDriver: (value) => (value ? 1 : 0),
  // int8 arrives as a string unless the pool's type parser turns it into a number.
  fromDriver: (value) => Number(value) !== 0,
});

/** sqlite-core's text({ mode: 'json' }): JSON.stringify on write, JSON.parse on read. */
const jsonText = customType<{ data: unknown; driverData: string }>({
  dataType: () => 'text',
  toDriver: (value) => JSON.stringify(value),
  fromDriver: (value) => JSON.parse(value) as unknown,
});

export const sponsors = pgTable('sponsors', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  lowBalanceDays: bigint('low_balance_days', { mode: 'number' }).notNull().default(7),
  defaultPolicy: text('default_policy'),
  webhookUrl: text('webhook_url'),
  webhookSecretSealed: text('webhook_secret'),
  npub: text('npub'),
  nostrSecretKeySealed: text('nostr_secret_key'),
  createdAt: text('created_at').notNull(),
});

export const agents = pgTable(
  'agents',
  {
    id: text('id').primaryKey(),
    sponsorId: text('sponsor_id')
      .notNull()
      .references(() => sponsors.id),
    name: text('name').notNull(),
    status: text('status').notNull().default('Active'),
    npub: text('npub').notNull(),
    nostrSecretKeySealed: text('nostr_secret_key'),
    lightningAddress: text('lightning_address'),
    reputation: doublePrecision('reputation'),
    statusChangedAt: text('status_changed_at'),
    statusReason: text('status_reason'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('agents_sponsor_idx').on(t.sponsorId)],
);

export const tokens = pgTable(
  'tokens',
  {
    id: text('id').primaryKey(),
    principalKind: text('principal_kind').notNull(),
    principalId: text('principal_id').notNull(),
    tokenHash: text('token_hash').notNull(),
    createdAt: text('created_at').notNull(),
    revokedAt: text('revoked_at'),
  },
  (t) => [uniqueIndex('tokens_hash_idx').on(t.tokenHash), index('tokens_principal_idx').on(t.principalKind, t.principalId)],
);

export const accounts = pgTable(
  'accounts',
  {
    id: text('id').primaryKey(),
    kind: text('kind').notNull(),
    ownerId: text('owner_id'),
    allowNegative: flag('allow_negative')
      .notNull()
      .default(sql`0`),
    debitsPostedMsats: bigint('debits_posted_msats', { mode: 'number' }).notNull().default(0),
    creditsPostedMsats: bigint('credits_posted_msats', { mode: 'number' }).notNull().default(0),
    debitsPendingMsats: bigint('debits_pending_msats', { mode: 'number' }).notNull().default(0),
    creditsPendingMsats: bigint('credits_pending_msats', { mode: 'number' }).notNull().default(0),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    check('accounts_available_not_negative', sql`${t.allowNegative} = 1 OR ${t.creditsPostedMsats} - ${t.debitsPostedMsats} - ${t.debitsPendingMsats} >= 0`),
    check('accounts_totals_not_negative', sql`${t.debitsPostedMsats} >= 0 AND ${t.creditsPostedMsats} >= 0 AND ${t.debitsPendingMsats} >= 0 AND ${t.creditsPendingMsats} >= 0`),
    index('accounts_owner_idx').on(t.ownerId),
  ],
);

export const transfers = pgTable(
  'transfers',
  {
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
    id: text('id').notNull(),
    debitAccountId: text('debit_account_id')
      .notNull()
      .references(() => accounts.id),
    creditAccountId: text('credit_account_id')
      .notNull()
      .references(() => accounts.id),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    entryType: text('entry_type').notNull(),
    phase: text('phase').notNull(),
    pendingId: text('pending_id'),
    reference: text('reference'),
    description: text('description').notNull().default(''),
    memo: text('memo'),
    createdAt: text('created_at').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('transfers_id_idx').on(t.id),
    index('transfers_debit_idx').on(t.debitAccountId, t.seq),
    index('transfers_credit_idx').on(t.creditAccountId, t.seq),
    index('transfers_pair_idx').on(t.debitAccountId, t.creditAccountId),
    check('transfers_amount_positive', sql`${t.amountMsats} > 0`),
    check('transfers_distinct_accounts', sql`${t.debitAccountId} <> ${t.creditAccountId}`),
  ],
);

export const holds = pgTable(
  'holds',
  {
    id: text('id').primaryKey(),
    debitAccountId: text('debit_account_id')
      .notNull()
      .references(() => accounts.id),
    creditAccountId: text('credit_account_id')
      .notNull()
      .references(() => accounts.id),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    entryType: text('entry_type').notNull(),
    status: text('status').notNull(),
    postedMsats: bigint('posted_msats', { mode: 'number' }).notNull().default(0),
    reference: text('reference'),
    expiresAt: text('expires_at'),
    createdAt: text('created_at').notNull(),
    resolvedAt: text('resolved_at'),
  },
  (t) => [index('holds_status_expiry_idx').on(t.status, t.expiresAt), index('holds_debit_idx').on(t.debitAccountId, t.status)],
);

export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    callerId: text('caller_id').notNull(),
    tool: text('tool').notNull(),
    key: text('key').notNull(),
    argsHash: text('args_hash').notNull(),
    resultJson: jsonText('result_json').$type<unknown>().notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.callerId, t.tool, t.key] })],
);

export const dailyDebits = pgTable(
  'daily_debits',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    day: text('day').notNull(),
    entryType: text('entry_type').notNull(),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.day, t.entryType] })],
);

export const policies = pgTable(
  'policies',
  {
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    version: bigint('version', { mode: 'number' }).notNull(),
    document: text('document').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.version] })],
);

export const approvals = pgTable(
  'approvals',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    sponsorId: text('sponsor_id')
      .notNull()
      .references(() => sponsors.id),
    tool: text('tool').notNull(),
    argsJson: jsonText('args_json').$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text('idempotency_key'),
    actionType: text('action_type').notNull(),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    counterparty: text('counterparty'),
    reason: text('reason').notNull(),
    rule: text('rule').notNull(),
    policyVersion: bigint('policy_version', { mode: 'number' }).notNull(),
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    decidedAt: text('decided_at'),
    decidedBy: text('decided_by'),
    decisionReason: text('decision_reason'),
    resultJson: jsonText('result_json').$type<StoredCallResult>(),
    updatedAt: text('updated_at').notNull(),
    agentSeenAt: text('agent_seen_at'),
  },
  (t) => [
    index('approvals_sponsor_idx').on(t.sponsorId, t.status, t.id),
    index('approvals_agent_idx').on(t.agentId, t.id),
    index('approvals_expiry_idx').on(t.status, t.expiresAt),
  ],
);

export const auditLog = pgTable(
  'audit_log',
  {
    // SQLite numbers an omitted INTEGER PRIMARY KEY itself, and insertAudit leaves seq out.
    seq: bigint('seq', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    id: text('id').notNull(),
    sponsorId: text('sponsor_id').notNull(),
    agentId: text('agent_id'),
    callerRole: text('caller_role').notNull(),
    callerId: text('caller_id').notNull(),
    tool: text('tool').notNull(),
    actionType: text('action_type').notNull(),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    counterparty: text('counterparty'),
    outcome: text('outcome').notNull(),
    rule: text('rule').notNull(),
    policyVersion: bigint('policy_version', { mode: 'number' }),
    approvalId: text('approval_id'),
    message: text('message'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('audit_id_idx').on(t.id),
    index('audit_sponsor_idx').on(t.sponsorId, t.seq),
    index('audit_agent_idx').on(t.agentId, t.outcome, t.createdAt),
    index('audit_counterparty_idx').on(t.agentId, t.counterparty, t.outcome),
  ],
);

export const budgetAlerts = pgTable(
  'budget_alerts',
  {
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    period: text('period').notNull(),
    periodStart: text('period_start').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.period, t.periodStart] })],
);

export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    sponsorId: text('sponsor_id')
      .notNull()
      .references(() => sponsors.id),
    event: text('event').notNull(),
    payload: text('payload').$type<JsonText<StoredWebhookEvent>>().notNull(),
    status: text('status').notNull(),
    attempts: bigint('attempts', { mode: 'number' }).notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    deliveredAt: text('delivered_at'),
  },
  (t) => [index('webhook_due_idx').on(t.status, t.nextAttemptAt)],
);

export const consoleSessions = pgTable('console_sessions', {
  idHash: text('id_hash').primaryKey(),
  sponsorId: text('sponsor_id').references(() => sponsors.id),
  tokenHash: text('token_hash').notNull(),
  csrfToken: text('csrf_token').notNull(),
  createdAt: text('created_at').notNull(),
  expiresAt: text('expires_at').notNull(),
});

export const skills = pgTable(
  'skills',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    tags: jsonText('tags')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    authorId: text('author_id').notNull(),
    authorKind: text('author_kind').notNull(),
    iconUrl: text('icon_url'),
    requiredMcpServers: jsonText('required_mcp_servers')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    pricing: jsonText('pricing').$type<StoredPricing>().notNull(),
    referencePriceSats: bigint('reference_price_sats', { mode: 'number' }).notNull().default(0),
    revenueSplit: jsonText('revenue_split').$type<StoredRevenueSplit>().notNull(),
    latestVersion: text('latest_version'),
    ratingSum: bigint('rating_sum', { mode: 'number' }).notNull().default(0),
    ratingCount: bigint('rating_count', { mode: 'number' }).notNull().default(0),
    installs: bigint('installs', { mode: 'number' }).notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('skills_slug_idx').on(t.slug), index('skills_author_idx').on(t.authorId)],
);

export const skillVersions = pgTable(
  'skill_versions',
  {
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    version: text('version').notNull(),
    status: text('status').notNull(),
    listing: jsonText('listing').$type<StoredListing>().notNull(),
    readme: text('readme').notNull().default(''),
    changelog: text('changelog'),
    pricing: jsonText('pricing').$type<StoredPricing>().notNull(),
    revenueSplit: jsonText('revenue_split').$type<StoredRevenueSplit>().notNull(),
    files: text('files').$type<JsonText<StoredSkillFile[]>>().notNull(),
    contentSha256: text('content_sha256').notNull(),
    signature: jsonText('signature').$type<StoredEvent>().notNull(),
    scanFindings: jsonText('scan_findings')
      .$type<StoredScan>()
      .notNull()
      .default(sql`'[]'`),
    reviewReason: text('review_reason'),
    createdAt: text('created_at').notNull(),
    publishedAt: text('published_at'),
  },
  (t) => [primaryKey({ columns: [t.skillId, t.version] })],
);

export const skillInstalls = pgTable(
  'skill_installs',
  {
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    version: text('version').notNull(),
    versionRange: text('version_range'),
    referrerId: text('referrer_id'),
    installedAt: text('installed_at').notNull(),
    uninstalledAt: text('uninstalled_at'),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.skillId] }), index('skill_installs_skill_idx').on(t.skillId)],
);

export const skillReviews = pgTable(
  'skill_reviews',
  {
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    rating: bigint('rating', { mode: 'number' }).notNull(),
    text: text('text'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.skillId, t.agentId] })],
);

export const skillUsage = pgTable(
  'skill_usage',
  {
    id: text('id').primaryKey(),
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    kind: text('kind').notNull(),
    calls: bigint('calls', { mode: 'number' }).notNull(),
    inputTokens: bigint('input_tokens', { mode: 'number' }).notNull(),
    outputTokens: bigint('output_tokens', { mode: 'number' }).notNull(),
    costSats: bigint('cost_sats', { mode: 'number' }).notNull(),
    creatorSats: bigint('creator_sats', { mode: 'number' }).notNull(),
    computeSats: bigint('compute_sats', { mode: 'number' }).notNull(),
    platformSats: bigint('platform_sats', { mode: 'number' }).notNull(),
    referrerSats: bigint('referrer_sats', { mode: 'number' }).notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('skill_usage_skill_idx').on(t.skillId, t.createdAt)],
);

export const agentProfiles = pgTable('agent_profiles', {
  agentId: text('agent_id')
    .primaryKey()
    .references(() => agents.id),
  description: text('description').notNull().default(''),
  skills: jsonText('skills')
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'`),
  mcpServers: jsonText('mcp_servers')
    .$type<string[]>()
    .notNull()
    .default(sql`'[]'`),
  priceHintSats: bigint('price_hint_sats', { mode: 'number' }),
  availability: text('availability').notNull().default('available'),
  updatedAt: text('updated_at').notNull(),
});

export const contracts = pgTable(
  'contracts',
  {
    id: text('id').primaryKey(),
    hirerId: text('hirer_id')
      .notNull()
      .references(() => agents.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    description: text('description').notNull(),
    requiredSkills: jsonText('required_skills')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    budgetMsats: bigint('budget_msats', { mode: 'number' }).notNull(),
    agreedMsats: bigint('agreed_msats', { mode: 'number' }).notNull(),
    holdId: text('hold_id').notNull(),
    status: text('status').notNull(),
    deadline: text('deadline'),
    deliveryResult: text('delivery_result'),
    deliverySha256: text('delivery_sha256'),
    deliveryUrl: text('delivery_url'),
    deliveredAt: text('delivered_at'),
    reviewDeadline: text('review_deadline'),
    rejectReason: text('reject_reason'),
    hirerRating: bigint('hirer_rating', { mode: 'number' }),
    workerRating: bigint('worker_rating', { mode: 'number' }),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('contracts_hirer_idx').on(t.hirerId, t.id), index('contracts_agent_idx').on(t.agentId, t.id), index('contracts_status_idx').on(t.status, t.deadline)],
);

export const coalitions = pgTable(
  'coalitions',
  {
    id: text('id').primaryKey(),
    coalitionType: text('coalition_type').notNull(),
    taskDescription: text('task_description').notNull(),
    funderId: text('funder_id')
      .notNull()
      .references(() => agents.id),
    coordinatorId: text('coordinator_id'),
    targetMemberCount: bigint('target_member_count', { mode: 'number' }).notNull(),
    paymentStructure: text('payment_structure').notNull(),
    aggregation: text('aggregation').notNull(),
    poolMsats: bigint('pool_msats', { mode: 'number' }).notNull(),
    holdId: text('hold_id'),
    status: text('status').notNull(),
    round: bigint('round', { mode: 'number' }).notNull().default(1),
    result: text('result'),
    aggregationError: text('aggregation_error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('coalitions_funder_idx').on(t.funderId), index('coalitions_coordinator_idx').on(t.coordinatorId)],
);

export const coalitionMembers = pgTable(
  'coalition_members',
  {
    coalitionId: text('coalition_id')
      .notNull()
      .references(() => coalitions.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    status: text('status').notNull(),
    fixedMsats: bigint('fixed_msats', { mode: 'number' }),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.coalitionId, t.agentId] }), index('coalition_members_agent_idx').on(t.agentId, t.status)],
);

export const coalitionSubtasks = pgTable(
  'coalition_subtasks',
  {
    coalitionId: text('coalition_id')
      .notNull()
      .references(() => coalitions.id),
    round: bigint('round', { mode: 'number' }).notNull(),
    key: text('key').notNull(),
    title: text('title').notNull(),
    weight: bigint('weight', { mode: 'number' }).notNull().default(1),
    dependsOn: jsonText('depends_on')
      .$type<string[]>()
      .notNull()
      .default(sql`'[]'`),
    assigneeId: text('assignee_id'),
    bids: jsonText('bids')
      .$type<StoredBid[]>()
      .notNull()
      .default(sql`'[]'`),
    status: text('status').notNull(),
    result: text('result'),
    handedInAt: text('handed_in_at'),
    returnReason: text('return_reason'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.coalitionId, t.round, t.key] }), index('coalition_subtasks_assignee_idx').on(t.assigneeId, t.status)],
);

export const disputes = pgTable(
  'disputes',
  {
    id: text('id').primaryKey(),
    subjectKind: text('subject_kind').notNull(),
    subjectId: text('subject_id').notNull(),
    claimantId: text('claimant_id')
      .notNull()
      .references(() => agents.id),
    respondentId: text('respondent_id')
      .notNull()
      .references(() => agents.id),
    disputeType: text('dispute_type').notNull(),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    maxMsats: bigint('max_msats', { mode: 'number' }).notNull().default(0),
    evidence: jsonText('evidence').$type<StoredEvidence[]>().notNull(),
    response: text('response'),
    status: text('status').notNull(),
    resolution: text('resolution'),
    refundMsats: bigint('refund_msats', { mode: 'number' }).notNull().default(0),
    debtMsats: bigint('debt_msats', { mode: 'number' }).notNull().default(0),
    resolutionReason: text('resolution_reason'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('disputes_subject_idx').on(t.subjectKind, t.subjectId), index('disputes_respondent_idx').on(t.respondentId)],
);

export const marketplaceSettings = pgTable('marketplace_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: text('created_at').notNull(),
});

export const dataListings = pgTable(
  'data_listings',
  {
    id: text('id').primaryKey(),
    sellerId: text('seller_id')
      .notNull()
      .references(() => agents.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    listingType: text('listing_type').notNull(),
    format: text('format'),
    sizeBytes: bigint('size_bytes', { mode: 'number' }),
    recordCount: bigint('record_count', { mode: 'number' }),
    license: text('license'),
    priceMsats: bigint('price_msats', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    location: text('location'),
    sample: text('sample'),
    status: text('status').notNull(),
    purchases: bigint('purchases', { mode: 'number' }).notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('data_listings_seller_idx').on(t.sellerId, t.id), index('data_listings_status_price_idx').on(t.status, t.priceMsats)],
);

export const dataPurchases = pgTable(
  'data_purchases',
  {
    id: text('id').primaryKey(),
    listingId: text('listing_id')
      .notNull()
      .references(() => dataListings.id),
    buyerId: text('buyer_id')
      .notNull()
      .references(() => agents.id),
    sellerId: text('seller_id')
      .notNull()
      .references(() => agents.id),
    priceMsats: bigint('price_msats', { mode: 'number' }).notNull(),
    sha256: text('sha256').notNull(),
    holdId: text('hold_id'),
    status: text('status').notNull(),
    confirmDeadline: text('confirm_deadline').notNull(),
    accessUntil: text('access_until'),
    receivedSha256: text('received_sha256'),
    completedAt: text('completed_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [
    index('data_purchases_buyer_idx').on(t.buyerId, t.id),
    index('data_purchases_seller_idx').on(t.sellerId, t.id),
    index('data_purchases_listing_buyer_idx').on(t.listingId, t.buyerId),
    index('data_purchases_due_idx').on(t.status, t.confirmDeadline),
  ],
);

export const bounties = pgTable(
  'bounties',
  {
    id: text('id').primaryKey(),
    creatorId: text('creator_id')
      .notNull()
      .references(() => agents.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    rewardMsats: bigint('reward_msats', { mode: 'number' }).notNull(),
    minSamples: bigint('min_samples', { mode: 'number' }).notNull(),
    requiredFormat: text('required_format').notNull(),
    minQualityMilli: bigint('min_quality_milli', { mode: 'number' }),
    schema: jsonText('schema').$type<Record<string, unknown>>(),
    deadline: text('deadline'),
    holdId: text('hold_id'),
    paidMsats: bigint('paid_msats', { mode: 'number' }).notNull().default(0),
    acceptedSamples: bigint('accepted_samples', { mode: 'number' }).notNull().default(0),
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('bounties_creator_idx').on(t.creatorId, t.id), index('bounties_status_deadline_idx').on(t.status, t.deadline)],
);

export const bountySubmissions = pgTable(
  'bounty_submissions',
  {
    id: text('id').primaryKey(),
    bountyId: text('bounty_id')
      .notNull()
      .references(() => bounties.id),
    contributorId: text('contributor_id')
      .notNull()
      .references(() => agents.id),
    samples: text('samples').$type<JsonText<unknown[]>>(),
    sampleCount: bigint('sample_count', { mode: 'number' }).notNull(),
    metadata: jsonText('metadata').$type<StoredSubmissionMetadata>().notNull(),
    verification: jsonText('verification').$type<StoredVerification>().notNull(),
    status: text('status').notNull(),
    acceptedSamples: bigint('accepted_samples', { mode: 'number' }).notNull().default(0),
    paidMsats: bigint('paid_msats', { mode: 'number' }).notNull().default(0),
    reason: text('reason'),
    receipt: jsonText('receipt').$type<StoredEvent>(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('bounty_submissions_bounty_idx').on(t.bountyId, t.id), index('bounty_submissions_contributor_idx').on(t.contributorId, t.id)],
);

export const bountySampleHashes = pgTable(
  'bounty_sample_hashes',
  {
    bountyId: text('bounty_id')
      .notNull()
      .references(() => bounties.id),
    sha256: text('sha256').notNull(),
    submissionId: text('submission_id')
      .notNull()
      .references(() => bountySubmissions.id),
  },
  (t) => [primaryKey({ columns: [t.bountyId, t.sha256] }), index('bounty_sample_hashes_sha256_idx').on(t.sha256)],
);

export const lightningInvoices = pgTable(
  'lightning_invoices',
  {
    id: text('id').primaryKey(),
    ownerKind: text('owner_kind').notNull(),
    ownerId: text('owner_id').notNull(),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    memo: text('memo'),
    bolt11: text('bolt11'),
    paymentHash: text('payment_hash'),
    rail: text('rail').notNull(),
    status: text('status').notNull(),
    expiresAt: text('expires_at'),
    creditedAt: text('credited_at'),
    transferId: text('transfer_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('lightning_invoices_hash_idx').on(t.paymentHash), index('lightning_invoices_status_idx').on(t.status, t.expiresAt)],
);

export const withdrawals = pgTable(
  'withdrawals',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    bolt11: text('bolt11').notNull(),
    paymentHash: text('payment_hash').notNull(),
    lightningAddress: text('lightning_address'),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    maxFeeMsats: bigint('max_fee_msats', { mode: 'number' }).notNull(),
    holdId: text('hold_id').notNull(),
    rail: text('rail').notNull(),
    status: text('status').notNull(),
    feeMsats: bigint('fee_msats', { mode: 'number' }),
    preimage: text('preimage'),
    error: text('error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('withdrawals_agent_idx').on(t.agentId, t.id), index('withdrawals_hash_idx').on(t.paymentHash), index('withdrawals_status_idx').on(t.status)],
);

export const sandboxInvoices = pgTable('sandbox_invoices', {
  paymentHash: text('payment_hash').primaryKey(),
  direction: text('direction').notNull().default('incoming'),
  amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
  expiresAt: text('expires_at').notNull(),
  paidAt: text('paid_at'),
});

export const computeProviders = pgTable(
  'compute_providers',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id').references(() => agents.id),
    npub: text('npub').notNull(),
    name: text('name').notNull(),
    about: text('about'),
    kinds: jsonText('kinds').$type<number[]>().notNull(),
    priceMsats: bigint('price_msats', { mode: 'number' }).notNull(),
    regions: jsonText('regions').$type<string[]>().notNull(),
    residency: jsonText('residency').$type<string[]>().notNull(),
    source: text('source').notNull(),
    approved: flag('approved')
      .notNull()
      .default(sql`0`),
    completed: bigint('completed', { mode: 'number' }).notNull().default(0),
    failed: bigint('failed', { mode: 'number' }).notNull().default(0),
    responseMsTotal: bigint('response_ms_total', { mode: 'number' }).notNull().default(0),
    uptimePct: doublePrecision('uptime_pct').notNull().default(100),
    uptimeChecks: bigint('uptime_checks', { mode: 'number' }).notNull().default(0),
    uptimeSeen: bigint('uptime_seen', { mode: 'number' }).notNull().default(0),
    lastCompletedAt: text('last_completed_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('compute_providers_npub_idx').on(t.npub), index('compute_providers_agent_idx').on(t.agentId)],
);

export const providerRatings = pgTable(
  'provider_ratings',
  {
    providerId: text('provider_id')
      .notNull()
      .references(() => computeProviders.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    stars: bigint('stars', { mode: 'number' }).notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.providerId, t.agentId] })],
);

export const computeJobs = pgTable(
  'compute_jobs',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    kind: bigint('kind', { mode: 'number' }).notNull(),
    input: jsonText('input').$type<StoredJobInput[]>().notNull(),
    params: jsonText('params').$type<Record<string, string>>().notNull(),
    maxPriceMsats: bigint('max_price_msats', { mode: 'number' }).notNull(),
    failoverPolicy: text('failover_policy').notNull(),
    chain: jsonText('chain').$type<string[]>().notNull(),
    timeoutSeconds: bigint('timeout_seconds', { mode: 'number' }).notNull(),
    holdId: text('hold_id').notNull(),
    status: text('status').notNull(),
    encrypted: flag('encrypted')
      .notNull()
      .default(sql`0`),
    providerId: text('provider_id'),
    costMsats: bigint('cost_msats', { mode: 'number' }).notNull().default(0),
    result: text('result'),
    attempts: jsonText('attempts')
      .$type<StoredAttempt[]>()
      .notNull()
      .default(sql`'[]'`),
    error: text('error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('compute_jobs_agent_idx').on(t.agentId, t.id), index('compute_jobs_status_idx').on(t.status)],
);

export const computePayments = pgTable(
  'compute_payments',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => computeJobs.id),
    providerId: text('provider_id').notNull(),
    paymentHash: text('payment_hash').notNull(),
    amountMsats: bigint('amount_msats', { mode: 'number' }).notNull(),
    feeMsats: bigint('fee_msats', { mode: 'number' }),
    status: text('status').notNull(),
    error: text('error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('compute_payments_hash_idx').on(t.paymentHash), index('compute_payments_job_idx').on(t.jobId), index('compute_payments_status_idx').on(t.status)],
);

export const callerToolsets = pgTable('caller_toolsets', {
  principalId: text('principal_id').primaryKey(),
  toolsets: jsonText('toolsets').$type<string[]>().notNull(),
  updatedAt: text('updated_at').notNull(),
});

export const leases = pgTable('leases', {
  name: text('name').primaryKey(),
  holder: text('holder').notNull(),
  expiresAt: text('expires_at').notNull(),
  acquiredAt: text('acquired_at').notNull(),
});
