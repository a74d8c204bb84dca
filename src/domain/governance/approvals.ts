// Approval requests: an escalated call waits here, bound to its exact tool, arguments,
// amount and caller. The sponsor approves (it runs once, as the agent, in the same
// transaction as the decision) or denies; an expired request is a denial.
import { newId } from '../ids.js';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/governance-store.js';
import type { ApprovalRow } from '../../db/governance-store.js';
import { updateIdempotencyResult } from '../../db/idempotency-store.js';
import type { Clock } from '../clock.js';
import { isMarketError, MarketError } from '../../core/errors.js';
import { requireAgent } from '../agents/registry.js';
import { msatsToSats } from '../money.js';
import { decodeCursor, encodeCursor, toPage, type Page } from '../pagination.js';
import { collectDebtsOf } from '../disputes/debts.js';
import { recordAudit } from './audit.js';
import { notifySponsor } from './notifications.js';
import type { Caller } from '../identity/caller.js';

export const APPROVAL_STATUSES = ['pending', 'approved', 'denied', 'expired', 'executed', 'failed'] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

export interface ApprovalView {
  approval_id: string;
  status: ApprovalStatus;
  tool: string;
  /** What the call may cost in all: for a withdrawal, the amount and its fee reserve. */
  amount_sats: number;
  /** The part of amount_sats that is a fee reserve (a withdrawal's max_fee_sats), when the call has one. */
  fee_reserve_sats?: number;
  reason: string;
  rule: string;
  agent_id: string;
  action_type: string;
  counterparty: string | null;
  arguments: Record<string, unknown>;
  created_at: string;
  expires_at: string;
  decided_at: string | null;
  decision_reason: string | null;
  /** Once executed: what the tool returned. Once failed: { error }. */
  result?: Record<string, unknown>;
}

export interface PendingApproval {
  status: 'pending_approval';
  approval_id: string;
  expires_at: string;
  reason: string;
}

export interface Decider {
  role: 'sponsor' | 'operator';
  id: string;
}

/** Runs an approved call as its agent; provided by the composition root (src/approved-calls.ts), which knows the tools. */
/** Runs an approved call inside the decision's transaction, which it is handed. */
export type ApprovedCallRunner = (approval: ApprovalRow, tx: Db) => Promise<Record<string, unknown>>;

export async function createApproval(
  db: Db,
  clock: Clock,
  a: Omit<ApprovalRow, 'id' | 'status' | 'createdAt' | 'expiresAt' | 'decidedAt' | 'decidedBy' | 'decisionReason' | 'result' | 'updatedAt' | 'agentSeenAt'> & { ttlHours: number },
): Promise<ApprovalRow> {
  const now = clock.now();
  const id = newId('ap');
  const { ttlHours, ...row } = a;
  await store.insertApproval(db, { ...row, id, createdAt: now.toISOString(), expiresAt: new Date(now.getTime() + ttlHours * 3_600_000).toISOString() });
  return (await store.getApproval(db, id))!;
}

export function pendingAnswer(a: ApprovalRow): PendingApproval {
  return { status: 'pending_approval', approval_id: a.id, expires_at: a.expiresAt, reason: a.reason };
}

/**
 * A call that holds a fee reserve names it in its arguments (max_fee_sats, filled in before
 * the gate when the agent left it out) and is judged on amount + reserve; the sponsor is
 * shown the reserve apart, so a large one cannot hide inside the total.
 */
function feeReserveSats(args: Record<string, unknown>): number | undefined {
  return typeof args.max_fee_sats === 'number' ? args.max_fee_sats : undefined;
}

export function approvalView(a: ApprovalRow): ApprovalView {
  const { args } = a;
  const feeReserve = feeReserveSats(args);
  return {
    approval_id: a.id,
    status: a.status as ApprovalStatus,
    tool: a.tool,
    amount_sats: msatsToSats(a.amountMsats),
    ...(feeReserve === undefined ? {} : { fee_reserve_sats: feeReserve }),
    reason: a.reason,
    rule: a.rule,
    agent_id: a.agentId,
    action_type: a.actionType,
    counterparty: a.counterparty,
    arguments: args,
    created_at: a.createdAt,
    expires_at: a.expiresAt,
    decided_at: a.decidedAt,
    decision_reason: a.decisionReason,
    ...(a.result ? { result: a.result } : {}),
  };
}

/** Reads an approval, ending it first if it has expired unanswered. */
export async function loadApproval(db: Db, clock: Clock, approvalId: string): Promise<ApprovalRow> {
  return db.write(async (tx) => {
    const a = await store.getApproval(tx, approvalId);
    if (!a) throw new MarketError('NOT_FOUND', `No approval ${approvalId}.`);
    if (a.status === 'pending' && a.expiresAt <= clock.now().toISOString()) await expire(tx, clock, a);
    return (await store.getApproval(tx, approvalId))!;
  });
}

/**
 * An approval as its agent or sponsor reads it (NOT_FOUND to anyone else, as if it did not
 * exist). The agent reading a decided one takes it out of its inbox, unless the read is
 * only a watcher checking for changes (marksSeen false).
 */
export async function readOwnApproval(db: Db, clock: Clock, approvalId: string, caller: Caller, marksSeen = true): Promise<ApprovalRow> {
  return db.write(async (tx) => {
    const a = await loadApproval(tx, clock, approvalId);
    const mine = caller.role === 'agent' ? a.agentId === caller.id : a.sponsorId === caller.id;
    if (!mine) throw new MarketError('NOT_FOUND', `No approval ${approvalId} of yours.`);
    if (marksSeen && caller.role === 'agent' && a.agentSeenAt === null && a.status !== 'pending') {
      await store.markApprovalSeen(tx, a.id, clock.now().toISOString());
    }
    return a;
  });
}

async function expire(db: Db, clock: Clock, a: ApprovalRow): Promise<void> {
  if (!(await store.finishApproval(db, { id: a.id, status: 'expired', at: clock.now().toISOString(), by: null, reason: 'expired unanswered', result: null }))) return;
  await notifySponsor(db, clock, a.sponsorId, 'approval.decided', { approval_id: a.id, agent_id: a.agentId, status: 'expired' });
}

export async function expireDueApprovals(db: Db, clock: Clock, batch = 200): Promise<number> {
  return db.write(async (tx) => {
    const due = await store.dueApprovals(tx, clock.now().toISOString(), batch);
    for (const a of due) await expire(tx, clock, a);
    return due.length;
  });
}

export interface ApprovalFilter {
  sponsorId?: string;
  agentId?: string;
  status?: ApprovalStatus;
  cursor?: string;
  limit: number;
}

export async function listApprovalsPage(db: Db, clock: Clock, filter: ApprovalFilter): Promise<Page<ApprovalView>> {
  return approvalRowsPage(db, clock, filter, approvalView);
}

/** An approval as its sponsor's console shows it: the view, and who decided ("sponsor:<id>", "operator:cli"). */
export interface ApprovalRecord {
  view: ApprovalView;
  decidedBy: string | null;
}

export async function listApprovalRecords(db: Db, clock: Clock, filter: ApprovalFilter): Promise<Page<ApprovalRecord>> {
  return approvalRowsPage(db, clock, filter, approvalRecord);
}

export function approvalRecord(a: ApprovalRow): ApprovalRecord {
  return { view: approvalView(a), decidedBy: a.decidedBy };
}

async function approvalRowsPage<T>(db: Db, clock: Clock, filter: ApprovalFilter, toItem: (row: ApprovalRow) => T): Promise<Page<T>> {
  await expireDueApprovals(db, clock);
  const beforeId = filter.cursor ? (decodeCursor(filter.cursor, { id: 'string' }).id as string) : undefined;
  const rows = await store.listApprovals(db, { ...filter, beforeId, limit: filter.limit + 1 });
  return toPage(rows, filter.limit, toItem, (r) => encodeCursor({ id: r.id }));
}

/**
 * The sponsor's decision. Approving runs the call inside this transaction, so it runs
 * exactly once however many times (or however concurrently) it is approved; a second
 * decision finds it no longer pending and changes nothing.
 */
export async function decideApproval(
  db: Db,
  clock: Clock,
  input: { approvalId: string; decision: 'approve' | 'deny'; reason?: string | null; decider: Decider; run: ApprovedCallRunner },
): Promise<ApprovalView> {
  const outcome = await db.write(async (tx): Promise<{ view: ApprovalView } | { error: MarketError }> => {
    const a = await store.getApproval(tx, input.approvalId);
    if (!a || (input.decider.role === 'sponsor' && a.sponsorId !== input.decider.id)) {
      // Another sponsor's approval is reported as missing: its existence is not theirs to know.
      throw new MarketError('NOT_FOUND', `No approval ${input.approvalId} among your agents' requests.`);
    }
    const now = clock.now().toISOString();
    if (a.status === 'pending' && a.expiresAt <= now) {
      await expire(tx, clock, a);
      return { error: new MarketError('APPROVAL_EXPIRED', `Approval ${a.id} expired at ${a.expiresAt} unanswered; the call did not run. The agent may ask again.`) };
    }
    if (a.status !== 'pending') {
      throw new MarketError('CONFLICT', `Approval ${a.id} is already ${a.status}; nothing changed.`, { status: a.status });
    }
    const by = `${input.decider.role}:${input.decider.id}`;
    const auditBase = {
      sponsorId: a.sponsorId,
      agentId: a.agentId,
      actionType: a.actionType,
      amountMsats: a.amountMsats,
      counterparty: a.counterparty,
      policyVersion: a.policyVersion,
      approvalId: a.id,
    };
    await recordAudit(tx, clock, {
      ...auditBase,
      caller: input.decider,
      tool: 'marketplace_decide_approval',
      outcome: input.decision === 'approve' ? 'allowed' : 'denied',
      rule: `sponsor.decision.${input.decision}`,
      message: input.reason ?? null,
    });
    if (input.decision === 'deny') {
      await store.finishApproval(tx, { id: a.id, status: 'denied', at: now, by, reason: input.reason ?? null, result: null });
    } else {
      let status: ApprovalStatus = 'executed';
      let result: Record<string, unknown>;
      try {
        if ((await requireAgent(tx, a.agentId)).status !== 'Active') {
          throw new MarketError('POLICY_DENIED', 'The agent is no longer active; the approved call did not run.');
        }
        // A savepoint: if the call fails, its partial effects go and the decision stays.
        // As at the gate, what the agent owes after a lost dispute comes first.
        result = await tx.write(async (tx) => {
          await collectDebtsOf(tx, clock, a.agentId);
          return input.run(a, tx);
        });
      } catch (error) {
        if (!isMarketError(error)) throw error;
        status = 'failed';
        result = { error: error.toJSON() };
      }
      await store.finishApproval(tx, { id: a.id, status, at: now, by, reason: input.reason ?? null, result });
      await recordAudit(tx, clock, {
        ...auditBase,
        caller: { role: 'agent', id: a.agentId },
        tool: a.tool,
        outcome: 'allowed',
        rule: 'approval.granted',
        message: status === 'failed' ? `failed: ${(result.error as { code: string }).code}` : null,
      });
      if (a.idempotencyKey && status === 'executed') await updateIdempotencyResult(tx, a.agentId, a.tool, a.idempotencyKey, result);
    }
    await notifySponsor(tx, clock, a.sponsorId, 'approval.decided', { approval_id: a.id, agent_id: a.agentId, decision: input.decision, by });
    return { view: approvalView((await store.getApproval(tx, a.id))!) };
  });
  if ('error' in outcome) throw outcome.error;
  return outcome.view;
}
