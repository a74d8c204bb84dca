// Bounties: a reward held in escrow from the moment the bounty is posted, paid pro rata
// to the samples its creator accepts. Active → Fulfilled (enough samples accepted),
// Expired (the deadline passed; the unpaid remainder returns) or Cancelled (the creator
// withdrew it; only what no accepted submission was paid returns). Paying part of the
// reward posts that part of the hold and holds the rest again, in one transaction.
import { parties } from '../governance/evaluate.js';
import { dealsWith } from '../governance/policies.js';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/bounty-store.js';
import type { BountyRow, SubmissionRow } from '../../db/bounty-store.js';
import { fromJsonText, toJsonText } from '../../db/json-columns.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { agentAccountId, ESCROW } from '../ledger/accounts.js';
import { paidAfterFee, payFromEscrow } from '../ledger/escrow.js';
import { createHold, postHold, requireHold, voidHold } from '../ledger/holds.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { decodeCursor, encodeCursor, toPage } from '../pagination.js';
import { DEFAULT_MIN_QUALITY } from '../trajectories/quality.js';
import { earnedMsats, paymentFor } from './reward.js';
import { compileSchema, completeVerification, precheckSubmission, requirementsKey, type Precheck, type Requirements } from './verification.js';

/** After the deadline, the creator has this long to review submissions that arrived in time. */
export const BOUNTY_REVIEW_WINDOW_HOURS = 72;
const HOUR_MS = 3_600_000;

export const BOUNTY_STATUSES = ['Active', 'Fulfilled', 'Expired', 'Cancelled'] as const;
export type BountyStatus = (typeof BOUNTY_STATUSES)[number];
export const SUBMISSION_STATUSES = ['Pending', 'Accepted', 'PartiallyAccepted', 'Rejected', 'Closed'] as const;
export type SubmissionStatus = (typeof SUBMISSION_STATUSES)[number];

export interface BountyInput {
  title: string;
  description: string;
  rewardSats: number;
  minSamples: number;
  requiredFormat: string;
  schema?: Record<string, unknown>;
  deadline?: string;
  /** Trajectory bounties: the least quality paid (0–1; default 0.5). */
  minQuality?: number;
}

export function createBounty(db: Db, clock: Clock, creatorId: string, input: BountyInput) {
  if (input.deadline !== undefined && Number.isNaN(Date.parse(input.deadline))) throw new MarketError('INVALID_INPUT', 'deadline must be an ISO-8601 time.');
  if (input.deadline !== undefined && Date.parse(input.deadline) <= clock.now().getTime()) throw new MarketError('INVALID_INPUT', 'deadline is already past.');
  if (input.schema) compileSchema(input.schema);
  const trajectories = isTrajectoryFormat(input.requiredFormat);
  if (trajectories && input.schema) throw new MarketError('INVALID_INPUT', 'A trajectory bounty takes no schema: every contribution is checked against the trajectory format.');
  if (!trajectories && input.minQuality !== undefined) throw new MarketError('INVALID_INPUT', 'min_quality applies to trajectory bounties (required_format "trajectory") only.');
  const rewardMsats = satsToMsats(input.rewardSats);
  if (rewardMsats <= 0) throw new MarketError('INVALID_INPUT', 'reward_sats must be at least 1.');
  return db.write(async (tx) => {
    const id = newId('bo');
    const hold = await holdReward(tx, clock, creatorId, id, rewardMsats);
    const now = clock.now().toISOString();
    await store.insertBounty(tx, {
      id,
      creatorId,
      title: input.title,
      description: input.description,
      rewardMsats,
      minSamples: input.minSamples,
      requiredFormat: input.requiredFormat.toLowerCase(),
      schema: input.schema ?? null,
      minQualityMilli: input.minQuality === undefined ? null : Math.round(input.minQuality * 1000),
      deadline: input.deadline ? new Date(input.deadline).toISOString() : null,
      holdId: hold.id,
      paidMsats: 0,
      acceptedSamples: 0,
      status: 'Active',
      createdAt: now,
      updatedAt: now,
    });
    return bountyView(await requireBounty(tx, id));
  });
}

export function holdReward(db: Db, clock: Clock, creatorId: string, bountyId: string, amountMsats: number, heldSince?: string) {
  return createHold(db, clock, {
    heldSince,
    debitAccountId: agentAccountId(creatorId),
    creditAccountId: ESCROW.id,
    amountMsats,
    entryType: 'Escrow',
    description: `Reward for bounty ${bountyId}`,
    reference: bountyId,
  });
}

export async function requireBounty(db: Db, id: string): Promise<BountyRow> {
  const b = await store.getBounty(db, id);
  if (!b) throw new MarketError('NOT_FOUND', `No bounty ${id}.`);
  return b;
}

export async function requireSubmission(db: Db, id: string): Promise<SubmissionRow> {
  const s = await store.getSubmission(db, id);
  if (!s) throw new MarketError('NOT_FOUND', `No bounty submission ${id}.`);
  return s;
}

const pastDeadline = (b: BountyRow, clock: Clock) => b.deadline !== null && b.deadline <= clock.now().toISOString();

/** A bounty that takes contributions now, or CONFLICT saying why not. */
export function requireOpen(b: BountyRow, clock: Clock): void {
  if (b.status !== 'Active' || pastDeadline(b, clock)) {
    throw new MarketError('CONFLICT', `Bounty ${b.id} is ${b.status === 'Active' ? 'past its deadline' : b.status}; it takes no more submissions.`, { status: b.status });
  }
}

export const TRAJECTORY_BOUNTY_FORMAT = 'trajectory';
export const isTrajectoryFormat = (format: string) => format.toLowerCase() === TRAJECTORY_BOUNTY_FORMAT;

/** A trajectory bounty's lowest accepted quality, in thousandths (its own or the default). */
export const minQualityOf = (b: BountyRow) => b.minQualityMilli ?? Math.round(DEFAULT_MIN_QUALITY * 1000);

export interface SubmitInput {
  bountyId: string;
  samples: unknown[];
  metadata: { format: string; sample_count: number } & Record<string, unknown>;
}

export const requirementsOf = (b: BountyRow): Requirements => ({
  minSamples: b.minSamples,
  requiredFormat: b.requiredFormat,
  schema: b.schema,
});

/**
 * The costly part of verifying a submission, done before the write lock is taken (read
 * only: a bounty's requirements never change). Undefined when there is nothing to check
 * against; submitToBounty then gives the reason.
 */
export async function precheckForBounty(db: Db, contributorId: string, input: SubmitInput): Promise<Precheck | undefined> {
  const b = await store.getBounty(db, input.bountyId);
  if (!b || b.creatorId === contributorId || b.status !== 'Active') return undefined;
  return precheckSubmission(input.samples, input.metadata, requirementsOf(b));
}

/**
 * A submission is verified on arrival. One that fails is recorded as Rejected with its
 * report but without its samples, so nothing flagged (a leaked key, someone's email) is
 * kept; the contributor fixes it and submits again. `prechecked` is what
 * precheckForBounty found outside the lock; without it (a call a sponsor approved later)
 * the same bounded checks run here.
 */
export function submitToBounty(db: Db, clock: Clock, contributorId: string, input: SubmitInput, prechecked?: Precheck) {
  return db.write(async (tx) => {
    const b = await current(tx, clock, input.bountyId);
    if (b.creatorId === contributorId) throw new MarketError('INVALID_INPUT', 'You cannot contribute to your own bounty.');
    // Contributors choose themselves, and the reward is the creator's money.
    if (!(await dealsWith(tx, b.creatorId, contributorId))) {
      throw new MarketError('POLICY_DENIED', `The creator of bounty ${b.id} may not deal with you under its sponsor's policy (rule: counterparties).`);
    }
    requireOpen(b, clock);
    if (isTrajectoryFormat(b.requiredFormat)) {
      throw new MarketError(
        'INVALID_INPUT',
        `Bounty ${b.id} wants trajectories: contribute with marketplace_contribute_trajectory (or agent-marketplace trajectories contribute).`,
      );
    }
    const req = requirementsOf(b);
    const pre = prechecked?.requirementsKey === requirementsKey(req) ? prechecked : precheckSubmission(input.samples, input.metadata, req);
    const hashes = pre.hashes;
    const verification = completeVerification(pre, await store.knownHashes(tx, b.id, [...new Set(hashes)]));
    const id = newId('bs');
    const now = clock.now().toISOString();
    await store.insertSubmission(tx, {
      id,
      bountyId: b.id,
      contributorId,
      samples: verification.passed ? toJsonText(input.samples) : null,
      sampleCount: input.samples.length,
      metadata: input.metadata,
      verification,
      status: verification.passed ? 'Pending' : 'Rejected',
      acceptedSamples: 0,
      paidMsats: 0,
      reason: verification.passed ? null : 'Automatic verification failed.',
      receipt: null,
      createdAt: now,
      updatedAt: now,
    });
    if (verification.passed) await store.insertHashes(tx, b.id, id, hashes);
    return submissionSummary(await requireSubmission(tx, id));
  });
}

export interface ReviewInput {
  submissionId: string;
  decision: 'accept' | 'reject';
  acceptedSamples?: number;
  reason?: string;
}

export function reviewSubmission(db: Db, clock: Clock, creatorId: string, input: ReviewInput) {
  return db.write(async (tx) => {
    const s = await requireSubmission(tx, input.submissionId);
    const b = await current(tx, clock, s.bountyId);
    if (b.creatorId !== creatorId) throw new MarketError('NOT_FOUND', `No submission ${s.id} to a bounty of yours.`);
    const fresh = await requireSubmission(tx, s.id);
    if (fresh.status !== 'Pending') throw new MarketError('CONFLICT', `Submission ${s.id} is already ${fresh.status}.`, { status: fresh.status });
    if (input.decision === 'reject') {
      if (!input.reason) throw new MarketError('INVALID_INPUT', 'Say why the submission is rejected (reason).');
      if (input.acceptedSamples !== undefined) throw new MarketError('INVALID_INPUT', 'accepted_samples goes with decision "accept".');
      await store.updateSubmission(tx, s.id, ['Pending'], { status: 'Rejected', reason: input.reason, updatedAt: clock.now().toISOString() });
      return submissionSummary(await requireSubmission(tx, s.id));
    }
    const accepted = input.acceptedSamples ?? fresh.sampleCount;
    if (accepted < 1 || accepted > fresh.sampleCount) {
      throw new MarketError('INVALID_INPUT', `accepted_samples must be 1–${fresh.sampleCount} (the submission's samples); reject it to accept none.`);
    }
    await accept(tx, clock, b, fresh, accepted, input.reason ?? null);
    return submissionSummary(await requireSubmission(tx, s.id));
  });
}

/** Pays for accepted samples out of the held reward and holds what is left again. */
async function accept(db: Db, clock: Clock, b: BountyRow, s: SubmissionRow, accepted: number, reason: string | null): Promise<void> {
  const now = clock.now().toISOString();
  const pay = paymentFor(b.rewardMsats, b.minSamples, b.acceptedSamples, accepted);
  const totalAccepted = b.acceptedSamples + accepted;
  const paid = b.paidMsats + pay;
  const fulfilled = totalAccepted >= b.minSamples;
  let holdId = b.holdId;
  if (pay > 0 && holdId) {
    const heldSince = (await requireHold(db, holdId)).createdAt;
    await postHold(db, clock, holdId, pay, `Bounty ${b.id}: ${accepted} samples of submission ${s.id}`);
    await payFromEscrow(db, clock, {
      payerAgentId: b.creatorId,
      payeeAccountId: agentAccountId(s.contributorId),
      priceMsats: pay,
      reference: s.id,
      what: `bounty submission ${s.id}`,
    });
    const remaining = b.rewardMsats - paid;
    holdId = remaining > 0 ? (await holdReward(db, clock, b.creatorId, b.id, remaining, heldSince)).id : null;
  }
  await store.updateSubmission(db, s.id, ['Pending'], {
    status: accepted === s.sampleCount ? 'Accepted' : 'PartiallyAccepted',
    acceptedSamples: accepted,
    paidMsats: pay,
    reason,
    updatedAt: now,
  });
  await store.updateBounty(db, b.id, ['Active'], { paidMsats: paid, acceptedSamples: totalAccepted, holdId, updatedAt: now, ...(fulfilled ? { status: 'Fulfilled' } : {}) });
  if (fulfilled) await closePending(db, clock, b.id, 'The bounty was fulfilled before this submission was reviewed.');
}

export async function closePending(db: Db, clock: Clock, bountyId: string, reason: string): Promise<void> {
  for (const p of await store.submissionsOf(db, bountyId, { status: 'Pending' })) {
    await store.updateSubmission(db, p.id, ['Pending'], { status: 'Closed', reason, updatedAt: clock.now().toISOString() });
  }
}

/**
 * The creator withdraws the bounty. Accepted submissions were paid when accepted, so what
 * returns is exactly what is still held. Submissions waiting for review must be reviewed
 * first: the creator has seen them, and cancelling must not be a way to take them unpaid.
 */
export function cancelBounty(db: Db, clock: Clock, creatorId: string, bountyId: string) {
  return db.write(async (tx) => {
    const b = await current(tx, clock, bountyId);
    if (b.creatorId !== creatorId) throw new MarketError('NOT_FOUND', `No bounty ${bountyId} of yours.`);
    if (b.status !== 'Active') throw new MarketError('CONFLICT', `Bounty ${b.id} is already ${b.status}.`, { status: b.status });
    const pending = await store.submissionsOf(tx, b.id, { status: 'Pending' });
    if (pending.length > 0) {
      throw new MarketError('CONFLICT', `Review the ${pending.length} pending submissions (accept or reject) before cancelling.`, { pending: pending.map((p) => p.id) });
    }
    await end(tx, clock, b, 'Cancelled');
    return bountyView(await requireBounty(tx, b.id));
  });
}

async function end(db: Db, clock: Clock, b: BountyRow, status: 'Expired' | 'Cancelled'): Promise<void> {
  if (!(await store.updateBounty(db, b.id, ['Active'], { status, holdId: null, updatedAt: clock.now().toISOString() }))) {
    throw new MarketError('CONFLICT', `Bounty ${b.id} changed meanwhile; read it again.`);
  }
  if (b.holdId) await voidHold(db, clock, b.holdId, `Bounty ${b.id} ${status.toLowerCase()}: unpaid reward returned`);
}

/**
 * Past its deadline a bounty takes nothing new. Once no submission waits for review it
 * expires and the rest of the reward returns. Submissions the creator leaves unreviewed
 * past the review window are accepted in full, as an unreviewed contract delivery is.
 */
async function settleDue(db: Db, clock: Clock, b: BountyRow): Promise<void> {
  if (b.status !== 'Active' || !pastDeadline(b, clock)) return;
  const pending = await store.submissionsOf(db, b.id, { status: 'Pending' });
  const reviewEnds = Date.parse(b.deadline!) + BOUNTY_REVIEW_WINDOW_HOURS * HOUR_MS;
  if (pending.length > 0 && clock.now().getTime() < reviewEnds) return;
  for (const p of pending) {
    const latest = await requireBounty(db, b.id);
    if (latest.status !== 'Active') return;
    // Blocked since it submitted: the creator's sponsor did not consent to paying it.
    if (!(await dealsWith(db, b.creatorId, p.contributorId))) {
      await store.updateSubmission(db, p.id, ['Pending'], {
        status: 'Rejected',
        reason: "Not accepted: the bounty creator's sponsor does not deal with this contributor.",
        updatedAt: clock.now().toISOString(),
      });
      continue;
    }
    await accept(db, clock, latest, p, p.sampleCount, 'Accepted automatically: not reviewed within the review window.');
  }
  const latest = await requireBounty(db, b.id);
  if (latest.status === 'Active') await end(db, clock, latest, 'Expired');
}

/** The bounty after settling what its deadline made due. */
export async function current(db: Db, clock: Clock, id: string): Promise<BountyRow> {
  await settleDue(db, clock, await requireBounty(db, id));
  return requireBounty(db, id);
}

export async function settleDueBounties(db: Db, clock: Clock): Promise<number> {
  return db.write(async (tx) => {
    const now = clock.now();
    const due = await store.dueBounties(tx, now.toISOString(), new Date(now.getTime() - BOUNTY_REVIEW_WINDOW_HOURS * HOUR_MS).toISOString());
    for (const b of due) await settleDue(tx, clock, b);
    return due.length;
  });
}

/** The creator sees every submission; anyone else sees the bounty and its own submissions. */
export function getBounty(db: Db, clock: Clock, agentId: string, id: string) {
  return db.write(async (tx) => {
    const b = await current(tx, clock, id);
    const subs = await store.submissionsOf(tx, b.id, b.creatorId === agentId ? {} : { contributorId: agentId });
    return { ...bountyView(b), submissions: subs.map((s) => submissionSummary(s)) };
  });
}

export function getSubmission(db: Db, clock: Clock, agentId: string, id: string) {
  return db.write(async (tx) => {
    const s = await requireSubmission(tx, id);
    const b = await current(tx, clock, s.bountyId);
    if (s.contributorId !== agentId && b.creatorId !== agentId) throw new MarketError('NOT_FOUND', `No bounty submission ${id} of yours.`);
    return submissionView(await requireSubmission(tx, id));
  });
}

export async function listBountiesPage(db: Db, q: { status?: BountyStatus; creatorId?: string; minRewardSats?: number; cursor?: string; limit: number }) {
  const beforeId = q.cursor ? (decodeCursor(q.cursor, { id: 'string' }).id as string) : undefined;
  const rows = await store.listBounties(db, {
    status: q.status,
    creatorId: q.creatorId,
    minRewardMsats: q.minRewardSats === undefined ? undefined : satsToMsats(q.minRewardSats),
    beforeId,
    limit: q.limit + 1,
  });
  return toPage(rows, q.limit, bountyView, (b) => encodeCursor({ id: b.id }));
}

export function bountyView(b: BountyRow) {
  return {
    bounty_id: b.id,
    status: b.status as BountyStatus,
    creator_id: b.creatorId,
    untrusted_title: b.title,
    untrusted_description: b.description,
    reward_sats: msatsToSats(b.rewardMsats),
    escrow_sats: b.holdId ? msatsToSats(b.rewardMsats - b.paidMsats) : 0,
    paid_sats: msatsToSats(b.paidMsats),
    requirements: {
      min_samples: b.minSamples,
      required_format: b.requiredFormat,
      schema: requirementsOf(b).schema,
      min_quality: isTrajectoryFormat(b.requiredFormat) ? minQualityOf(b) / 1000 : null,
    },
    accepted_samples: b.acceptedSamples,
    sats_per_sample: msatsToSats(earnedMsats(b.rewardMsats, b.minSamples, 1)),
    deadline: b.deadline,
    created_at: b.createdAt,
    updated_at: b.updatedAt,
  };
}

function submissionSummary(s: SubmissionRow) {
  return {
    submission_id: s.id,
    bounty_id: s.bountyId,
    contributor_id: s.contributorId,
    status: s.status as SubmissionStatus,
    sample_count: s.sampleCount,
    accepted_samples: s.acceptedSamples,
    ...paidAfterFee(s.paidMsats),
    verification: s.verification,
    reason: s.reason,
    created_at: s.createdAt,
  };
}

/** Samples are the contributor's words: untrusted for whoever reads them. */
export function submissionView(s: SubmissionRow) {
  return { ...submissionSummary(s), untrusted_samples: s.samples ? fromJsonText(s.samples) : null, metadata: s.metadata };
}

// Whom a call deals with, as the gate sees it before the handler runs: nobody when the
// bounty or submission is unknown (the handler then says NOT_FOUND).

/** Contributing to a bounty deals with its creator, who pays. */
export const contributionCounterparties = async (db: Db, bountyId: string): Promise<string[]> => parties((await store.getBounty(db, bountyId))?.creatorId);

/** Reviewing a submission deals with its contributor, who is paid on acceptance. */
export const submissionReviewCounterparties = async (db: Db, submissionId: string): Promise<string[]> => parties((await store.getSubmission(db, submissionId))?.contributorId);
