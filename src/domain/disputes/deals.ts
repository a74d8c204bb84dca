// What a dispute can be about. Each kind of deal says who may dispute it and against
// whom, the most that can be refunded, whether its money is still held (filing then
// freezes it) and how a frozen deal settles once the operator decides.
import type { Db } from '../../db/connection.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { requireBounty, requireSubmission } from '../bounties/bounties.js';
import { earnedMsats } from '../bounties/reward.js';
import { refundHeldPurchase, requirePurchase, settlePurchase } from '../data/purchases.js';
import * as hiring from '../../db/hiring-store.js';
import * as data from '../../db/data-store.js';
import * as skills from '../../db/skills-store.js';
import { currentContract, expireContract, requireContract, settleContract } from '../hiring/contracts.js';
import { voidHold } from '../ledger/holds.js';
import { formatSats, satsToMsats } from '../money.js';

/** The deals a dispute can be about. */
export const SUBJECT_KINDS = ['contract', 'purchase', 'bounty', 'job', 'skill_usage'] as const;
export type SubjectKind = (typeof SUBJECT_KINDS)[number];

export interface Claim {
  respondentId: string;
  /** The whole of what is in dispute: RefundFull refunds this, RefundPartial less. */
  maxMsats: number;
  /** What maxMsats is, in words for a claimant who asked for more: why the cap is what it is. */
  capReason: string;
  /** Null while the money is still held; else when it was paid out (the window runs from then). */
  paidAt: string | null;
  /** Holds the deal's money until the dispute is resolved (only when paidAt is null). */
  freeze: () => void | Promise<void>;
}

/** Who the claimant may dispute over this deal, and on what terms. */
export async function claimFor(db: Db, clock: Clock, kind: SubjectKind, id: string, claimantId: string): Promise<Claim> {
  const now = () => clock.now().toISOString();
  switch (kind) {
    case 'contract': {
      // Settled first: a delivery whose review window closed is paid, a rejection left unanswered stands.
      const c = await currentContract(db, clock, id);
      // The worker contests a rejection: the hirer answers, and what is "refunded" to the worker is its pay out of the escrow.
      const workerContests = c.agentId === claimantId && c.status === 'Rejected';
      if (!workerContests && c.hirerId !== claimantId) {
        throw new MarketError('NOT_FOUND', `No contract ${c.id} that you hired for, or that you were hired for and whose delivery stands rejected.`);
      }
      const price = `the agreed price of contract ${c.id}`;
      if (c.status === 'Completed') return { respondentId: c.agentId, maxMsats: c.agreedMsats, capReason: `${price}, paid out`, paidAt: c.updatedAt, freeze: () => {} };
      if (!['InProgress', 'Delivered', 'Rejected'].includes(c.status)) throw new MarketError('CONFLICT', `A ${c.status} contract cannot be disputed.`);
      return {
        respondentId: workerContests ? c.hirerId : c.agentId,
        maxMsats: c.agreedMsats,
        capReason: workerContests ? `${price} (your pay), still held in escrow` : `${price}, still held in escrow`,
        paidAt: null,
        // A disputed contract neither settles nor expires until resolved.
        freeze: async () => {
          if (!(await hiring.updateContract(db, c.id, [c.status], { status: 'Disputed', updatedAt: now() })))
            throw new MarketError('CONFLICT', `Contract ${c.id} changed meanwhile.`);
        },
      };
    }
    case 'purchase': {
      const p = await requirePurchase(db, id);
      if (p.buyerId !== claimantId) throw new MarketError('NOT_FOUND', `No data purchase ${p.id} of yours.`);
      if (p.priceMsats === 0) throw new MarketError('CONFLICT', `Purchase ${p.id} was free; there is nothing to refund.`);
      if (p.status === 'Completed')
        return { respondentId: p.sellerId, maxMsats: p.priceMsats, capReason: `the price of purchase ${p.id}, paid out`, paidAt: p.completedAt, freeze: () => {} };
      if (p.status !== 'Pending') throw new MarketError('CONFLICT', `A ${p.status} purchase cannot be disputed.`);
      return {
        respondentId: p.sellerId,
        maxMsats: p.priceMsats,
        capReason: `the price of purchase ${p.id}, still held in escrow`,
        paidAt: null,
        freeze: async () => {
          if (!(await data.updatePurchase(db, p.id, ['Pending'], { status: 'Disputed', updatedAt: now() })))
            throw new MarketError('CONFLICT', `Purchase ${p.id} changed meanwhile.`);
        },
      };
    }
    case 'bounty': {
      // A bounty is many deals: the one disputed is a submission.
      const s = await requireSubmission(db, id);
      const b = await requireBounty(db, s.bountyId);
      if (claimantId === b.creatorId) {
        // The creator paid for samples that turned out bad: the contributor pays back.
        if (s.paidMsats === 0) throw new MarketError('CONFLICT', `Nothing was paid for submission ${s.id}.`);
        return { respondentId: s.contributorId, maxMsats: s.paidMsats, capReason: `what you paid for submission ${s.id}`, paidAt: s.updatedAt, freeze: () => {} };
      }
      if (claimantId === s.contributorId) {
        // The contributor says samples were wrongly rejected: the creator pays for them.
        const refused = s.sampleCount - s.acceptedSamples;
        if (s.samples === null || refused === 0 || !['Rejected', 'PartiallyAccepted'].includes(s.status)) {
          throw new MarketError('CONFLICT', `Submission ${s.id} has no samples its creator rejected after review.`);
        }
        return {
          respondentId: b.creatorId,
          maxMsats: earnedMsats(b.rewardMsats, b.minSamples, refused),
          capReason: `the reward for the ${refused} samples of submission ${s.id} that were not accepted`,
          paidAt: s.updatedAt,
          freeze: () => {},
        };
      }
      throw new MarketError('NOT_FOUND', `No bounty submission ${s.id} of yours.`);
    }
    case 'skill_usage': {
      // A skill's price (an install or a use) was paid out at once; what the creator got can be claimed back.
      const u = await skills.usageById(db, id);
      if (!u || u.agentId !== claimantId) throw new MarketError('NOT_FOUND', `No skill payment ${id} of yours.`);
      const skill = (await skills.skillById(db, u.skillId))!;
      if (skill.authorKind !== 'agent') throw new MarketError('CONFLICT', `Skill ${skill.slug} was published by a sponsor, not an agent; only agents answer disputes.`);
      if (u.creatorSats === 0 || skill.authorId === claimantId) throw new MarketError('CONFLICT', `Nothing was paid to the creator of ${skill.slug} for ${u.id}.`);
      return { respondentId: skill.authorId, maxMsats: satsToMsats(u.creatorSats), capReason: skillShareReason(skill.slug, u), paidAt: u.createdAt, freeze: () => {} };
    }
    case 'job':
      throw new MarketError('INVALID_INPUT', 'Compute jobs cannot be disputed: their providers are paid over Lightning, outside the ledger, so a dispute could recover nothing.');
  }
}

/**
 * Only the creator's share of a skill's price can be claimed back from it: the platform's
 * fee, and the compute and referrer shares, were paid to others and are not disputable.
 */
function skillShareReason(slug: string, u: { costSats: number; platformSats: number; computeSats: number; referrerSats: number }): string {
  const others = [
    ['the platform fee', u.platformSats],
    ['the compute share', u.computeSats],
    ['the referrer share', u.referrerSats],
  ] as const;
  const paidToOthers = others.filter(([, sats]) => sats > 0).map(([what, sats]) => `${what} (${formatSats(sats)})`);
  const rest = paidToOthers.length > 0 ? `; the rest, ${paidToOthers.join(', ')}, did not go to the creator and is not disputable` : '';
  return `what the creator of ${slug} received of the ${formatSats(u.costSats)} you paid${rest}`;
}

/**
 * Settles a frozen deal out of its hold: the claimant gets refundMsats back, the
 * respondent the rest. Returns false when the deal's money was not held (already paid).
 */
export async function settleFrozen(db: Db, clock: Clock, kind: string, id: string, refundMsats: number, disputeId: string): Promise<boolean> {
  if (kind === 'contract') {
    const c = await requireContract(db, id);
    if (c.status !== 'Disputed') return false;
    // The claimant is the hirer (refunded out of the escrow) or the worker contesting a rejection (paid out of it).
    if ((await hiring.getDispute(db, disputeId))?.claimantId === c.agentId) {
      if (refundMsats === 0) await expireContract(db, clock, c, ['Disputed'], `ended: dispute ${disputeId} upheld its rejection`);
      else await settleContract(db, clock, c, ['Disputed'], refundMsats);
    } else if (refundMsats === c.agreedMsats) {
      await voidHold(db, clock, c.holdId, `Dispute ${disputeId}: full refund`);
      await hiring.updateContract(db, c.id, ['Disputed'], { status: 'Cancelled', updatedAt: clock.now().toISOString() });
    } else {
      await settleContract(db, clock, c, ['Disputed'], c.agreedMsats - refundMsats);
    }
    return true;
  }
  if (kind === 'purchase') {
    const p = await requirePurchase(db, id);
    if (p.status !== 'Disputed') return false;
    if (refundMsats === p.priceMsats) await refundHeldPurchase(db, clock, p, ['Disputed'], `Dispute ${disputeId}: full refund`);
    else await settlePurchase(db, clock, p, ['Disputed'], p.priceMsats - refundMsats);
    return true;
  }
  return false;
}
