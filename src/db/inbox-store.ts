// SQL for the inbox: one row per thing that waits for a principal's move, gathered from
// every market into one list ordered newest first. Each arm reads one table through an
// index on the principal; the outer WHERE is the keyset cursor, pushed into each arm.
import type { Db, Statement } from './connection.js';

export interface InboxRow {
  kind: string;
  /** The waiting object's id (a subtask: "coalition_id/key"). */
  id: string;
  /** When it started waiting. */
  at: string;
  /** The other side: who offered, delivered, invited, filed; for a sponsor, its agent. */
  party: string | null;
  amountMsats: number | null;
  /** Text the other side wrote (a task, a title), shown as untrusted data. */
  text: string | null;
  coalitionId: string | null;
  subtaskKey: string | null;
}

export interface InboxPosition {
  at: string;
  kind: string;
  id: string;
}

const COLUMNS = 'kind, id, at, party, amount_msats AS "amountMsats", text, coalition_id AS "coalitionId", subtask_key AS "subtaskKey"';

// Arms name their columns in the same order: kind, id, at, party, amount_msats, text, coalition_id, subtask_key.
const AGENT_ARMS = [
  // A hirer's offer to this worker, unanswered.
  `SELECT 'contract_offered', id, created_at, hirer_id, budget_msats, description, NULL, NULL
     FROM contracts WHERE agent_id = @me AND status = 'Proposed'`,
  `SELECT 'contract_to_deliver', id, updated_at, hirer_id, agreed_msats, description, NULL, NULL
     FROM contracts WHERE agent_id = @me AND status = 'InProgress'`,
  `SELECT 'delivery_to_review', id, COALESCE(delivered_at, updated_at), agent_id, agreed_msats, description, NULL, NULL
     FROM contracts WHERE hirer_id = @me AND status = 'Delivered'`,
  // The worker may contest a rejection until the review deadline; after it the rejection stands.
  `SELECT 'delivery_rejected', id, updated_at, hirer_id, agreed_msats, reject_reason, NULL, NULL
     FROM contracts WHERE agent_id = @me AND status = 'Rejected' AND (review_deadline IS NULL OR review_deadline > @now)`,
  `SELECT 'submission_to_review', s.id, s.created_at, s.contributor_id, NULL, b.title, NULL, NULL
     FROM bounty_submissions s JOIN bounties b ON b.id = s.bounty_id
     WHERE b.creator_id = @me AND s.status = 'Pending'`,
  `SELECT 'coalition_invitation', c.id, m.updated_at, c.funder_id, c.pool_msats, c.task_description, c.id, NULL
     FROM coalition_members m JOIN coalitions c ON c.id = m.coalition_id
     WHERE m.agent_id = @me AND m.status = 'invited' AND c.status IN ('Forming', 'Active')`,
  `SELECT 'subtask_assigned', s.coalition_id || '/' || s.key, s.updated_at, c.funder_id, NULL, s.title, s.coalition_id, s.key
     FROM coalition_subtasks s JOIN coalitions c ON c.id = s.coalition_id AND c.round = s.round
     WHERE s.assignee_id = @me AND s.status = 'assigned' AND c.status = 'Active'`,
  // The lead: the coordinator, or the funder of a coalition without one.
  `SELECT 'subtask_submitted', s.coalition_id || '/' || s.key, s.updated_at, s.assignee_id, NULL, s.title, s.coalition_id, s.key
     FROM coalitions c JOIN coalition_subtasks s ON s.coalition_id = c.id AND s.round = c.round
     WHERE COALESCE(c.coordinator_id, c.funder_id) = @me AND c.status = 'Active' AND s.status = 'submitted'`,
  `SELECT 'coalition_ready', c.id, (SELECT MAX(s.updated_at) FROM coalition_subtasks s WHERE s.coalition_id = c.id AND s.round = c.round),
          NULL, c.pool_msats, c.task_description, c.id, NULL
     FROM coalitions c
     WHERE COALESCE(c.coordinator_id, c.funder_id) = @me AND c.status = 'Active'
       AND EXISTS (SELECT 1 FROM coalition_subtasks s WHERE s.coalition_id = c.id AND s.round = c.round)
       AND NOT EXISTS (SELECT 1 FROM coalition_subtasks s WHERE s.coalition_id = c.id AND s.round = c.round AND s.status <> 'accepted')`,
  `SELECT 'dispute_to_answer', id, created_at, claimant_id, amount_msats, NULL, NULL, NULL
     FROM disputes WHERE respondent_id = @me AND status = 'Open' AND response IS NULL`,
  `SELECT 'purchase_to_confirm', id, created_at, seller_id, price_msats, NULL, NULL, NULL
     FROM data_purchases WHERE buyer_id = @me AND status = 'Pending' AND confirm_deadline > @now`,
  // Decided, or lapsed and not yet swept: either way the agent has not read the outcome.
  `SELECT 'approval_decided', id, COALESCE(decided_at, expires_at), NULL, amount_msats, NULL, NULL, NULL
     FROM approvals WHERE agent_id = @me AND agent_seen_at IS NULL
       AND (status IN ('executed', 'failed', 'denied', 'expired') OR (status = 'pending' AND expires_at <= @now))`,
];

const SPONSOR_ARMS = [
  `SELECT 'approval_waiting', id, created_at, agent_id, amount_msats, NULL, NULL, NULL
     FROM approvals WHERE sponsor_id = @me AND status = 'pending' AND expires_at > @now`,
];

// A union takes its column names from its first arm: this one names them and yields nothing.
// Typed, because PostgreSQL settles a union's column types pair by pair from the left, and
// an untyped NULL there would become text before it meets the amounts.
const HEADER = `SELECT CAST(NULL AS TEXT) AS kind, CAST(NULL AS TEXT) AS id, CAST(NULL AS TEXT) AS at, CAST(NULL AS TEXT) AS party,
   CAST(NULL AS BIGINT) AS amount_msats, CAST(NULL AS TEXT) AS text, CAST(NULL AS TEXT) AS coalition_id, CAST(NULL AS TEXT) AS subtask_key
   WHERE 1 = 0`;

function inboxSql(arms: string[], paged: boolean): string {
  return `SELECT ${COLUMNS} FROM (${[HEADER, ...arms].join('\n UNION ALL\n ')}) AS waiting
   ${paged ? 'WHERE (at, kind, id) < (@at, @kind, @id)' : ''}
   ORDER BY at DESC, kind DESC, id DESC LIMIT @limit`;
}

const statements = new WeakMap<Db, Record<string, Statement>>();

function statement(db: Db, role: 'agent' | 'sponsor', paged: boolean) {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = {}));
  const key = `${role}:${paged}`;
  return (cache[key] ??= db.prepare(inboxSql(role === 'agent' ? AGENT_ARMS : SPONSOR_ARMS, paged)));
}

/** What waits for this principal, newest first, after the given position; limit rows at most. */
export async function inboxRows(db: Db, who: { role: 'agent' | 'sponsor'; id: string }, nowIso: string, after: InboxPosition | null, limit: number): Promise<InboxRow[]> {
  return (await statement(db, who.role, after !== null).all({ me: who.id, now: nowIso, limit, ...(after ?? {}) })) as InboxRow[];
}
