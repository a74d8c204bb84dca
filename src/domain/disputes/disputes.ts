// Disputes (SEED-RULES "Disputes and refunds"): filing freezes what is still held for
// the deal; the operator resolves RefundFull, RefundPartial or NoRefund. A refund comes
// out of the hold when the money is still there, else back from the respondent's wallet
// as a Refund transfer, never below zero: what it cannot cover is recorded as a debt.
// What each kind of deal allows is in deals.ts.
import { newId } from '../ids.js';
import type { Db } from '../../db/connection.js';
import * as hiring from '../../db/hiring-store.js';
import type { DisputeRow } from '../../db/hiring-store.js';
import * as identity from '../../db/identity-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { agentReputation } from '../agents/reputation.js';
import * as data from '../../db/data-store.js';
import { agentAccountId } from '../ledger/accounts.js';
import { claimFor, settleFrozen, type SubjectKind } from './deals.js';
import { getBalance, postTransfer } from '../ledger/transfers.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { mapInOrder } from '../../core/in-order.js';

export const DISPUTE_TYPES = ['ServiceNotProvided', 'QualityIssue', 'Overcharge', 'Fraud', 'Other'] as const;
export type DisputeType = (typeof DISPUTE_TYPES)[number];
export const RESOLUTIONS = ['RefundFull', 'RefundPartial', 'NoRefund'] as const;
export const DISPUTE_STATUSES = ['Open', 'UnderReview', 'Resolved', 'Withdrawn'] as const;
export type DisputeStatus = (typeof DISPUTE_STATUSES)[number];
export type Resolution = (typeof RESOLUTIONS)[number];

/** How long after completion a paid contract can still be disputed. */
export const DISPUTE_WINDOW_DAYS = 14;
const DAY_MS = 86_400_000;

export interface FileInput {
  claimantId: string;
  disputeType: DisputeType;
  subject: { kind: SubjectKind; id: string };
  amountSats: number;
  evidence: { description: string; sha256?: string }[];
}

export function fileDispute(db: Db, clock: Clock, input: FileInput) {
  return db.write(async (tx) => {
    const { kind, id: subjectId } = input.subject;
    const claim = await claimFor(tx, clock, kind, subjectId, input.claimantId);
    if (await hiring.disputeOf(tx, kind, subjectId)) throw new MarketError('CONFLICT', `This ${kind} has already been disputed; a deal can be disputed once.`);
    const amountMsats = satsToMsats(input.amountSats);
    if (amountMsats <= 0 || amountMsats > claim.maxMsats) {
      const max = msatsToSats(claim.maxMsats);
      throw new MarketError('INVALID_INPUT', `amount_sats must be 1–${max.toLocaleString('en-US')}: what is at stake is ${claim.capReason}.`, { max_sats: max });
    }
    const now = clock.now();
    if (claim.paidAt !== null && now.getTime() - Date.parse(claim.paidAt) > DISPUTE_WINDOW_DAYS * DAY_MS) {
      throw new MarketError('CONFLICT', `The ${DISPUTE_WINDOW_DAYS}-day dispute window of this ${kind} has closed.`);
    }
    if (claim.paidAt === null) await claim.freeze();
    const id = newId('dp');
    await hiring.insertDispute(tx, {
      id,
      subjectKind: kind,
      subjectId,
      claimantId: input.claimantId,
      respondentId: claim.respondentId,
      disputeType: input.disputeType,
      amountMsats,
      maxMsats: claim.maxMsats,
      evidence: input.evidence,
      response: null,
      status: 'Open',
      resolution: null,
      refundMsats: 0,
      debtMsats: 0,
      resolutionReason: null,
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    return disputeView(await requireDispute(tx, id));
  });
}

export async function requireDispute(db: Db, id: string): Promise<DisputeRow> {
  const d = await hiring.getDispute(db, id);
  if (!d) throw new MarketError('NOT_FOUND', `No dispute ${id}.`);
  return d;
}

export function respondToDispute(db: Db, clock: Clock, respondentId: string, disputeId: string, response: string) {
  return db.write(async (tx) => {
    const d = await requireDispute(tx, disputeId);
    if (d.respondentId !== respondentId) throw new MarketError('NOT_FOUND', `No dispute ${disputeId} against you.`);
    if (!(await hiring.updateDispute(tx, d.id, ['Open'], { status: 'UnderReview', response, updatedAt: clock.now().toISOString() }))) {
      throw new MarketError('CONFLICT', `Dispute ${d.id} is ${d.status}; it takes one response.`);
    }
    return disputeView(await requireDispute(tx, d.id));
  });
}

/** The operator's decision. The money moves in the same transaction, exactly once. */
export function resolveDispute(db: Db, clock: Clock, input: { disputeId: string; resolution: Resolution; refundSats?: number; reason?: string | null }) {
  return db.write(async (tx) => {
    const d = await requireDispute(tx, input.disputeId);
    if (d.status !== 'Open' && d.status !== 'UnderReview') throw new MarketError('CONFLICT', `Dispute ${d.id} is already ${d.status}.`);
    const refundMsats = input.resolution === 'RefundFull' ? d.maxMsats : input.resolution === 'RefundPartial' ? satsToMsats(input.refundSats ?? 0) : 0;
    if (input.resolution === 'RefundPartial' && (refundMsats <= 0 || refundMsats >= d.maxMsats)) {
      throw new MarketError('INVALID_INPUT', `A partial refund is 1–${msatsToSats(d.maxMsats) - 1} sats; use RefundFull or NoRefund otherwise.`);
    }
    if (input.resolution !== 'RefundPartial' && input.refundSats !== undefined) {
      throw new MarketError('INVALID_INPUT', 'refund_sats goes with RefundPartial only.');
    }
    let debtMsats = 0;
    // Still held: the refund never leaves escrow and the respondent is paid the rest.
    if (!(await settleFrozen(tx, clock, d.subjectKind, d.subjectId, refundMsats, d.id)) && refundMsats > 0) {
      // Already paid out: the respondent pays back what it can; the rest is owed.
      const available = Math.max(0, (await getBalance(tx, agentAccountId(d.respondentId))).availableMsats);
      const repaid = Math.min(available, refundMsats);
      debtMsats = refundMsats - repaid;
      if (repaid > 0) {
        await postTransfer(tx, clock, {
          debitAccountId: agentAccountId(d.respondentId),
          creditAccountId: agentAccountId(d.claimantId),
          amountMsats: repaid,
          entryType: 'Refund',
          description: `Refund ordered by dispute ${d.id}`,
          reference: d.id,
        });
      }
      // A fully refunded sale gives no more access.
      if (d.subjectKind === 'purchase' && input.resolution === 'RefundFull') {
        await data.updatePurchase(tx, d.subjectId, ['Completed'], { status: 'Refunded', updatedAt: clock.now().toISOString() });
      }
    }
    await hiring.updateDispute(tx, d.id, [d.status], {
      status: 'Resolved',
      resolution: input.resolution,
      refundMsats,
      debtMsats,
      resolutionReason: input.reason ?? null,
      updatedAt: clock.now().toISOString(),
    });
    await identity.setAgentReputation(tx, d.respondentId, agentReputation(await hiring.workerRecord(tx, d.respondentId), clock.now()));
    return disputeView(await requireDispute(tx, d.id));
  });
}

export function disputeView(d: DisputeRow) {
  return {
    dispute_id: d.id,
    status: d.status as DisputeStatus,
    dispute_type: d.disputeType,
    subject: { kind: d.subjectKind, id: d.subjectId },
    claimant_id: d.claimantId,
    respondent_id: d.respondentId,
    amount_sats: msatsToSats(d.amountMsats),
    at_stake_sats: msatsToSats(d.maxMsats),
    // The claimant's words, read by the respondent and the operator.
    evidence: d.evidence.map(({ description, ...rest }) => ({ untrusted_description: description, ...rest })),
    untrusted_response: d.response,
    resolution: d.resolution,
    refund_sats: msatsToSats(d.refundMsats),
    debt_sats: msatsToSats(d.debtMsats),
    resolution_reason: d.resolutionReason,
    created_at: d.createdAt,
    updated_at: d.updatedAt,
  };
}

export async function visibleDispute(db: Db, agentId: string, id: string) {
  const d = await requireDispute(db, id);
  if (d.claimantId !== agentId && d.respondentId !== agentId) throw new MarketError('NOT_FOUND', `No dispute ${id} of yours.`);
  return disputeView(d);
}

/** Disputes an agent filed or faces (or every dispute, for the operator), newest first. */
export async function listDisputeViews(db: Db, agentId: string | null, status?: DisputeStatus) {
  return (await hiring.listDisputes(db, agentId, status)).map(disputeView);
}

/** The statuses in which a dispute waits for the operator: filed (Open) or answered (UnderReview). */
export const UNRESOLVED_STATUSES = ['Open', 'UnderReview'] as const;

/** Disputes still to resolve, an agent's (or every one, for the operator), newest first. */
export async function unresolvedDisputeViews(db: Db, agentId: string | null) {
  return (await mapInOrder(UNRESOLVED_STATUSES, async (status) => listDisputeViews(db, agentId, status))).flat().sort((a, b) => (a.dispute_id < b.dispute_id ? 1 : -1));
}
