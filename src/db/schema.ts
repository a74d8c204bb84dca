// The marketplace's tables. Migrations under drizzle/ are generated from this file by
// drizzle-kit; hand-written SQL (triggers, FTS) lives in custom migrations beside them.
import { sql } from 'drizzle-orm';
import { check, index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from 'drizzle-orm/sqlite-core';
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
} from './json-columns.js';

export const sponsors = sqliteTable('sponsors', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  /** Runway (days) under which an agent of this sponsor reports LowBalance. */
  lowBalanceDays: integer('low_balance_days').notNull().default(7),
  /** The policy document new agents of this sponsor start with; null = the built-in default. */
  defaultPolicy: text('default_policy'),
  /** Where approval requests and alerts are POSTed, signed with the webhook secret (HMAC-SHA256). */
  webhookUrl: text('webhook_url'),
  /** Sealed (db/sealing.ts): identity-store opens it. */
  webhookSecretSealed: text('webhook_secret'),
  /** A sponsor's Nostr identity: it signs the skills the sponsor publishes as a creator. */
  npub: text('npub'),
  /** Sealed hex secret key (db/sealing.ts). */
  nostrSecretKeySealed: text('nostr_secret_key'),
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
    /** Sealed hex secret key (db/sealing.ts) when the marketplace generated the identity; null for an imported npub. */
    nostrSecretKeySealed: text('nostr_secret_key'),
    lightningAddress: text('lightning_address'),
    /** 0..1 when known (issue 5 computes it); the LowReputationCounterparty trigger reads it. */
    reputation: real('reputation'),
    /** When the stored status last changed: a reactivated agent's grace period starts here. */
    statusChangedAt: text('status_changed_at'),
    /** Why the stored status last changed (the sponsor's reason, or the rule that suspended it). */
    statusReason: text('status_reason'),
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
  (t) => [uniqueIndex('tokens_hash_idx').on(t.tokenHash), index('tokens_principal_idx').on(t.principalKind, t.principalId)],
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
    check('accounts_available_not_negative', sql`${t.allowNegative} = 1 OR ${t.creditsPostedMsats} - ${t.debitsPostedMsats} - ${t.debitsPendingMsats} >= 0`),
    check('accounts_totals_not_negative', sql`${t.debitsPostedMsats} >= 0 AND ${t.creditsPostedMsats} >= 0 AND ${t.debitsPendingMsats} >= 0 AND ${t.creditsPendingMsats} >= 0`),
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
    /** Free text from the payer: shown to the payee as untrusted data. */
    memo: text('memo'),
    createdAt: text('created_at').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    uniqueIndex('transfers_id_idx').on(t.id),
    index('transfers_debit_idx').on(t.debitAccountId, t.seq),
    index('transfers_credit_idx').on(t.creditAccountId, t.seq),
    // "Has this agent paid that counterparty before?" (the NewCounterparty trigger).
    index('transfers_pair_idx').on(t.debitAccountId, t.creditAccountId),
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
  (t) => [index('holds_status_expiry_idx').on(t.status, t.expiresAt), index('holds_debit_idx').on(t.debitAccountId, t.status)],
);

export const idempotencyKeys = sqliteTable(
  'idempotency_keys',
  {
    callerId: text('caller_id').notNull(),
    tool: text('tool').notNull(),
    key: text('key').notNull(),
    argsHash: text('args_hash').notNull(),
    /** The call's first answer, replayed to a retry. */
    resultJson: text('result_json', { mode: 'json' }).$type<unknown>().notNull(),
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

/** Versioned autonomy policies: the newest version of an agent's row is in force. */
export const policies = sqliteTable(
  'policies',
  {
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    version: integer('version').notNull(),
    document: text('document').notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.version] })],
);

export const approvals = sqliteTable(
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
    /** The exact arguments (canonical JSON, keys sorted) the approval authorises; nothing else runs. */
    argsJson: text('args_json', { mode: 'json' }).$type<Record<string, unknown>>().notNull(),
    idempotencyKey: text('idempotency_key'),
    actionType: text('action_type').notNull(),
    amountMsats: integer('amount_msats').notNull(),
    counterparty: text('counterparty'),
    reason: text('reason').notNull(),
    rule: text('rule').notNull(),
    policyVersion: integer('policy_version').notNull(),
    /** pending | denied | expired | executed | failed */
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
    expiresAt: text('expires_at').notNull(),
    decidedAt: text('decided_at'),
    decidedBy: text('decided_by'),
    decisionReason: text('decision_reason'),
    resultJson: text('result_json', { mode: 'json' }).$type<StoredCallResult>(),
    updatedAt: text('updated_at').notNull(),
    /** When the agent first read the decision; until then it waits in the agent's inbox. */
    agentSeenAt: text('agent_seen_at'),
  },
  (t) => [
    index('approvals_sponsor_idx').on(t.sponsorId, t.status, t.id),
    index('approvals_agent_idx').on(t.agentId, t.id),
    index('approvals_expiry_idx').on(t.status, t.expiresAt),
  ],
);

/** Every gate decision, append-only (triggers refuse UPDATE and DELETE). */
export const auditLog = sqliteTable(
  'audit_log',
  {
    seq: integer('seq').primaryKey(),
    id: text('id').notNull(),
    sponsorId: text('sponsor_id').notNull(),
    agentId: text('agent_id'),
    callerRole: text('caller_role').notNull(),
    callerId: text('caller_id').notNull(),
    tool: text('tool').notNull(),
    actionType: text('action_type').notNull(),
    amountMsats: integer('amount_msats').notNull(),
    counterparty: text('counterparty'),
    /** allowed | escalated | denied */
    outcome: text('outcome').notNull(),
    rule: text('rule').notNull(),
    policyVersion: integer('policy_version'),
    approvalId: text('approval_id'),
    message: text('message'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [
    uniqueIndex('audit_id_idx').on(t.id),
    index('audit_sponsor_idx').on(t.sponsorId, t.seq),
    index('audit_agent_idx').on(t.agentId, t.outcome, t.createdAt),
    // The gate's NewCounterparty check asks on every call whether an agent has dealt with a counterparty before.
    index('audit_counterparty_idx').on(t.agentId, t.counterparty, t.outcome),
  ],
);

/** One budget alert per budget and period (SEED-RULES: "alerted once per period"). */
export const budgetAlerts = sqliteTable(
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

/** Outgoing webhook events, delivered with retries by every running server. */
export const webhookDeliveries = sqliteTable(
  'webhook_deliveries',
  {
    id: text('id').primaryKey(),
    sponsorId: text('sponsor_id')
      .notNull()
      .references(() => sponsors.id),
    event: text('event').notNull(),
    payload: text('payload').$type<JsonText<StoredWebhookEvent>>().notNull(),
    /** pending | delivered | failed */
    status: text('status').notNull(),
    attempts: integer('attempts').notNull().default(0),
    nextAttemptAt: text('next_attempt_at').notNull(),
    lastError: text('last_error'),
    createdAt: text('created_at').notNull(),
    deliveredAt: text('delivered_at'),
  },
  (t) => [index('webhook_due_idx').on(t.status, t.nextAttemptAt)],
);

/** Signed-in sponsors of the web console (approval pages). */
export const consoleSessions = sqliteTable('console_sessions', {
  /** SHA-256 of the session cookie. */
  idHash: text('id_hash').primaryKey(),
  /** The sponsor signed in; null when the operator is (the operator has no record of its own). */
  sponsorId: text('sponsor_id').references(() => sponsors.id),
  /** The sponsor's or operator's token that signed in: rotating it ends the session too. */
  tokenHash: text('token_hash').notNull(),
  csrfToken: text('csrf_token').notNull(),
  createdAt: text('created_at').notNull(),
  expiresAt: text('expires_at').notNull(),
});

/** A skill in the catalogue; what changes from release to release lives in skillVersions. */
export const skills = sqliteTable(
  'skills',
  {
    id: text('id').primaryKey(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull(),
    tags: text('tags', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** An agent or a sponsor (authorKind says which): both can be creators. */
    authorId: text('author_id').notNull(),
    authorKind: text('author_kind').notNull(),
    iconUrl: text('icon_url'),
    /** MCP server names the skill needs. */
    requiredMcpServers: text('required_mcp_servers', { mode: 'json' }).$type<string[]>().notNull().default([]),
    /** The pricing of the newest version (what search filters and sorts on). */
    pricing: text('pricing', { mode: 'json' }).$type<StoredPricing>().notNull(),
    referencePriceSats: integer('reference_price_sats').notNull().default(0),
    revenueSplit: text('revenue_split', { mode: 'json' }).$type<StoredRevenueSplit>().notNull(),
    /** The newest Published version, or null while none is. */
    latestVersion: text('latest_version'),
    ratingSum: integer('rating_sum').notNull().default(0),
    ratingCount: integer('rating_count').notNull().default(0),
    installs: integer('installs').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('skills_slug_idx').on(t.slug), index('skills_author_idx').on(t.authorId)],
);

export const skillVersions = sqliteTable(
  'skill_versions',
  {
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    version: text('version').notNull(),
    status: text('status').notNull(),
    /** The listing this version brings. */
    listing: text('listing', { mode: 'json' }).$type<StoredListing>().notNull(),
    readme: text('readme').notNull().default(''),
    changelog: text('changelog'),
    pricing: text('pricing', { mode: 'json' }).$type<StoredPricing>().notNull(),
    revenueSplit: text('revenue_split', { mode: 'json' }).$type<StoredRevenueSplit>().notNull(),
    /** What the publisher signed and the scanner read (parsed where used: it can be large). */
    files: text('files').$type<JsonText<StoredSkillFile[]>>().notNull(),
    contentSha256: text('content_sha256').notNull(),
    /** The publisher's signed Nostr event over the content hash. */
    signature: text('signature', { mode: 'json' }).$type<StoredEvent>().notNull(),
    /** Scanner findings, shown to the reviewer and on the listing. */
    scanFindings: text('scan_findings', { mode: 'json' }).$type<StoredScan>().notNull().default([]),
    reviewReason: text('review_reason'),
    createdAt: text('created_at').notNull(),
    publishedAt: text('published_at'),
  },
  (t) => [primaryKey({ columns: [t.skillId, t.version] })],
);

export const skillInstalls = sqliteTable(
  'skill_installs',
  {
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    version: text('version').notNull(),
    /** The semver range the agent installed with (null: the latest); installing again without a version stays inside it. */
    versionRange: text('version_range'),
    referrerId: text('referrer_id'),
    installedAt: text('installed_at').notNull(),
    uninstalledAt: text('uninstalled_at'),
  },
  (t) => [primaryKey({ columns: [t.agentId, t.skillId] }), index('skill_installs_skill_idx').on(t.skillId)],
);

export const skillReviews = sqliteTable(
  'skill_reviews',
  {
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    rating: integer('rating').notNull(),
    text: text('text'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.skillId, t.agentId] })],
);

/** One row per recorded usage: what the creator dashboard sums by period. */
export const skillUsage = sqliteTable(
  'skill_usage',
  {
    id: text('id').primaryKey(),
    skillId: text('skill_id')
      .notNull()
      .references(() => skills.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    /** install (a OneTime price paid) or usage (metered calls and tokens). */
    kind: text('kind').notNull(),
    calls: integer('calls').notNull(),
    inputTokens: integer('input_tokens').notNull(),
    outputTokens: integer('output_tokens').notNull(),
    costSats: integer('cost_sats').notNull(),
    creatorSats: integer('creator_sats').notNull(),
    computeSats: integer('compute_sats').notNull(),
    platformSats: integer('platform_sats').notNull(),
    referrerSats: integer('referrer_sats').notNull(),
    createdAt: text('created_at').notNull(),
  },
  (t) => [index('skill_usage_skill_idx').on(t.skillId, t.createdAt)],
);

/** An agent's public profile in the directory. */
export const agentProfiles = sqliteTable('agent_profiles', {
  agentId: text('agent_id')
    .primaryKey()
    .references(() => agents.id),
  description: text('description').notNull().default(''),
  skills: text('skills', { mode: 'json' }).$type<string[]>().notNull().default([]),
  mcpServers: text('mcp_servers', { mode: 'json' }).$type<string[]>().notNull().default([]),
  priceHintSats: integer('price_hint_sats'),
  /** available | busy | unavailable */
  availability: text('availability').notNull().default('available'),
  updatedAt: text('updated_at').notNull(),
});

/** A hiring contract: its budget sits in escrow (a hold) from creation to settlement. */
export const contracts = sqliteTable(
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
    requiredSkills: text('required_skills', { mode: 'json' }).$type<string[]>().notNull().default([]),
    budgetMsats: integer('budget_msats').notNull(),
    /** What the hirer pays on acceptance: the budget, or the worker's lower counter-offer. */
    agreedMsats: integer('agreed_msats').notNull(),
    holdId: text('hold_id').notNull(),
    status: text('status').notNull(),
    deadline: text('deadline'),
    deliveryResult: text('delivery_result'),
    deliverySha256: text('delivery_sha256'),
    deliveryUrl: text('delivery_url'),
    deliveredAt: text('delivered_at'),
    reviewDeadline: text('review_deadline'),
    rejectReason: text('reject_reason'),
    hirerRating: integer('hirer_rating'),
    workerRating: integer('worker_rating'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('contracts_hirer_idx').on(t.hirerId, t.id), index('contracts_agent_idx').on(t.agentId, t.id), index('contracts_status_idx').on(t.status, t.deadline)],
);

/** A team of agents on one task, paid from one pool held in escrow. */
export const coalitions = sqliteTable(
  'coalitions',
  {
    id: text('id').primaryKey(),
    coalitionType: text('coalition_type').notNull(),
    taskDescription: text('task_description').notNull(),
    funderId: text('funder_id')
      .notNull()
      .references(() => agents.id),
    coordinatorId: text('coordinator_id'),
    targetMemberCount: integer('target_member_count').notNull(),
    paymentStructure: text('payment_structure').notNull(),
    aggregation: text('aggregation').notNull(),
    poolMsats: integer('pool_msats').notNull(),
    holdId: text('hold_id'),
    /** Forming | Active | Settled | Dissolved */
    status: text('status').notNull(),
    /** Standing coalitions take task after task; each task is a round with its own subtasks and pool. */
    round: integer('round').notNull().default(1),
    result: text('result'),
    /** Why the accepted results could not be aggregated (the pool was settled all the same). */
    aggregationError: text('aggregation_error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('coalitions_funder_idx').on(t.funderId), index('coalitions_coordinator_idx').on(t.coordinatorId)],
);

export const coalitionMembers = sqliteTable(
  'coalition_members',
  {
    coalitionId: text('coalition_id')
      .notNull()
      .references(() => coalitions.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    /** invited | joined | left */
    status: text('status').notNull(),
    fixedMsats: integer('fixed_msats'),
    updatedAt: text('updated_at').notNull(),
  },
  // By agent: an agent's inbox and coalition list look up its memberships and invitations.
  (t) => [primaryKey({ columns: [t.coalitionId, t.agentId] }), index('coalition_members_agent_idx').on(t.agentId, t.status)],
);

export const coalitionSubtasks = sqliteTable(
  'coalition_subtasks',
  {
    coalitionId: text('coalition_id')
      .notNull()
      .references(() => coalitions.id),
    round: integer('round').notNull(),
    key: text('key').notNull(),
    title: text('title').notNull(),
    weight: integer('weight').notNull().default(1),
    dependsOn: text('depends_on', { mode: 'json' }).$type<string[]>().notNull().default([]),
    assigneeId: text('assignee_id'),
    /** Market coalitions' bids. */
    bids: text('bids', { mode: 'json' }).$type<StoredBid[]>().notNull().default([]),
    /** open | assigned | submitted | accepted */
    status: text('status').notNull(),
    result: text('result'),
    /** When a result was first handed in this round: from then on the funder has seen work, and cannot dissolve. */
    handedInAt: text('handed_in_at'),
    /** Why the lead last sent the subtask back (for redoing, or to another member). */
    returnReason: text('return_reason'),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.coalitionId, t.round, t.key] }), index('coalition_subtasks_assignee_idx').on(t.assigneeId, t.status)],
);

/** A dispute over one deal (a deal can be disputed once). */
export const disputes = sqliteTable(
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
    amountMsats: integer('amount_msats').notNull(),
    /** The whole of what was at stake when filed: what RefundFull returns. */
    maxMsats: integer('max_msats').notNull().default(0),
    evidence: text('evidence', { mode: 'json' }).$type<StoredEvidence[]>().notNull(),
    response: text('response'),
    /** Open | UnderReview | Resolved | Withdrawn */
    status: text('status').notNull(),
    resolution: text('resolution'),
    refundMsats: integer('refund_msats').notNull().default(0),
    /** What the respondent could not repay from its balance: owed to the claimant. */
    debtMsats: integer('debt_msats').notNull().default(0),
    resolutionReason: text('resolution_reason'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('disputes_subject_idx').on(t.subjectKind, t.subjectId), index('disputes_respondent_idx').on(t.respondentId)],
);

/** Key material the marketplace itself owns (the access-grant signing key). */
export const marketplaceSettings = sqliteTable('marketplace_settings', {
  key: text('key').primaryKey(),
  value: text('value').notNull(),
  createdAt: text('created_at').notNull(),
});

/** A dataset for sale, stored by reference: the marketplace keeps its hash, not its bytes. */
export const dataListings = sqliteTable(
  'data_listings',
  {
    id: text('id').primaryKey(),
    sellerId: text('seller_id')
      .notNull()
      .references(() => agents.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    /** FullDataset | Sample | Subscription */
    listingType: text('listing_type').notNull(),
    format: text('format'),
    sizeBytes: integer('size_bytes'),
    recordCount: integer('record_count'),
    license: text('license'),
    priceMsats: integer('price_msats').notNull(),
    sha256: text('sha256').notNull(),
    location: text('location'),
    /** A free sample anyone may read (untrusted text). */
    sample: text('sample'),
    /** Active | Delisted */
    status: text('status').notNull(),
    purchases: integer('purchases').notNull().default(0),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('data_listings_seller_idx').on(t.sellerId, t.id), index('data_listings_status_price_idx').on(t.status, t.priceMsats)],
);

/** One buyer's purchase of one listing; the price waits in a hold until receipt is confirmed. */
export const dataPurchases = sqliteTable(
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
    priceMsats: integer('price_msats').notNull(),
    /** The content hash the buyer paid for (the listing's at purchase time). */
    sha256: text('sha256').notNull(),
    /** Null for a free listing: nothing is held. */
    holdId: text('hold_id'),
    /** Pending → Completed (confirmed or timed out) | Disputed → Completed | Refunded */
    status: text('status').notNull(),
    confirmDeadline: text('confirm_deadline').notNull(),
    /** When access ends (subscriptions); null: for good. */
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

/** A reward held in escrow for data contributions, paid pro rata to accepted samples. */
export const bounties = sqliteTable(
  'bounties',
  {
    id: text('id').primaryKey(),
    creatorId: text('creator_id')
      .notNull()
      .references(() => agents.id),
    title: text('title').notNull(),
    description: text('description').notNull(),
    rewardMsats: integer('reward_msats').notNull(),
    minSamples: integer('min_samples').notNull(),
    requiredFormat: text('required_format').notNull(),
    /** Trajectory bounties: the least quality paid, in thousandths (null: the default 0.5). */
    minQualityMilli: integer('min_quality_milli'),
    /** JSON Schema each sample must satisfy, or null. */
    schema: text('schema', { mode: 'json' }).$type<Record<string, unknown>>(),
    deadline: text('deadline'),
    /** The hold on what is not yet paid; replaced after every payment. Null once nothing is held. */
    holdId: text('hold_id'),
    paidMsats: integer('paid_msats').notNull().default(0),
    acceptedSamples: integer('accepted_samples').notNull().default(0),
    /** Active | Fulfilled | Expired | Cancelled */
    status: text('status').notNull(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('bounties_creator_idx').on(t.creatorId, t.id), index('bounties_status_deadline_idx').on(t.status, t.deadline)],
);

export const bountySubmissions = sqliteTable(
  'bounty_submissions',
  {
    id: text('id').primaryKey(),
    bountyId: text('bounty_id')
      .notNull()
      .references(() => bounties.id),
    contributorId: text('contributor_id')
      .notNull()
      .references(() => agents.id),
    /** The samples (parsed where shown: they can be large); null when verification failed (nothing flagged is kept). */
    samples: text('samples').$type<JsonText<unknown[]>>(),
    sampleCount: integer('sample_count').notNull(),
    /** { format, sample_count, … } as the contributor sent it. */
    metadata: text('metadata', { mode: 'json' }).$type<StoredSubmissionMetadata>().notNull(),
    verification: text('verification', { mode: 'json' }).$type<StoredVerification>().notNull(),
    /** Pending | Accepted | PartiallyAccepted | Rejected | Closed */
    status: text('status').notNull(),
    acceptedSamples: integer('accepted_samples').notNull().default(0),
    paidMsats: integer('paid_msats').notNull().default(0),
    reason: text('reason'),
    /** A paid trajectory contribution's provenance: the marketplace-signed Nostr event, never the content. */
    receipt: text('receipt', { mode: 'json' }).$type<StoredEvent>(),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('bounty_submissions_bounty_idx').on(t.bountyId, t.id), index('bounty_submissions_contributor_idx').on(t.contributorId, t.id)],
);

/** Content hashes of kept samples, so a duplicate is found across submissions by index. */
export const bountySampleHashes = sqliteTable(
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
  // By hash alone: a trajectory is refused when another contributor sent it to any bounty.
  (t) => [primaryKey({ columns: [t.bountyId, t.sha256] }), index('bounty_sample_hashes_sha256_idx').on(t.sha256)],
);

/** A Lightning invoice issued so an agent or a sponsor can add money; credited once per payment hash. */
export const lightningInvoices = sqliteTable(
  'lightning_invoices',
  {
    id: text('id').primaryKey(),
    /** agent | sponsor */
    ownerKind: text('owner_kind').notNull(),
    ownerId: text('owner_id').notNull(),
    amountMsats: integer('amount_msats').notNull(),
    memo: text('memo'),
    /** Null until the wallet has made the invoice (status requested). */
    bolt11: text('bolt11'),
    paymentHash: text('payment_hash'),
    /** sandbox | nwc: the rail that issued it (and is asked about it). */
    rail: text('rail').notNull(),
    /** requested (allowed, not made yet) → pending → credited | expired */
    status: text('status').notNull(),
    expiresAt: text('expires_at'),
    creditedAt: text('credited_at'),
    transferId: text('transfer_id'),
    createdAt: text('created_at').notNull(),
  },
  (t) => [uniqueIndex('lightning_invoices_hash_idx').on(t.paymentHash), index('lightning_invoices_status_idx').on(t.status, t.expiresAt)],
);

/** Money leaving for a Lightning invoice: held first, posted on success, voided on failure. */
export const withdrawals = sqliteTable(
  'withdrawals',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    bolt11: text('bolt11').notNull(),
    paymentHash: text('payment_hash').notNull(),
    /** The lightning address it was resolved from, if any. */
    lightningAddress: text('lightning_address'),
    amountMsats: integer('amount_msats').notNull(),
    maxFeeMsats: integer('max_fee_msats').notNull(),
    holdId: text('hold_id').notNull(),
    rail: text('rail').notNull(),
    /** queued → sending → completed | failed; sending stays while the outcome is unknown. */
    status: text('status').notNull(),
    feeMsats: integer('fee_msats'),
    preimage: text('preimage'),
    error: text('error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('withdrawals_agent_idx').on(t.agentId, t.id), index('withdrawals_hash_idx').on(t.paymentHash), index('withdrawals_status_idx').on(t.status)],
);

/** The sandbox rail's own record of its pretend invoices and payouts (no money moves). */
export const sandboxInvoices = sqliteTable('sandbox_invoices', {
  paymentHash: text('payment_hash').primaryKey(),
  /** incoming: a pretend top-up invoice; outgoing: a payout the sandbox pretended to pay. */
  direction: text('direction').notNull().default('incoming'),
  amountMsats: integer('amount_msats').notNull(),
  expiresAt: text('expires_at').notNull(),
  paidAt: text('paid_at'),
});

/** A compute provider (a NIP-90 Data Vending Machine), registered here or discovered from NIP-89 announcements. */
export const computeProviders = sqliteTable(
  'compute_providers',
  {
    id: text('id').primaryKey(),
    /** The agent that registered it (local providers); null for discovered ones. */
    agentId: text('agent_id').references(() => agents.id),
    npub: text('npub').notNull(),
    name: text('name').notNull(),
    about: text('about'),
    /** NIP-90 job kinds (5000–5999). */
    kinds: text('kinds', { mode: 'json' }).$type<number[]>().notNull(),
    priceMsats: integer('price_msats').notNull(),
    /** Region codes it runs in, and where it promises to keep data. */
    regions: text('regions', { mode: 'json' }).$type<string[]>().notNull(),
    residency: text('residency', { mode: 'json' }).$type<string[]>().notNull(),
    /** local | nip89 */
    source: text('source').notNull(),
    /** New providers wait for the operator (SEED-RULES tier benefits). */
    approved: integer('approved', { mode: 'boolean' }).notNull().default(false),
    completed: integer('completed').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    responseMsTotal: integer('response_ms_total').notNull().default(0),
    uptimePct: real('uptime_pct').notNull().default(100),
    /** Discovery rounds that looked for the provider, and those that found it up (announced or active). */
    uptimeChecks: integer('uptime_checks').notNull().default(0),
    uptimeSeen: integer('uptime_seen').notNull().default(0),
    lastCompletedAt: text('last_completed_at'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('compute_providers_npub_idx').on(t.npub), index('compute_providers_agent_idx').on(t.agentId)],
);

/** Customer ratings of providers, one per rater (editable), 1–5 stars. */
export const providerRatings = sqliteTable(
  'provider_ratings',
  {
    providerId: text('provider_id')
      .notNull()
      .references(() => computeProviders.id),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    stars: integer('stars').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [primaryKey({ columns: [t.providerId, t.agentId] })],
);

/** A NIP-90 job an agent bought: the max price is held until a provider's result is in. */
export const computeJobs = sqliteTable(
  'compute_jobs',
  {
    id: text('id').primaryKey(),
    agentId: text('agent_id')
      .notNull()
      .references(() => agents.id),
    kind: integer('kind').notNull(),
    /** NIP-90 inputs. */
    input: text('input', { mode: 'json' }).$type<StoredJobInput[]>().notNull(),
    params: text('params', { mode: 'json' }).$type<Record<string, string>>().notNull(),
    maxPriceMsats: integer('max_price_msats').notNull(),
    failoverPolicy: text('failover_policy').notNull(),
    /** Provider ids, in the order routing chose them. */
    chain: text('chain', { mode: 'json' }).$type<string[]>().notNull(),
    timeoutSeconds: integer('timeout_seconds').notNull(),
    holdId: text('hold_id').notNull(),
    /** queued → running → completed | failed | cancelled */
    status: text('status').notNull(),
    /** Inputs and params travel NIP-04-encrypted to the provider (NIP-90 `encrypted`). */
    encrypted: integer('encrypted', { mode: 'boolean' }).notNull().default(false),
    providerId: text('provider_id'),
    costMsats: integer('cost_msats').notNull().default(0),
    result: text('result'),
    attempts: text('attempts', { mode: 'json' }).$type<StoredAttempt[]>().notNull().default([]),
    error: text('error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [index('compute_jobs_agent_idx').on(t.agentId, t.id), index('compute_jobs_status_idx').on(t.status)],
);

/**
 * A compute job's payment to a provider, recorded before the wallet is asked, so an
 * outcome lost to a timeout or a crash is settled later from the wallet's record (as a
 * withdrawal's is) and the job's hold is not ended while one is unresolved.
 */
export const computePayments = sqliteTable(
  'compute_payments',
  {
    id: text('id').primaryKey(),
    jobId: text('job_id')
      .notNull()
      .references(() => computeJobs.id),
    providerId: text('provider_id').notNull(),
    paymentHash: text('payment_hash').notNull(),
    amountMsats: integer('amount_msats').notNull(),
    /** The wallet's fee, once paid. */
    feeMsats: integer('fee_msats'),
    /** sending → paid | failed */
    status: text('status').notNull(),
    error: text('error'),
    createdAt: text('created_at').notNull(),
    updatedAt: text('updated_at').notNull(),
  },
  (t) => [uniqueIndex('compute_payments_hash_idx').on(t.paymentHash), index('compute_payments_job_idx').on(t.jobId), index('compute_payments_status_idx').on(t.status)],
);

/**
 * The toolsets a caller chose to have on (marketplace_enable_toolsets / disable_toolsets);
 * no row: its role's defaults. Kept here rather than in a connection, so stateless HTTP
 * and every other server see the same choice.
 */
export const callerToolsets = sqliteTable('caller_toolsets', {
  /** An agent id, a sponsor id, or "operator". */
  principalId: text('principal_id').primaryKey(),
  /** JSON list of toolset names. */
  toolsets: text('toolsets', { mode: 'json' }).$type<string[]>().notNull(),
  updatedAt: text('updated_at').notNull(),
});

/**
 * Who runs each kind of background work (the expiry sweep, webhook delivery, the Lightning
 * watch, provider discovery) when several servers share one database: the server holding
 * a kind's lease runs it; the others skip it until the lease expires unrenewed
 * (src/domain/leases.ts).
 */
export const leases = sqliteTable('leases', {
  /** The kind of work, e.g. "expiry-sweep". */
  name: text('name').primaryKey(),
  /** The server process holding it: a random id it chose at start. */
  holder: text('holder').notNull(),
  /** ISO-8601; from then on another server may take it over. */
  expiresAt: text('expires_at').notNull(),
  /** When the current holder took it (renewals keep it), so an operator sees how long a server has held it. */
  acquiredAt: text('acquired_at').notNull(),
});
