// SQL for policies, approvals, the audit log, budget alerts and webhook deliveries.
import { canonicalJson } from '../core/canonical-json.js';
import { preparedPerConnection, type Db } from './connection.js';
import { AGENT_TURN_LOCK_SPACE, holdsChainFromStart } from './pg/locks.js';
import { readJson, type JsonText, type StoredCallResult, type StoredWebhookEvent } from './json-columns.js';

export interface PolicyRow {
  agentId: string;
  version: number;
  document: string;
  createdBy: string;
  createdAt: string;
}

export interface ApprovalRow {
  id: string;
  agentId: string;
  sponsorId: string;
  tool: string;
  /** The exact arguments the call would run with, stored in canonical form (sorted keys): what the sponsor approves. */
  args: Record<string, unknown>;
  idempotencyKey: string | null;
  actionType: string;
  amountMsats: number;
  counterparty: string | null;
  reason: string;
  rule: string;
  policyVersion: number;
  status: string;
  createdAt: string;
  expiresAt: string;
  decidedAt: string | null;
  decidedBy: string | null;
  decisionReason: string | null;
  /** What the approved call returned (or its error); null until it ran. */
  result: StoredCallResult | null;
  updatedAt: string;
  agentSeenAt: string | null;
}

type ApprovalSql = Omit<ApprovalRow, 'args' | 'result'> & { argsJson: string; resultJson: string | null };

function approvalFromSql({ argsJson, resultJson, ...row }: ApprovalSql): ApprovalRow {
  return { ...row, args: readJson(argsJson), result: resultJson === null ? null : readJson(resultJson) };
}

export interface AuditRow {
  seq: number;
  id: string;
  sponsorId: string;
  agentId: string | null;
  callerRole: string;
  callerId: string;
  tool: string;
  actionType: string;
  amountMsats: number;
  counterparty: string | null;
  outcome: string;
  rule: string;
  policyVersion: number | null;
  approvalId: string | null;
  message: string | null;
  createdAt: string;
}

export interface DeliveryRow {
  id: string;
  sponsorId: string;
  event: string;
  payload: JsonText<StoredWebhookEvent>;
  status: string;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  createdAt: string;
  deliveredAt: string | null;
}

const APPROVAL_COLUMNS = `id, agent_id AS "agentId", sponsor_id AS "sponsorId", tool, args_json AS "argsJson",
  idempotency_key AS "idempotencyKey", action_type AS "actionType", amount_msats AS "amountMsats", counterparty, reason,
  rule, policy_version AS "policyVersion", status, created_at AS "createdAt", expires_at AS "expiresAt",
  decided_at AS "decidedAt", decided_by AS "decidedBy", decision_reason AS "decisionReason", result_json AS "resultJson",
  updated_at AS "updatedAt", agent_seen_at AS "agentSeenAt"`;

const AUDIT_COLUMNS = `seq, id, sponsor_id AS "sponsorId", agent_id AS "agentId", caller_role AS "callerRole",
  caller_id AS "callerId", tool, action_type AS "actionType", amount_msats AS "amountMsats", counterparty, outcome, rule,
  policy_version AS "policyVersion", approval_id AS "approvalId", message, created_at AS "createdAt"`;

const DELIVERY_COLUMNS = `id, sponsor_id AS "sponsorId", event, payload, status, attempts, next_attempt_at AS "nextAttemptAt",
  last_error AS "lastError", created_at AS "createdAt", delivered_at AS "deliveredAt"`;

function prepare(db: Db) {
  const s = db;
  return {
    latestPolicy: s.prepare(
      `SELECT agent_id AS "agentId", version, document, created_by AS "createdBy", created_at AS "createdAt"
       FROM policies WHERE agent_id = ? ORDER BY version DESC LIMIT 1`,
    ),
    insertPolicy: s.prepare(`INSERT INTO policies (agent_id, version, document, created_by, created_at) VALUES (@agentId, @version, @document, @createdBy, @createdAt)`),
    insertApproval: s.prepare(
      `INSERT INTO approvals (id, agent_id, sponsor_id, tool, args_json, idempotency_key, action_type, amount_msats,
         counterparty, reason, rule, policy_version, status, created_at, expires_at, updated_at)
       VALUES (@id, @agentId, @sponsorId, @tool, @argsJson, @idempotencyKey, @actionType, @amountMsats,
         @counterparty, @reason, @rule, @policyVersion, 'pending', @createdAt, @expiresAt, @createdAt)`,
    ),
    getApproval: s.prepare(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE id = ?`),
    markApprovalSeen: s.prepare(`UPDATE approvals SET agent_seen_at = @at WHERE id = @id AND agent_seen_at IS NULL AND status NOT IN ('pending', 'approved')`),
    finishApproval: s.prepare(
      `UPDATE approvals SET status = @status, decided_at = COALESCE(decided_at, @at), decided_by = COALESCE(decided_by, @by),
         decision_reason = COALESCE(decision_reason, @reason), result_json = @resultJson, updated_at = @at
       WHERE id = @id AND status = 'pending'`,
    ),
    dueApprovals: s.prepare(`SELECT ${APPROVAL_COLUMNS} FROM approvals WHERE status = 'pending' AND expires_at <= ? LIMIT ?`),
    insertAudit: s.prepare(
      `INSERT INTO audit_log (id, sponsor_id, agent_id, caller_role, caller_id, tool, action_type, amount_msats, counterparty,
         outcome, rule, policy_version, approval_id, message, created_at)
       VALUES (@id, @sponsorId, @agentId, @callerRole, @callerId, @tool, @actionType, @amountMsats, @counterparty,
         @outcome, @rule, @policyVersion, @approvalId, @message, @createdAt)`,
    ),
    dealtWith: s.prepare(`SELECT 1 FROM audit_log WHERE agent_id = ? AND counterparty = ? AND outcome = 'allowed' LIMIT 1`),
    countDenials: s.prepare(`SELECT count(*) AS n FROM audit_log WHERE agent_id = ? AND outcome = 'denied' AND created_at >= ?`),
    insertBudgetAlert: s.prepare(`INSERT INTO budget_alerts (agent_id, period, period_start, created_at) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    hasBudgetAlert: s.prepare(`SELECT 1 FROM budget_alerts WHERE agent_id = ? AND period = ? AND period_start = ?`),
    insertDelivery: s.prepare(
      `INSERT INTO webhook_deliveries (id, sponsor_id, event, payload, status, attempts, next_attempt_at, created_at)
       VALUES (@id, @sponsorId, @event, @payload, 'pending', 0, @createdAt, @createdAt)`,
    ),
    claimDeliveries: s.prepare(
      `UPDATE webhook_deliveries SET attempts = attempts + 1, next_attempt_at = @leaseUntil
       WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= @now ORDER BY next_attempt_at LIMIT @limit)
       RETURNING ${DELIVERY_COLUMNS}`,
    ),
    finishDelivery: s.prepare(
      `UPDATE webhook_deliveries SET status = @status, next_attempt_at = @nextAttemptAt, last_error = @lastError,
         delivered_at = @deliveredAt WHERE id = @id`,
    ),
    getDelivery: s.prepare(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = ?`),
  };
}

const sql = preparedPerConnection(prepare);

export async function latestPolicy(db: Db, agentId: string): Promise<PolicyRow | undefined> {
  return (await sql(db).latestPolicy.get(agentId)) as PolicyRow | undefined;
}

export async function insertPolicy(db: Db, row: PolicyRow): Promise<void> {
  await sql(db).insertPolicy.run(row);
}

export async function insertApproval(
  db: Db,
  { args, ...row }: Omit<ApprovalRow, 'status' | 'decidedAt' | 'decidedBy' | 'decisionReason' | 'result' | 'updatedAt' | 'agentSeenAt'>,
): Promise<void> {
  await sql(db).insertApproval.run({ ...row, argsJson: canonicalJson(args) });
}

export async function getApproval(db: Db, id: string): Promise<ApprovalRow | undefined> {
  const row = (await sql(db).getApproval.get(id)) as ApprovalSql | undefined;
  return row && approvalFromSql(row);
}

/** The agent has read a decided approval: it leaves the agent's inbox. */
export async function markApprovalSeen(db: Db, id: string, at: string): Promise<void> {
  await sql(db).markApprovalSeen.run({ id, at });
}

/** Moves a pending approval to its final state; false when it was no longer pending. */
export async function finishApproval(
  db: Db,
  { result, ...r }: { id: string; status: string; at: string; by: string | null; reason: string | null; result: StoredCallResult | null },
): Promise<boolean> {
  return (await sql(db).finishApproval.run({ ...r, resultJson: result === null ? null : JSON.stringify(result) })).changes === 1;
}

export async function dueApprovals(db: Db, nowIso: string, limit: number): Promise<ApprovalRow[]> {
  return ((await sql(db).dueApprovals.all(nowIso, limit)) as ApprovalSql[]).map(approvalFromSql);
}

export async function listApprovals(db: Db, filter: { sponsorId?: string; agentId?: string; status?: string; beforeId?: string; limit: number }): Promise<ApprovalRow[]> {
  const where: string[] = [];
  if (filter.sponsorId) where.push('sponsor_id = @sponsorId');
  if (filter.agentId) where.push('agent_id = @agentId');
  if (filter.status) where.push('status = @status');
  if (filter.beforeId) where.push('id < @beforeId');
  return (
    (await db
      .prepare(`SELECT ${APPROVAL_COLUMNS} FROM approvals ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT @limit`)
      .all({ ...filter })) as ApprovalSql[]
  ).map(approvalFromSql);
}

export async function insertAudit(db: Db, row: Omit<AuditRow, 'seq'>): Promise<void> {
  await sql(db).insertAudit.run(row);
}

export async function listAudit(db: Db, filter: { sponsorId: string; agentId?: string; tool?: string; outcome?: string; beforeSeq?: number; limit: number }): Promise<AuditRow[]> {
  const where = ['sponsor_id = @sponsorId'];
  if (filter.agentId) where.push('agent_id = @agentId');
  if (filter.tool) where.push('tool = @tool');
  if (filter.outcome) where.push('outcome = @outcome');
  if (filter.beforeSeq !== undefined) where.push('seq < @beforeSeq');
  return (await db.prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE ${where.join(' AND ')} ORDER BY seq DESC LIMIT @limit`).all({ ...filter })) as AuditRow[];
}

/** Whether a call of the agent naming this counterparty was allowed (or approved) before. */
export async function hasDealtWith(db: Db, agentId: string, counterparty: string): Promise<boolean> {
  return (await sql(db).dealtWith.get(agentId, counterparty)) !== undefined;
}

export async function countDenialsSince(db: Db, agentId: string, sinceIso: string): Promise<number> {
  return ((await sql(db).countDenials.get(agentId, sinceIso)) as { n: number }).n;
}

export async function hasBudgetAlert(db: Db, agentId: string, period: string, periodStart: string): Promise<boolean> {
  return (await sql(db).hasBudgetAlert.get(agentId, period, periodStart)) !== undefined;
}

/** Records the period's alert; false when one was already sent. */
export async function recordBudgetAlert(db: Db, agentId: string, period: string, periodStart: string, at: string): Promise<boolean> {
  return (await sql(db).insertBudgetAlert.run(agentId, period, periodStart, at)).changes === 1;
}

export async function insertDelivery(db: Db, row: { id: string; sponsorId: string; event: string; payload: JsonText<StoredWebhookEvent>; createdAt: string }): Promise<void> {
  await sql(db).insertDelivery.run(row);
}

/** Takes up to `limit` due deliveries, leasing them so another server does not send them too. */
export async function claimDeliveries(db: Db, nowIso: string, leaseUntilIso: string, limit: number): Promise<DeliveryRow[]> {
  return (await sql(db).claimDeliveries.all({ now: nowIso, leaseUntil: leaseUntilIso, limit })) as DeliveryRow[];
}

export async function finishDelivery(db: Db, r: { id: string; status: string; nextAttemptAt: string; lastError: string | null; deliveredAt: string | null }): Promise<void> {
  await sql(db).finishDelivery.run(r);
}

export async function getDelivery(db: Db, id: string): Promise<DeliveryRow | undefined> {
  return (await sql(db).getDelivery.get(id)) as DeliveryRow | undefined;
}

/**
 * Takes turns per agent for the rest of the transaction: its limits, budgets and balance
 * span many rows, and concurrent calls of one agent on several servers would otherwise
 * mostly end in serialization failures and run again. SQLite needs nothing: its write
 * lock already lets one transaction run at a time.
 */
export async function lockAgentTurn(db: Db, agentId: string): Promise<void> {
  if (db.dialect !== 'postgres' || holdsChainFromStart.has(db)) return;
  await db.prepare<[string]>(`SELECT pg_advisory_xact_lock(${AGENT_TURN_LOCK_SPACE}, hashtext(CAST(? AS TEXT))) AS locked`).get(agentId);
}
