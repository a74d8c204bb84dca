// Hiring: a contract whose budget waits in escrow (a hold on the hirer's wallet) from
// the moment it is proposed. Proposed → InProgress (accepted) → Delivered → Completed,
// or Cancelled (declined by the worker, withdrawn by the hirer before an answer, or
// lapsed unanswered), Expired (accepted work undelivered at the deadline, or a rejection stood),
// Rejected (the hirer refused the delivery), Disputed (frozen until the operator decides).
// Settlement posts the agreed price to escrow and pays the worker less the platform fee,
// exactly once.
//
// A rejection must leave the worker a way to be paid for work delivered in time, or a
// hirer could take any delivery and its escrow back. So: the hirer may reject only before
// the deadline, while the worker can still deliver again (past it, it accepts or files a
// dispute, and an unreviewed delivery is accepted when the review window closes). The
// worker answers a rejection by delivering again before the deadline, or by disputing it
// (the escrow freezes; the operator decides what of the agreed price it is paid). A
// rejection left unanswered stands once both the deadline and REVIEW_WINDOW_HOURS after
// it have passed: the escrow returns to the hirer and the contract is Expired.
import { dealsWith } from '../governance/policies.js';
import { newId } from '../ids.js';
import type { Db } from '../../db/connection.js';
import * as hiring from '../../db/hiring-store.js';
import type { ContractRow } from '../../db/hiring-store.js';
import * as identity from '../../db/identity-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { agentReputation } from '../agents/reputation.js';
import { agentProfile, directoryFit, requireHireable, type AgentProfile, type FilterMiss } from '../agents/profiles.js';
import { agentAccountId, ESCROW } from '../ledger/accounts.js';
import { payFromEscrow } from '../ledger/escrow.js';
import { createHold, postHold, voidHold } from '../ledger/holds.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { mapInOrder } from '../../core/in-order.js';

export const REVIEW_WINDOW_HOURS = 72;
/**
 * An offer the worker has not answered lapses after this long (or at the deadline, if
 * sooner): the hirer's budget is not held for a worker that never looks, and a lapsed
 * offer is not held against the worker, who never took the job (else offers with short
 * deadlines would be a free way to lower a rival's reputation).
 */
export const OFFER_WINDOW_HOURS = 72;
const HOUR_MS = 3_600_000;

export const CONTRACT_STATUSES = ['Proposed', 'InProgress', 'Delivered', 'Completed', 'Cancelled', 'Expired', 'Rejected', 'Disputed'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export interface HireInput {
  hirerId: string;
  description: string;
  requiredSkills: string[];
  maxBudgetSats: number;
  deadline?: string | null;
  minReputation?: number;
  requiredMcpServers?: string[];
  agentId?: string;
}

/** Who would be hired: the chosen agent, or the best match for the task. */
export async function chooseWorker(db: Db, input: HireInput): Promise<{ agentId: string; candidates: AgentProfile[] }> {
  if (input.agentId) {
    if (input.agentId === input.hirerId) throw new MarketError('INVALID_INPUT', 'An agent cannot hire itself.');
    await requireHireable(db, input.agentId);
    return { agentId: input.agentId, candidates: [] };
  }
  const query = {
    skills: input.requiredSkills,
    mcpServers: input.requiredMcpServers,
    minReputation: input.minReputation,
    maxPriceSats: input.maxBudgetSats,
    exclude: input.hirerId,
  };
  // Never offered a worker its sponsor's policy refuses: the hire would only be denied.
  const refused: HireMiss = { filter: 'counterparties', detail: "your sponsor's policy does not deal with it" };
  const fit = await mapInOrder(await directoryFit(db, query), async (f) =>
    f.misses.length === 0 && !(await dealsWith(db, input.hirerId, f.agentId)) ? { ...f, misses: [refused] } : f,
  );
  const candidates = await mapInOrder(fit.filter((f) => f.misses.length === 0).slice(0, 5), async (f) => agentProfile(db, f.agentId));
  if (!candidates[0]) throw await noMatch(db, fit);
  return { agentId: candidates[0].agent_id, candidates };
}

type HireMiss = FilterMiss | { filter: 'counterparties'; detail: string };

/** The hire_agent field (or rule) behind each directory filter, as the hirer wrote it. */
const HIRE_FILTERS: Record<HireMiss['filter'], string> = {
  skills: 'task.required_skills',
  mcp_servers: 'requirements.required_mcp_servers',
  max_price: 'task.max_budget_sats',
  min_reputation: 'requirements.min_reputation',
  availability: 'availability',
  counterparties: 'policy counterparties',
};
const NEAR_CANDIDATES = 5;

/**
 * "No match" names, for the agents that came nearest (fewest filters failed), each filter
 * that excluded them, so the hirer knows which requirement to loosen instead of guessing.
 */
async function noMatch(db: Db, fit: { agentId: string; misses: HireMiss[] }[]): Promise<MarketError> {
  const near = await mapInOrder([...fit].sort((x, y) => x.misses.length - y.misses.length).slice(0, NEAR_CANDIDATES), async (f) => ({
    agent_id: f.agentId,
    name: (await agentProfile(db, f.agentId)).name,
    excluded_by: f.misses.map((m) => ({ filter: HIRE_FILTERS[m.filter], detail: m.detail })),
  }));
  if (near.length === 0) {
    return new MarketError('NOT_FOUND', 'No other active agent is in the directory yet. Name an agent_id, or try again later.', { near_candidates: [] });
  }
  const lines = near.map((c) => `${c.agent_id}: ${c.excluded_by.map((e) => `${e.filter} (${e.detail})`).join(', ')}`);
  return new MarketError('NOT_FOUND', `No active agent matches. The nearest and what excluded them — ${lines.join('; ')}. Loosen one of these requirements or name an agent_id.`, {
    near_candidates: near,
  });
}

/**
 * An ISO-8601 date-time with its offset, compared as an instant: raw strings misorder
 * offsets (10:00-05:00 is 15:00Z), and Date.parse alone takes "December 1, 2020" in the
 * server's own time zone.
 */
const ISO_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function deadlineOf(deadline: string | null | undefined, now: Date): string | null {
  if (deadline === undefined || deadline === null) return null;
  const at = ISO_DATE_TIME.test(deadline) ? Date.parse(deadline) : Number.NaN;
  if (Number.isNaN(at))
    throw new MarketError(
      'INVALID_INPUT',
      `deadline must be an ISO-8601 time with its offset, like 2030-06-01T10:00:00Z or 2030-06-01T10:00-05:00 (got "${deadline.slice(0, 60)}").`,
    );
  if (at <= now.getTime()) throw new MarketError('INVALID_INPUT', `deadline ${new Date(at).toISOString()} is already past.`);
  return new Date(at).toISOString();
}

export function hireAgent(db: Db, clock: Clock, input: HireInput) {
  const deadline = deadlineOf(input.deadline, clock.now());
  return db.write(async (tx) => {
    const { agentId, candidates } = await chooseWorker(tx, input);
    const id = newId('ct');
    const budgetMsats = satsToMsats(input.maxBudgetSats);
    const hold = await createHold(tx, clock, {
      debitAccountId: agentAccountId(input.hirerId),
      creditAccountId: ESCROW.id,
      amountMsats: budgetMsats,
      entryType: 'Escrow',
      description: `Escrow for contract ${id}`,
      reference: id,
    });
    const now = clock.now().toISOString();
    await hiring.insertContract(tx, {
      id,
      hirerId: input.hirerId,
      agentId,
      description: input.description,
      requiredSkills: input.requiredSkills,
      budgetMsats,
      agreedMsats: budgetMsats,
      holdId: hold.id,
      status: 'Proposed',
      deadline,
      deliveryResult: null,
      deliverySha256: null,
      deliveryUrl: null,
      deliveredAt: null,
      reviewDeadline: null,
      rejectReason: null,
      hirerRating: null,
      workerRating: null,
      createdAt: now,
      updatedAt: now,
    });
    return { contract: contractView(await requireContract(tx, id)), candidates };
  });
}

export async function requireContract(db: Db, id: string): Promise<ContractRow> {
  const c = await hiring.getContract(db, id);
  if (!c) throw new MarketError('NOT_FOUND', `No contract ${id}.`);
  return c;
}

function requireParty(c: ContractRow, agentId: string, as: 'hirer' | 'worker' | 'either'): void {
  const ok = as === 'hirer' ? c.hirerId === agentId : as === 'worker' ? c.agentId === agentId : c.hirerId === agentId || c.agentId === agentId;
  if (!ok) throw new MarketError('NOT_FOUND', `No contract ${c.id} of yours${as === 'either' ? '' : ` as the ${as}`}.`);
}

async function move(db: Db, clock: Clock, c: ContractRow, from: ContractStatus[], set: Partial<ContractRow> & { status: ContractStatus }): Promise<ContractRow> {
  if (!from.includes(c.status as ContractStatus)) {
    throw new MarketError('CONFLICT', `Contract ${c.id} is ${c.status}; this needs it ${from.join(' or ')}.`, { status: c.status });
  }
  if (!(await hiring.updateContract(db, c.id, from, { ...set, updatedAt: clock.now().toISOString() }))) {
    throw new MarketError('CONFLICT', `Contract ${c.id} changed meanwhile; read it again.`);
  }
  return requireContract(db, c.id);
}

/** Ends a contract due for it (deadline or a window passed) before anyone acts on it, or disputes it. */
export async function currentContract(db: Db, clock: Clock, id: string): Promise<ContractRow> {
  await settleDue(db, clock, await requireContract(db, id));
  return requireContract(db, id);
}

export function respondToContract(db: Db, clock: Clock, workerId: string, input: { contractId: string; action: 'accept' | 'decline' | 'counter'; counterBudgetSats?: number }) {
  return db.write(async (tx) => {
    const c = await currentContract(tx, clock, input.contractId);
    requireParty(c, workerId, 'worker');
    if (input.action === 'decline') {
      return contractView(await cancelOffer(tx, clock, c, 'declined'));
    }
    let agreedMsats = c.agreedMsats;
    if (input.action === 'counter') {
      if (input.counterBudgetSats === undefined) throw new MarketError('INVALID_INPUT', 'A counter-offer needs counter_budget_sats.');
      agreedMsats = satsToMsats(input.counterBudgetSats);
      if (agreedMsats <= 0 || agreedMsats > c.budgetMsats) {
        throw new MarketError('INVALID_INPUT', `A counter-offer must be within the escrowed budget of ${msatsToSats(c.budgetMsats)} sats.`);
      }
    }
    // Accepting (at the budget or at a lower counter the hirer's escrow already covers) starts the work.
    return contractView(await move(tx, clock, c, ['Proposed'], { status: 'InProgress', agreedMsats }));
  });
}

/**
 * The hirer withdraws an offer the worker has not answered: without it an offer with no
 * deadline would hold the budget for as long as the worker stays silent.
 */
export function cancelContract(db: Db, clock: Clock, hirerId: string, contractId: string) {
  return db.write(async (tx) => {
    const c = await currentContract(tx, clock, contractId);
    requireParty(c, hirerId, 'hirer');
    if (c.status !== 'Proposed') {
      const started = ['InProgress', 'Delivered', 'Rejected'].includes(c.status);
      throw new MarketError(
        'CONFLICT',
        `Contract ${c.id} is ${c.status}: only an offer the worker has not answered (Proposed) can be withdrawn` +
          (started ? '. Once accepted it ends by your review of the delivery, its deadline, or a dispute (marketplace_file_dispute).' : '.'),
        { status: c.status },
      );
    }
    return contractView(await cancelOffer(tx, clock, c, 'withdrawn by its hirer'));
  });
}

export function submitDelivery(db: Db, clock: Clock, workerId: string, input: { contractId: string; result?: string; sha256?: string; url?: string }) {
  if (!input.result && !input.sha256) throw new MarketError('INVALID_INPUT', 'A delivery needs result text, or a sha256 of the content (with a url).');
  if (input.sha256 && !/^[0-9a-f]{64}$/i.test(input.sha256)) throw new MarketError('INVALID_INPUT', 'sha256 must be 64 hex characters.');
  return db.write(async (tx) => {
    const c = await currentContract(tx, clock, input.contractId);
    requireParty(c, workerId, 'worker');
    const now = clock.now();
    if (c.status === 'Rejected' && pastDeadline(c, now)) {
      throw new MarketError(
        'CONFLICT',
        `Contract ${c.id} is past its deadline: a rejected delivery can no longer be replaced. Dispute the rejection with marketplace_file_dispute ` +
          `before ${c.reviewDeadline}, or it stands and the escrow returns to the hirer.`,
        { status: c.status, deadline: c.deadline },
      );
    }
    return contractView(
      await move(tx, clock, c, ['InProgress', 'Rejected'], {
        status: 'Delivered',
        deliveryResult: input.result ?? null,
        deliverySha256: input.sha256?.toLowerCase() ?? null,
        deliveryUrl: input.url ?? null,
        deliveredAt: now.toISOString(),
        reviewDeadline: new Date(now.getTime() + REVIEW_WINDOW_HOURS * HOUR_MS).toISOString(),
        rejectReason: null,
      }),
    );
  });
}

export function reviewDelivery(db: Db, clock: Clock, hirerId: string, input: { contractId: string; decision: 'accept' | 'reject'; reason?: string; rating?: number }) {
  return db.write(async (tx) => {
    const c = await currentContract(tx, clock, input.contractId);
    requireParty(c, hirerId, 'hirer');
    if (input.decision === 'reject') {
      if (!input.reason) throw new MarketError('INVALID_INPUT', 'Say why the delivery is rejected (reason): the worker may fix it, or you may file a dispute.');
      const now = clock.now();
      if (c.status === 'Delivered' && pastDeadline(c, now)) {
        throw new MarketError(
          'CONFLICT',
          `Contract ${c.id} was delivered in time and its deadline has passed, so the worker cannot deliver again: accept the delivery, or file a dispute ` +
            `(marketplace_file_dispute) for the operator to decide. Unreviewed, it is accepted at ${c.reviewDeadline}.`,
          { status: c.status, deadline: c.deadline },
        );
      }
      // The worker has until then to deliver again (before the deadline) or to dispute the rejection.
      const answerBy = new Date(Math.max(now.getTime() + REVIEW_WINDOW_HOURS * HOUR_MS, c.deadline === null ? 0 : Date.parse(c.deadline))).toISOString();
      return contractView(await move(tx, clock, c, ['Delivered'], { status: 'Rejected', rejectReason: input.reason, reviewDeadline: answerBy }));
    }
    return contractView(await complete(tx, clock, c, input.rating ?? null));
  });
}

/** Settles a delivered contract at its agreed price. */
async function complete(db: Db, clock: Clock, c: ContractRow, hirerRating: number | null): Promise<ContractRow> {
  return settleContract(db, clock, c, ['Delivered'], c.agreedMsats, hirerRating);
}

/**
 * Pays priceMsats out of the contract's escrow: the worker gets it less the platform fee
 * and the rest of the budget returns to the hirer (a dispute may settle below the price).
 */
export async function settleContract(db: Db, clock: Clock, c: ContractRow, from: ContractStatus[], priceMsats: number, hirerRating: number | null = null): Promise<ContractRow> {
  const done = await move(db, clock, c, from, { status: 'Completed', hirerRating });
  await postHold(db, clock, c.holdId, priceMsats, `Contract ${c.id} settled`);
  await payFromEscrow(db, clock, { payerAgentId: c.hirerId, payeeAccountId: agentAccountId(c.agentId), priceMsats, reference: c.id, what: `contract ${c.id}` });
  await refreshWorkerReputation(db, clock, c.agentId);
  return done;
}

async function refreshWorkerReputation(db: Db, clock: Clock, agentId: string): Promise<void> {
  await identity.setAgentReputation(db, agentId, agentReputation(await hiring.workerRecord(db, agentId), clock.now()));
}

const pastDeadline = (c: ContractRow, now: Date) => c.deadline !== null && Date.parse(c.deadline) <= now.getTime();

/** When an unanswered offer lapses: the offer window's end, or the deadline if sooner. */
export function offerLapsesAt(c: Pick<ContractRow, 'createdAt' | 'deadline'>): string {
  const windowEnd = new Date(Date.parse(c.createdAt) + OFFER_WINDOW_HOURS * HOUR_MS).toISOString();
  return c.deadline !== null && c.deadline < windowEnd ? c.deadline : windowEnd;
}

/** A rejection the worker neither answered by a new delivery nor disputed, once its time to answer is over. */
function rejectionStands(c: ContractRow, nowIso: string): boolean {
  return c.status === 'Rejected' && c.reviewDeadline !== null && c.reviewDeadline <= nowIso && (c.deadline === null || c.deadline <= nowIso);
}

/**
 * Ends a contract whose work did not come (in time, or good enough: a rejection that
 * stands): the escrow returns to the hirer and it counts against the worker.
 */
export async function expireContract(db: Db, clock: Clock, c: ContractRow, from: ContractStatus[], why: string): Promise<ContractRow> {
  const ended = await move(db, clock, c, from, { status: 'Expired' });
  await voidHold(db, clock, c.holdId, `Contract ${c.id} ${why}`);
  await refreshWorkerReputation(db, clock, c.agentId);
  return ended;
}

/**
 * Ends an offer before any work (declined, withdrawn or lapsed): the escrow returns to the
 * hirer, and nothing counts against the worker, who never took the job.
 */
async function cancelOffer(db: Db, clock: Clock, c: ContractRow, why: string): Promise<ContractRow> {
  const ended = await move(db, clock, c, ['Proposed'], { status: 'Cancelled' });
  await voidHold(db, clock, c.holdId, `Contract ${c.id} ${why}`);
  return ended;
}

/**
 * A due contract ends on its own: an offer left unanswered lapses and accepted work
 * undelivered at its deadline expires, the escrow returning to the hirer either way; a
 * delivery left unreviewed past the window is accepted; a rejection left unanswered stands.
 */
async function settleDue(db: Db, clock: Clock, c: ContractRow): Promise<void> {
  const now = clock.now().toISOString();
  if (c.status === 'Delivered' && c.reviewDeadline !== null && c.reviewDeadline <= now) {
    await complete(db, clock, c, null);
  } else if (rejectionStands(c, now)) {
    await expireContract(db, clock, c, ['Rejected'], 'ended: its rejection stood unanswered');
  } else if (c.status === 'Proposed' && offerLapsesAt(c) <= now) {
    await cancelOffer(db, clock, c, 'lapsed: the offer was not answered');
  } else if (c.status === 'InProgress' && c.deadline !== null && c.deadline <= now) {
    await expireContract(db, clock, c, ['InProgress'], 'expired undelivered');
  }
}

export async function settleDueContracts(db: Db, clock: Clock): Promise<number> {
  return db.write(async (tx) => {
    const now = clock.now();
    const due = await hiring.dueContracts(tx, now.toISOString(), new Date(now.getTime() - OFFER_WINDOW_HOURS * HOUR_MS).toISOString());
    for (const c of due) await settleDue(tx, clock, c);
    return due.length;
  });
}

export function rateHirer(db: Db, clock: Clock, workerId: string, contractId: string, rating: number) {
  return db.write(async (tx) => {
    const c = await currentContract(tx, clock, contractId);
    requireParty(c, workerId, 'worker');
    if (c.status !== 'Completed') throw new MarketError('CONFLICT', 'Rate the hirer once the contract is Completed.');
    await hiring.updateContract(tx, c.id, ['Completed'], { workerRating: rating, updatedAt: clock.now().toISOString() });
    return contractView(await requireContract(tx, c.id));
  });
}

export function getContract(db: Db, clock: Clock, agentId: string, id: string) {
  return db.write(async (tx) => {
    const c = await currentContract(tx, clock, id);
    requireParty(c, agentId, 'either');
    return contractView(c);
  });
}

export function contractView(c: ContractRow) {
  const open = ['Proposed', 'InProgress', 'Delivered', 'Rejected', 'Disputed'].includes(c.status);
  const rejected = c.status === 'Rejected';
  return {
    contract_id: c.id,
    status: c.status as ContractStatus,
    hirer_id: c.hirerId,
    agent_id: c.agentId,
    // The hirer wrote it and the worker reads it (and the reason of a rejection): data, never instructions.
    untrusted_description: c.description,
    required_skills: c.requiredSkills,
    budget_sats: msatsToSats(c.budgetMsats),
    agreed_sats: msatsToSats(c.agreedMsats),
    escrow_sats: open ? msatsToSats(c.budgetMsats) : 0,
    deadline: c.deadline,
    offer_lapses_at: c.status === 'Proposed' ? offerLapsesAt(c) : null,
    delivery: c.deliveredAt
      ? { untrusted_result: c.deliveryResult, sha256: c.deliverySha256, url: c.deliveryUrl, delivered_at: c.deliveredAt, review_deadline: rejected ? null : c.reviewDeadline }
      : null,
    untrusted_reject_reason: c.rejectReason,
    // While Rejected the review window's column holds the worker's time to answer.
    rejection_stands_at: rejected ? c.reviewDeadline : null,
    hirer_rating: c.hirerRating,
    worker_rating: c.workerRating,
    created_at: c.createdAt,
    updated_at: c.updatedAt,
  };
}

export type ContractView = Awaited<ReturnType<typeof contractView>>;

/** Whom reviewing a delivery pays: the worker, when its hirer accepts; a rejection pays nobody. */
export async function deliveryReviewCounterparties(db: Db, hirerId: string, contractId: string, decision: 'accept' | 'reject'): Promise<string[]> {
  const c = await hiring.getContract(db, contractId);
  return c?.hirerId === hirerId && decision === 'accept' ? [c.agentId] : [];
}
