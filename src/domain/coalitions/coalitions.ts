// Coalitions: agents team up on one task and split one pool. The funder's pool is held
// in escrow when the coalition is proposed (so activation can never fail for lack of
// funds); completion aggregates the accepted subtask results and settles the pool once,
// as CoalitionSplit transfers summing exactly to it, in one transaction.
import { newId } from '../ids.js';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/coalition-store.js';
import type { CoalitionRow, MemberRow, SubtaskRow } from '../../db/coalition-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { requireHireable } from '../agents/profiles.js';
import { parties } from '../governance/evaluate.js';
import { dealsWith } from '../governance/policies.js';
import { agentAccountId, ESCROW } from '../ledger/accounts.js';
import { createHold, postHold, voidHold } from '../ledger/holds.js';
import { assertNamedPayee } from '../ledger/payee-scope.js';
import { postTransfer } from '../ledger/transfers.js';
import { MSATS_PER_SAT, msatsToSats, satsToMsats } from '../money.js';
import { aggregateResults, parseJsonObject, type Aggregation } from './aggregation.js';
import { settleShares, type PaymentStructure } from './settlement.js';
import { MAX_SUBTASK_WEIGHT, readySubtasks, validateSubtaskGraph, type SubtaskStatus } from './subtasks.js';

export const COALITION_TYPES = ['AdHoc', 'Standing', 'Market', 'Hierarchical'] as const;
export type CoalitionType = (typeof COALITION_TYPES)[number];
/** Forming → Active → Settled (Standing, ready for its next task) or Dissolved. */
export const COALITION_STATUSES = ['Forming', 'Active', 'Settled', 'Dissolved'] as const;
export type CoalitionStatus = (typeof COALITION_STATUSES)[number];
export const MEMBER_STATUSES = ['invited', 'joined', 'left'] as const;
export type MemberStatus = (typeof MEMBER_STATUSES)[number];

export interface SubtaskInput {
  key: string;
  title: string;
  weight?: number;
  depends_on?: string[];
}

export interface ProposeInput {
  funderId: string;
  coalitionType: CoalitionType;
  taskDescription: string;
  targetMemberCount: number;
  paymentStructure: PaymentStructure;
  coordinatorId?: string | null;
  poolSats?: number;
  aggregation?: Aggregation;
  subtasks?: SubtaskInput[];
}

const now = (clock: Clock) => clock.now().toISOString();

export async function requireCoalition(db: Db, id: string): Promise<CoalitionRow> {
  const c = await store.getCoalition(db, id);
  if (!c) throw new MarketError('NOT_FOUND', `No coalition ${id}.`);
  return c;
}

/**
 * The coalition, for an agent that is a party to it: its funder, its coordinator, anyone
 * invited to it or who was a member, or anyone at all for an open Market coalition. To
 * everyone else it does not exist, so no answer (a CONFLICT naming its status, say) tells
 * an outsider what a private coalition is doing.
 */
export async function requireCoalitionFor(db: Db, id: string, agentId: string): Promise<CoalitionRow> {
  const c = await store.getCoalition(db, id);
  const party = c && (c.coalitionType === 'Market' || c.funderId === agentId || c.coordinatorId === agentId || (await store.members(db, c.id)).some((m) => m.agentId === agentId));
  if (!c || !party) throw new MarketError('NOT_FOUND', `No coalition ${id}.`);
  return c;
}

/**
 * The pool is the funder's money, so whoever seats or pays a member (a coordinator
 * inviting, an agent joining an open Market coalition, a coordinator completing) does so
 * under the funder's counterparty rules too; the gate only judged the caller's own.
 * With no one to ask for approval here, an agent outside the funder's allow list is refused.
 */
async function requireFunderDealsWith(db: Db, c: CoalitionRow, agentIds: readonly string[]): Promise<void> {
  for (const id of agentIds) {
    if (!(await dealsWith(db, c.funderId, id))) {
      throw new MarketError('POLICY_DENIED', `The funder of coalition ${c.id} may not deal with ${id} under its sponsor's policy (rule: counterparties).`);
    }
  }
}

/** Who would share the pool if the coalition completed now: what a completion names to the gate. */
export async function settlementPayees(db: Db, coalitionId: string): Promise<string[]> {
  const c = await requireCoalition(db, coalitionId);
  return payees(c, await store.members(db, c.id), await store.subtasks(db, c.id, c.round)).map((m) => m.agentId);
}

/** What a lead's call names: an agent it seats, the holder of a subtask it judges, or the pool's payees. */
export type LeadAction = { agentId: string } | { subtaskKey: string } | 'settlement';

/**
 * The agents a call of the funder or the coordinator seats or pays, as the gate sees
 * them. Asked of anyone else it names nobody: the handler refuses them, and the gate must
 * not first answer "your sponsor blocks X" about a coalition they cannot see.
 */
export async function leadCounterparties(db: Db, callerId: string, coalitionId: string, action: LeadAction): Promise<string[]> {
  const c = await store.getCoalition(db, coalitionId);
  if (!c || (c.funderId !== callerId && c.coordinatorId !== callerId)) return [];
  if (action === 'settlement') return parties(...(await settlementPayees(db, c.id)));
  if ('agentId' in action) return parties(action.agentId);
  return parties((await store.subtasks(db, c.id, c.round)).find((s) => s.key === action.subtaskKey)?.assigneeId);
}

async function joined(db: Db, id: string): Promise<string[]> {
  return (await store.members(db, id)).filter((m) => m.status === 'joined').map((m) => m.agentId);
}

function requireStatus(c: CoalitionRow, ...statuses: string[]): void {
  if (!statuses.includes(c.status)) throw new MarketError('CONFLICT', `Coalition ${c.id} is ${c.status}; this needs it ${statuses.join(' or ')}.`);
}

/** Whoever runs the work: the coordinator, or the funder when there is none. */
function isLead(c: CoalitionRow, agentId: string): boolean {
  return c.coordinatorId ? c.coordinatorId === agentId : c.funderId === agentId;
}

export function proposeCoalition(db: Db, clock: Clock, input: ProposeInput) {
  if (!Number.isInteger(input.targetMemberCount) || input.targetMemberCount < 1 || input.targetMemberCount > 100) {
    throw new MarketError('INVALID_INPUT', 'target_member_count is 1–100.');
  }
  // Someone must assign a Hierarchical coalition's work: without a named coordinator, the proposer does.
  const coordinatorId = input.coordinatorId ?? (input.coalitionType === 'Hierarchical' ? input.funderId : null);
  const specs = (input.subtasks ?? []).map((s) => ({ key: s.key, dependsOn: s.depends_on ?? [] }));
  validateSubtaskGraph(specs);
  return db.write(async (tx) => {
    const id = newId('co');
    const poolMsats = satsToMsats(input.poolSats ?? 0);
    const hold =
      poolMsats > 0
        ? await createHold(tx, clock, {
            debitAccountId: agentAccountId(input.funderId),
            creditAccountId: ESCROW.id,
            amountMsats: poolMsats,
            entryType: 'Escrow',
            description: `Pool of coalition ${id}`,
            reference: id,
          })
        : null;
    await store.insertCoalition(tx, {
      id,
      coalitionType: input.coalitionType,
      taskDescription: input.taskDescription,
      funderId: input.funderId,
      coordinatorId,
      targetMemberCount: input.targetMemberCount,
      paymentStructure: input.paymentStructure,
      aggregation: input.aggregation ?? 'Concatenate',
      poolMsats,
      holdId: hold?.id ?? null,
      status: 'Forming',
      round: 1,
      result: null,
      aggregationError: null,
      createdAt: now(clock),
      updatedAt: now(clock),
    });
    if (coordinatorId) {
      await requireHireable(tx, coordinatorId);
      // A coordinator other than the proposer is only invited: it must accept the role by joining.
      await store.upsertMember(tx, {
        coalitionId: id,
        agentId: coordinatorId,
        status: coordinatorId === input.funderId ? 'joined' : 'invited',
        fixedMsats: null,
        updatedAt: now(clock),
      });
    }
    await insertSubtasks(tx, clock, id, 1, input.subtasks ?? []);
    await activateIfReady(tx, clock, await requireCoalition(tx, id));
    return coalitionView(tx, id, input.funderId);
  });
}

export function inviteToCoalition(db: Db, clock: Clock, byId: string, input: { coalitionId: string; agentId: string; fixedSats?: number }) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, input.coalitionId, byId);
    if (c.funderId !== byId && c.coordinatorId !== byId) throw new MarketError('FORBIDDEN', 'Only the funder or the coordinator invites.');
    if (c.funderId !== byId && !(await joined(tx, c.id)).includes(byId)) {
      throw new MarketError('FORBIDDEN', `You are named coordinator of ${c.id} but have not accepted the role: join it (marketplace_join_coalition) before inviting.`);
    }
    requireStatus(c, 'Forming', 'Active');
    await requireHireable(tx, input.agentId);
    await requireFunderDealsWith(tx, c, [input.agentId]);
    const current = (await store.members(tx, c.id)).find((m) => m.agentId === input.agentId);
    if (current?.status === 'joined') throw new MarketError('CONFLICT', `${input.agentId} is already a member.`);
    const fixedMsats = input.fixedSats === undefined ? null : satsToMsats(input.fixedSats);
    if (c.paymentStructure === 'Fixed') {
      const others = await promisedMsats(tx, c.id, input.agentId);
      if (others + (fixedMsats ?? 0) > c.poolMsats) {
        throw new MarketError(
          'INVALID_INPUT',
          `fixed_sats ${input.fixedSats} would bring the agreed amounts to ${msatsToSats(others + (fixedMsats ?? 0))} sats, but the pool holds ` +
            `${msatsToSats(c.poolMsats)} sats: offer at most ${msatsToSats(c.poolMsats - others)} sats.`,
          { promisedSats: msatsToSats(others), poolSats: msatsToSats(c.poolMsats) },
        );
      }
    }
    await store.upsertMember(tx, { coalitionId: c.id, agentId: input.agentId, status: 'invited', fixedMsats, updatedAt: now(clock) });
    return coalitionView(tx, c.id, byId);
  });
}

export function joinCoalition(db: Db, clock: Clock, agentId: string, coalitionId: string) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, coalitionId, agentId);
    const member = (await store.members(tx, c.id)).find((m) => m.agentId === agentId);
    // Market coalitions are open to any agent; the others take the invited.
    if (!member && c.coalitionType !== 'Market' && c.funderId !== agentId) throw new MarketError('FORBIDDEN', `Coalition ${c.id} is by invitation.`);
    requireStatus(c, 'Forming', 'Active');
    if (member?.status === 'joined') throw new MarketError('CONFLICT', 'You are already a member.');
    if (!member && c.coalitionType !== 'Market') throw new MarketError('FORBIDDEN', `Coalition ${c.id} is by invitation.`);
    await requireHireable(tx, agentId);
    await requireFunderDealsWith(tx, c, [agentId]);
    await store.upsertMember(tx, { coalitionId: c.id, agentId, status: 'joined', fixedMsats: member?.fixedMsats ?? null, updatedAt: now(clock) });
    await activateIfReady(tx, clock, await requireCoalition(tx, c.id));
    return coalitionView(tx, c.id, agentId);
  });
}

export function leaveCoalition(db: Db, clock: Clock, agentId: string, coalitionId: string) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, coalitionId, agentId);
    requireStatus(c, 'Forming', 'Active');
    if (c.coordinatorId === agentId) throw new MarketError('CONFLICT', 'The coordinator cannot leave; the funder can dissolve the coalition instead.');
    if (!(await joined(tx, c.id)).includes(agentId)) throw new MarketError('NOT_FOUND', 'You are not a member.');
    if ((await store.subtasks(tx, c.id, c.round)).some((s) => s.assigneeId === agentId && s.status !== 'open')) {
      throw new MarketError('CONFLICT', 'You hold assigned work: finish it or have it reassigned first.');
    }
    await store.upsertMember(tx, { coalitionId: c.id, agentId, status: 'left', fixedMsats: null, updatedAt: now(clock) });
    return coalitionView(tx, c.id, agentId);
  });
}

/**
 * Before any work is handed in the funder may dissolve: the pool comes back. Once a result
 * is submitted the funder has (or can read) the work, so taking the pool back would leave
 * the members unpaid for it; the task can then only end by completion.
 */
export function dissolveCoalition(db: Db, clock: Clock, byId: string, coalitionId: string) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, coalitionId, byId);
    if (c.funderId !== byId) throw new MarketError('FORBIDDEN', 'Only the funder dissolves a coalition.');
    requireStatus(c, 'Forming', 'Active');
    // Work sent back still counts: the funder has read it.
    const delivered = (await store.subtasks(tx, c.id, c.round)).filter((s) => s.handedInAt !== null);
    if (delivered.length > 0) {
      throw new MarketError(
        'CONFLICT',
        `Coalition ${c.id} cannot be dissolved: work was handed in on subtask ${delivered.map((s) => s.key).join(', ')}. ` +
          'Accept the submitted subtasks with marketplace_accept_subtask and settle the pool with marketplace_complete_coalition.',
        { delivered: delivered.map((s) => s.key) },
      );
    }
    if (!(await store.updateCoalition(tx, c.id, c.status, { status: 'Dissolved', updatedAt: now(clock) }))) throw new MarketError('CONFLICT', 'The coalition changed meanwhile.');
    if (c.holdId) await voidHold(tx, clock, c.holdId, `Coalition ${c.id} dissolved`);
    return coalitionView(tx, c.id, byId);
  });
}

/**
 * What a Fixed coalition has promised its members and invitees (other than `except`).
 * Invitations are checked against the pool, because at completion it is too late: the
 * work is done and a pool that cannot pay the promises could never be settled.
 */
async function promisedMsats(db: Db, coalitionId: string, except?: string): Promise<number> {
  return (await store.members(db, coalitionId))
    .filter((m) => m.agentId !== except && (m.status === 'joined' || m.status === 'invited'))
    .reduce((sum, m) => sum + (m.fixedMsats ?? 0), 0);
}

async function insertSubtasks(db: Db, clock: Clock, coalitionId: string, round: number, subtasks: SubtaskInput[]): Promise<void> {
  for (const s of subtasks) {
    const weight = s.weight ?? 1;
    if (!Number.isInteger(weight) || weight < 0 || weight > MAX_SUBTASK_WEIGHT) {
      throw new MarketError('INVALID_INPUT', `Subtask ${s.key}: weight is a whole number from 0 to ${MAX_SUBTASK_WEIGHT.toLocaleString('en-US')}.`);
    }
    await store.insertSubtask(db, {
      coalitionId,
      round,
      key: s.key,
      title: s.title,
      weight: s.weight ?? 1,
      dependsOn: s.depends_on ?? [],
      assigneeId: null,
      bids: [],
      status: 'open',
      result: null,
      handedInAt: null,
      returnReason: null,
      updatedAt: now(clock),
    });
  }
}

/** A Standing coalition takes its next task: a new round with its own pool and subtasks, same members. */
export function startNextTask(db: Db, clock: Clock, funderId: string, input: { coalitionId: string; taskDescription: string; poolSats?: number; subtasks?: SubtaskInput[] }) {
  validateSubtaskGraph((input.subtasks ?? []).map((s) => ({ key: s.key, dependsOn: s.depends_on ?? [] })));
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, input.coalitionId, funderId);
    if (c.funderId !== funderId) throw new MarketError('FORBIDDEN', 'Only the funder gives a Standing coalition its next task.');
    if (c.coalitionType !== 'Standing') throw new MarketError('CONFLICT', 'Only Standing coalitions take a next task.');
    requireStatus(c, 'Settled');
    const poolMsats = satsToMsats(input.poolSats ?? 0);
    const promised = c.paymentStructure === 'Fixed' ? await promisedMsats(tx, c.id) : 0;
    if (promised > poolMsats) {
      throw new MarketError(
        'INVALID_INPUT',
        `pool_sats ${msatsToSats(poolMsats)} is less than the ${msatsToSats(promised)} sats the members were promised (fixed_sats): fund a pool of at least ${msatsToSats(promised)} sats.`,
        { promisedSats: msatsToSats(promised), poolSats: msatsToSats(poolMsats) },
      );
    }
    const round = c.round + 1;
    const hold =
      poolMsats > 0
        ? await createHold(tx, clock, {
            debitAccountId: agentAccountId(funderId),
            creditAccountId: ESCROW.id,
            amountMsats: poolMsats,
            entryType: 'Escrow',
            description: `Pool of coalition ${c.id}, task ${round}`,
            reference: c.id,
          })
        : null;
    if (
      !(await store.updateCoalition(tx, c.id, 'Settled', {
        status: 'Active',
        round,
        taskDescription: input.taskDescription,
        poolMsats,
        holdId: hold?.id ?? null,
        result: null,
        aggregationError: null,
        updatedAt: now(clock),
      }))
    ) {
      throw new MarketError('CONFLICT', 'The coalition changed meanwhile.');
    }
    await insertSubtasks(tx, clock, c.id, round, input.subtasks ?? []);
    return coalitionView(tx, c.id, funderId);
  });
}

async function activateIfReady(db: Db, clock: Clock, c: CoalitionRow): Promise<void> {
  if (c.status !== 'Forming') return;
  const members = await joined(db, c.id);
  if (members.length >= c.targetMemberCount && (!c.coordinatorId || members.includes(c.coordinatorId))) {
    await store.updateCoalition(db, c.id, 'Forming', { status: 'Active', updatedAt: now(clock) });
  }
}

async function requireSubtask(db: Db, c: CoalitionRow, key: string) {
  const s = (await store.subtasks(db, c.id, c.round)).find((t) => t.key === key);
  if (!s) throw new MarketError('NOT_FOUND', `Coalition ${c.id} has no subtask "${key}".`);
  return s;
}

export function bidOnSubtask(db: Db, clock: Clock, agentId: string, input: { coalitionId: string; key: string; priceSats: number }) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, input.coalitionId, agentId);
    requireStatus(c, 'Active');
    if (c.coalitionType !== 'Market') throw new MarketError('CONFLICT', 'Only Market coalitions take bids.');
    if (!(await joined(tx, c.id)).includes(agentId)) throw new MarketError('FORBIDDEN', 'Join the coalition before bidding.');
    const s = await requireSubtask(tx, c, input.key);
    if (s.status !== 'open') throw new MarketError('CONFLICT', `Subtask ${s.key} is ${s.status}.`);
    const bids = s.bids.filter((b) => b.agent_id !== agentId);
    await store.updateSubtask(tx, c.id, c.round, s.key, { bids: [...bids, { agent_id: agentId, price_sats: input.priceSats }], updatedAt: now(clock) });
    return coalitionView(tx, c.id, agentId);
  });
}

/**
 * Who may assign: in Hierarchical and Market coalitions only the coordinator (in a Market,
 * to a bidder); in AdHoc and Standing ones the lead, or a member taking an open subtask.
 */
export function assignSubtask(db: Db, clock: Clock, byId: string, input: { coalitionId: string; key: string; assigneeId: string }) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, input.coalitionId, byId);
    requireStatus(c, 'Active');
    const s = await requireSubtask(tx, c, input.key);
    if (s.status !== 'open') throw new MarketError('CONFLICT', `Subtask ${s.key} is already ${s.status}.`);
    if (!(await joined(tx, c.id)).includes(input.assigneeId)) throw new MarketError('CONFLICT', `${input.assigneeId} is not a member.`);
    const strict = c.coalitionType === 'Hierarchical' || c.coalitionType === 'Market';
    const allowed = strict ? c.coordinatorId === byId || (!c.coordinatorId && isLead(c, byId)) : isLead(c, byId) || byId === input.assigneeId;
    if (!allowed) throw new MarketError('FORBIDDEN', strict ? 'Only the coordinator assigns subtasks here.' : 'Assign yourself, or ask the coordinator.');
    if (c.coalitionType === 'Market' && !s.bids.some((b) => b.agent_id === input.assigneeId)) {
      throw new MarketError('CONFLICT', `${input.assigneeId} has not bid on ${s.key}.`);
    }
    await store.updateSubtask(tx, c.id, c.round, s.key, { assigneeId: input.assigneeId, status: 'assigned', updatedAt: now(clock) });
    return coalitionView(tx, c.id, byId);
  });
}

export function submitSubtask(db: Db, clock: Clock, agentId: string, input: { coalitionId: string; key: string; result: string }) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, input.coalitionId, agentId);
    requireStatus(c, 'Active');
    const all = await store.subtasks(tx, c.id, c.round);
    const s = await requireSubtask(tx, c, input.key);
    if (s.assigneeId !== agentId) throw new MarketError('FORBIDDEN', `Subtask ${s.key} is not assigned to you.`);
    if (s.status !== 'assigned') throw new MarketError('CONFLICT', `Subtask ${s.key} is ${s.status}.`);
    const ready = readySubtasks(all.map((t) => ({ key: t.key, dependsOn: t.dependsOn, status: t.status as 'open' })));
    if (!ready.includes(s.key)) throw new MarketError('CONFLICT', `Subtask ${s.key} waits for ${s.dependsOn.join(', ')} to be accepted.`);
    // Checked here, while the assignee can still fix it: at completion nobody could.
    if (c.aggregation === 'Merge' && parseJsonObject(input.result) === null) {
      throw new MarketError('INVALID_INPUT', `Coalition ${c.id} merges its results as JSON objects: submit a JSON object such as {"${s.key}": ...}.`);
    }
    const at = now(clock);
    await store.updateSubtask(tx, c.id, c.round, s.key, { status: 'submitted', result: input.result, handedInAt: s.handedInAt ?? at, updatedAt: at });
    return coalitionView(tx, c.id, agentId);
  });
}

export function acceptSubtask(db: Db, clock: Clock, byId: string, input: { coalitionId: string; key: string }) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, input.coalitionId, byId);
    requireStatus(c, 'Active');
    if (!isLead(c, byId)) throw new MarketError('FORBIDDEN', 'Only the coordinator (or the funder, without one) accepts subtasks.');
    const s = await requireSubtask(tx, c, input.key);
    if (s.status !== 'submitted') throw new MarketError('CONFLICT', `Subtask ${s.key} is ${s.status}, not submitted.`);
    await store.updateSubtask(tx, c.id, c.round, s.key, { status: 'accepted', updatedAt: now(clock) });
    return coalitionView(tx, c.id, byId);
  });
}

/**
 * The lead sends a subtask back: a submitted result that is not good enough goes back to
 * its assignee to redo, or (reassign) the subtask reopens for another member, which is
 * also how work held by a member who went quiet moves on. Without it one bad or missing
 * result would hold the pool forever: completion needs every subtask accepted, and once
 * work is handed in the funder may no longer dissolve. The returned result is withdrawn
 * from view, so whoever takes the subtask next cannot copy it.
 */
export function returnSubtask(db: Db, clock: Clock, byId: string, input: { coalitionId: string; key: string; reason: string; reassign: boolean }) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, input.coalitionId, byId);
    requireStatus(c, 'Active');
    if (!isLead(c, byId)) throw new MarketError('FORBIDDEN', 'Only the coordinator (or the funder, without one) sends subtasks back.');
    const s = await requireSubtask(tx, c, input.key);
    const allowed = input.reassign ? ['assigned', 'submitted'] : ['submitted'];
    if (!allowed.includes(s.status)) {
      const hint = s.status === 'assigned' ? ' It is with its assignee already; pass reassign: true to reopen it for another member.' : '';
      throw new MarketError(
        'CONFLICT',
        `Subtask ${s.key} is ${s.status}: only ${allowed.join(' or ')} subtasks can be sent back${input.reassign ? ' for reassignment' : ' to redo'}.${hint}`,
        {
          status: s.status,
        },
      );
    }
    const back = input.reassign ? { status: 'open', assigneeId: null } : { status: 'assigned' };
    await store.updateSubtask(tx, c.id, c.round, s.key, { ...back, result: null, returnReason: input.reason, updatedAt: now(clock) });
    return coalitionView(tx, c.id, byId);
  });
}

/**
 * Who shares the pool: the joined members, in the order they joined. A Market coalition is
 * open to anyone and its members bid for subtasks (SEED-RULES), so there only the members
 * whose bids won accepted work share it, with the coordinator; otherwise an agent could
 * join after the work was accepted and take an Equal share of it. A Market task without
 * subtasks has nothing to bid on, and pays its members as the other types do.
 */
function payees(c: CoalitionRow, members: MemberRow[], accepted: SubtaskRow[]): MemberRow[] {
  const joinedRows = members.filter((m) => m.status === 'joined');
  if (c.coalitionType !== 'Market' || accepted.length === 0) return joinedRows;
  const workers = new Set(accepted.map((s) => s.assigneeId));
  return joinedRows.filter((m) => workers.has(m.agentId) || m.agentId === c.coordinatorId);
}

/**
 * The accepted work was paid for whether or not it aggregates (a Vote without a majority,
 * say): a failed aggregation is recorded beside the coalition, and never blocks settlement.
 */
function aggregate(aggregation: Aggregation, results: string[]): { result: string | null; error: string | null } {
  if (results.length === 0) return { result: null, error: null };
  try {
    return { result: aggregateResults(aggregation, results), error: null };
  } catch (e) {
    if (!(e instanceof MarketError)) throw e;
    return { result: null, error: e.message };
  }
}

/**
 * Completes the task: aggregates the accepted results and settles the pool exactly once,
 * in whole sats. Answers the coalition with who got what (`payouts`, in member order,
 * summing to the pool; empty for a coalition without a pool).
 */
export function completeCoalition(db: Db, clock: Clock, byId: string, coalitionId: string) {
  return db.write(async (tx) => {
    const c = await requireCoalitionFor(tx, coalitionId, byId);
    requireStatus(c, 'Active');
    if (!isLead(c, byId) && c.funderId !== byId) throw new MarketError('FORBIDDEN', 'Only the funder or the coordinator completes a coalition.');
    const all = await store.subtasks(tx, c.id, c.round);
    const open = all.filter((s) => s.status !== 'accepted');
    if (open.length > 0) throw new MarketError('CONFLICT', `Subtasks not accepted yet: ${open.map((s) => s.key).join(', ')}.`);
    const order = validateSubtaskGraph(all.map((s) => ({ key: s.key, dependsOn: s.dependsOn })));
    const results = order.map((key) => all.find((s) => s.key === key)!.result ?? '');
    const { result, error } = aggregate(c.aggregation as Aggregation, results);
    if (
      !(await store.updateCoalition(tx, c.id, 'Active', {
        status: c.coalitionType === 'Standing' ? 'Settled' : 'Dissolved',
        result,
        aggregationError: error,
        updatedAt: now(clock),
      }))
    ) {
      throw new MarketError('CONFLICT', 'The coalition changed meanwhile.');
    }
    const payouts: { agent_id: string; amount_sats: number }[] = [];
    if (c.holdId) {
      await postHold(tx, clock, c.holdId, c.poolMsats, `Coalition ${c.id} settled`);
      const memberRows = payees(c, await store.members(tx, c.id), all);
      if (byId !== c.funderId)
        await requireFunderDealsWith(
          tx,
          c,
          memberRows.map((m) => m.agentId),
        );
      const shares = settleShares({
        poolMsats: c.poolMsats,
        structure: c.paymentStructure as PaymentStructure,
        coordinatorId: c.coordinatorId,
        members: memberRows.map((m) => ({
          agentId: m.agentId,
          weight: all.filter((s) => s.assigneeId === m.agentId).reduce((w, s) => w + s.weight, 0),
          fixedMsats: m.fixedMsats ?? 0,
        })),
        unitMsats: MSATS_PER_SAT,
      });
      for (const share of shares) {
        payouts.push({ agent_id: share.agentId, amount_sats: msatsToSats(share.amountMsats) });
        if (share.amountMsats === 0) continue;
        assertNamedPayee(tx, agentAccountId(c.funderId), agentAccountId(share.agentId));
        await postTransfer(tx, clock, {
          debitAccountId: ESCROW.id,
          creditAccountId: agentAccountId(share.agentId),
          amountMsats: share.amountMsats,
          entryType: 'CoalitionSplit',
          description: `Share of coalition ${c.id}`,
          reference: c.id,
        });
      }
    }
    return { ...(await coalitionView(tx, c.id, byId)), payouts };
  });
}

/**
 * Results are work product: the funder paying for them and the coordinator reviewing them
 * read them all; an assignee reads its own and those its subtask builds on. Nobody else
 * does, or a rival bidder in a Market could copy work it did not do.
 */
function resultReader(lead: boolean, all: SubtaskRow[], viewerId: string): (s: SubtaskRow) => boolean {
  if (lead) return () => true;
  const builtOn = new Set(all.filter((s) => s.assigneeId === viewerId).flatMap((s) => s.dependsOn));
  return (s) => s.assigneeId === viewerId || builtOn.has(s.key);
}

/** The coalition as `viewerId` may see it (see resultReader). */
export async function coalitionView(db: Db, id: string, viewerId: string) {
  const c = await requireCoalition(db, id);
  const subtasks = await store.subtasks(db, c.id, c.round);
  const lead = c.funderId === viewerId || c.coordinatorId === viewerId;
  const reads = resultReader(lead, subtasks, viewerId);
  return {
    coalition_id: c.id,
    status: c.status as CoalitionStatus,
    coalition_type: c.coalitionType,
    untrusted_task_description: c.taskDescription,
    funder_id: c.funderId,
    coordinator_id: c.coordinatorId,
    target_member_count: c.targetMemberCount,
    payment_structure: c.paymentStructure,
    aggregation: c.aggregation,
    pool_sats: msatsToSats(c.poolMsats),
    round: c.round,
    members: (await store.members(db, c.id)).map((m) => ({
      agent_id: m.agentId,
      status: m.status as MemberStatus,
      fixed_sats: m.fixedMsats === null ? null : msatsToSats(m.fixedMsats),
    })),
    subtasks: subtasks.map((s) => ({
      key: s.key,
      untrusted_title: s.title,
      weight: s.weight,
      depends_on: s.dependsOn,
      assignee_id: s.assigneeId,
      status: s.status as SubtaskStatus,
      bids: s.bids,
      untrusted_result: reads(s) ? s.result : null,
      untrusted_return_reason: reads(s) ? s.returnReason : null,
    })),
    untrusted_result: lead ? c.result : null,
    aggregation_error: c.aggregationError,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}
