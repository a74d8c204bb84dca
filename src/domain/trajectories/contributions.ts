// The receiving side of trajectory contributions. A contribution answers a trajectory
// bounty (required_format "trajectory"), and everything the contributor's machine claims
// is checked again here: the shape, the size, secrets the local redaction missed, the
// quality (recomputed from the trajectory with the same formula), duplicates by content
// hash and by session across every contributor, and the bounty's limits. One that passes
// is paid at once from the bounty's escrow, by the formula, and stored as the bounty's
// one-sample submission, which the creator reads like any other; a signed Nostr event
// (hash, quality, reward; never the content) records where it came from.
import { finalizeEvent, type Event } from 'nostr-tools/pure';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/bounty-store.js';
import type { BountyRow, SubmissionRow } from '../../db/bounty-store.js';
import { toJsonText } from '../../db/json-columns.js';
import { current, holdReward, isTrajectoryFormat, minQualityOf, requireOpen, requireSubmission, type SubmissionStatus } from '../bounties/bounties.js';
import type { Check, Verification } from '../bounties/verification.js';
import { canonicalHash, canonicalJson } from '../../core/canonical-json.js';
import type { Clock } from '../clock.js';
import { signingKey, GRANT_KIND } from '../data/grants.js';
import { MarketError } from '../../core/errors.js';
import { dealsWith } from '../governance/policies.js';
import { newId } from '../ids.js';
import { agentAccountId } from '../ledger/accounts.js';
import { payFromEscrow, settlementShares } from '../ledger/escrow.js';
import { postHold, requireHold, voidHold } from '../ledger/holds.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { ScanBudget, scanText } from '../redaction/index.js';
import { scoreTrajectory, type TrajectoryScore } from './quality.js';
import { MAX_TRAJECTORY_BYTES, trajectorySchema, type Trajectory } from './trajectory.js';

export interface ContributionMetadata {
  source: string;
  trajectory_hash: string;
  quality_score: number;
  initial_commit?: string;
  final_commit?: string;
  tests_passed?: boolean;
}

/** What the checks that need no lock found: done once, before the write lock is taken. */
export interface ContributionPrecheck {
  trajectory: Trajectory;
  hash: string;
  /** Names the session (source and id), so a re-redacted copy of it is a duplicate too. */
  sessionKey: string;
  score: TrajectoryScore;
  checks: Check[];
  minQualityMilli: number;
}

const SECRETS = new Set(['secret'] as const);
/** A whole session is long; scanning it for secrets only (no phone parsing) fits in this. */
const SECRET_SCAN_MS = 5_000;

/** Every string of the trajectory, for the secret scan. */
function* stringsOf(t: Trajectory): Generator<string> {
  if (t.task) yield t.task;
  if (t.cwd) yield t.cwd;
  for (const steps of [t.steps, ...Object.values(t.subagents)]) {
    for (const s of steps) {
      if (s.kind === 'message' || s.kind === 'thinking') yield s.text;
      else if (s.kind === 'tool_call') {
        yield s.input;
        if (s.output) yield s.output;
      }
    }
  }
}

const check = (name: Check['name'], passed: boolean, detail: string): Check => ({ name, passed, detail });

export function precheckContribution(raw: unknown, metadata: ContributionMetadata, minQualityMilli: number): ContributionPrecheck {
  const size = Buffer.byteLength(canonicalJson(raw), 'utf8');
  if (size > MAX_TRAJECTORY_BYTES) {
    throw new MarketError(
      'INVALID_INPUT',
      `The trajectory is ${size.toLocaleString('en-US')} bytes; at most ${MAX_TRAJECTORY_BYTES.toLocaleString('en-US')} are taken. Contribute a shorter session.`,
      { max_bytes: MAX_TRAJECTORY_BYTES },
    );
  }
  const parsed = trajectorySchema.safeParse(raw);
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.') || 'trajectory'}: ${i.message}`);
    throw new MarketError('INVALID_INPUT', `The trajectory is not in the agent-marketplace.trajectory/1 format: ${issues.join('; ')}.`, { issues });
  }
  const t = parsed.data;
  const hash = canonicalHash(raw);
  const checks: Check[] = [];
  checks.push(
    check(
      'hash',
      metadata.trajectory_hash === hash,
      metadata.trajectory_hash === hash ? 'trajectory_hash is the content hash.' : `trajectory_hash does not match the content (sha256 of its canonical JSON is ${hash}).`,
    ),
  );

  const started = performance.now();
  const secrets = new Map<string, number>();
  for (const text of stringsOf(t)) {
    if (performance.now() - started > SECRET_SCAN_MS) {
      throw new MarketError('INVALID_INPUT', `Checking the trajectory for secrets took over ${SECRET_SCAN_MS} ms; contribute a shorter session.`);
    }
    for (const f of scanText(text, new ScanBudget(), SECRETS)) secrets.set(f.rule, (secrets.get(f.rule) ?? 0) + 1);
  }
  checks.push(
    check(
      'secrets',
      secrets.size === 0,
      secrets.size === 0
        ? 'No secret found.'
        : `Still holds what looks like a secret (${[...secrets].map(([rule, n]) => `${rule} ×${n}`).join(', ')}): redact it (agent-marketplace trajectories preview shows what is sent) and contribute again.`,
    ),
  );

  const score = scoreTrajectory(t, minQualityMilli / 1000);
  const qualityOk = Math.round(score.quality_score * 1000) >= minQualityMilli;
  checks.push(check('quality', qualityOk, `Quality ${score.quality_score} (recomputed; you claimed ${metadata.quality_score}); this bounty pays from ${minQualityMilli / 1000}.`));
  return { trajectory: t, hash, sessionKey: canonicalHash({ source: t.source, session_id: t.session_id }), score, checks, minQualityMilli };
}

/** precheckContribution against a bounty's own minimum quality (read without the write lock). */
export async function precheckForBounty(db: Db, bountyId: string, raw: unknown, metadata: ContributionMetadata): Promise<ContributionPrecheck> {
  const b = await store.getBounty(db, bountyId);
  if (!b) throw new MarketError('NOT_FOUND', `No bounty ${bountyId}.`);
  return precheckContribution(raw, metadata, minQualityOf(b));
}

/** Who a contribution deals with, for the gate: the bounty's creator (none for an unknown bounty). */
export const contributionCounterparty = async (db: Db, bountyId: string): Promise<string | undefined> => (await store.getBounty(db, bountyId))?.creatorId;

/**
 * Checks a contribution against the bounty and its earlier contributions, then pays it
 * (or records why not), in one transaction. `pre` is what precheckContribution found.
 */
export function contributeTrajectory(db: Db, clock: Clock, contributorId: string, input: { bountyId: string; metadata: ContributionMetadata }, pre: ContributionPrecheck) {
  return db.write(async (tx) => {
    const b = await current(tx, clock, input.bountyId);
    if (!isTrajectoryFormat(b.requiredFormat)) {
      throw new MarketError('INVALID_INPUT', `Bounty ${b.id} wants ${b.requiredFormat} samples, not trajectories: use marketplace_submit_to_bounty.`);
    }
    if (b.creatorId === contributorId) throw new MarketError('INVALID_INPUT', 'You cannot contribute to your own bounty.');
    if (!(await dealsWith(tx, b.creatorId, contributorId))) {
      throw new MarketError('POLICY_DENIED', `The creator of bounty ${b.id} may not deal with you under its sponsor's policy (rule: counterparties).`);
    }
    requireOpen(b, clock);
    if (pre.minQualityMilli !== minQualityOf(b)) throw new MarketError('CONFLICT', `Bounty ${b.id} changed while the contribution was checked; send it again.`);

    const duplicate = await duplicateOf(tx, b.id, contributorId, pre);
    const checks = [...pre.checks, check('duplicates', duplicate === null, duplicate ?? 'Not contributed before.')];
    const remaining = b.rewardMsats - b.paidMsats;
    const rewardMsats = Math.min(satsToMsats(pre.score.estimated_reward_sats), remaining);
    checks.push(
      check(
        'reward',
        rewardMsats > 0,
        rewardMsats > 0
          ? `Pays ${msatsToSats(rewardMsats)} sats${rewardMsats < satsToMsats(pre.score.estimated_reward_sats) ? ' (what is left of the reward)' : ''}.`
          : 'Nothing left to pay in this bounty.',
      ),
    );
    // A wrong claimed hash is reported, not a reason to refuse: the content decides.
    const verification: Verification = { passed: checks.every((c) => c.passed || c.name === 'hash'), checks };

    const id = newId('bs');
    const now = clock.now().toISOString();
    await store.insertSubmission(tx, {
      id,
      bountyId: b.id,
      contributorId,
      // Nothing of a refused contribution is kept but its report.
      samples: verification.passed ? toJsonText<unknown[]>([pre.trajectory]) : null,
      sampleCount: 1,
      // The contributor's claims beside what the marketplace found, for the creator and the read-back.
      metadata: { ...input.metadata, verified: { quality_score: pre.score.quality_score, trajectory_hash: pre.hash } },
      verification,
      status: verification.passed ? 'Accepted' : 'Rejected',
      acceptedSamples: verification.passed ? 1 : 0,
      paidMsats: 0,
      reason: verification.passed
        ? null
        : checks
            .filter((c) => !c.passed && c.name !== 'hash')
            .map((c) => c.detail)
            .join(' '),
      receipt: null,
      createdAt: now,
      updatedAt: now,
    });
    if (!verification.passed) return contributionView(await requireSubmission(tx, id));
    await store.insertHashes(tx, b.id, id, [pre.hash, pre.sessionKey]);
    await pay(tx, clock, b, id, contributorId, rewardMsats);
    const receipt = await signReceipt(tx, clock, { contributionId: id, bountyId: b.id, hash: pre.hash, quality: pre.score.quality_score, rewardSats: msatsToSats(rewardMsats) });
    await store.updateSubmission(tx, id, ['Accepted'], { receipt });
    return contributionView(await requireSubmission(tx, id));
  });
}

/**
 * Why this trajectory may not be contributed here, or null. Within the bounty, the same
 * content or the same session counts once. Across bounties, a trajectory belongs to whoever
 * sent it first: a creator who read one (or anyone handed a copy) cannot sell it elsewhere
 * as its own, while its contributor may offer it to other buyers.
 */
async function duplicateOf(db: Db, bountyId: string, contributorId: string, pre: ContributionPrecheck): Promise<string | null> {
  const known = await store.knownHashes(db, bountyId, [pre.hash, pre.sessionKey]);
  if (known.has(pre.hash)) return 'This trajectory was contributed to this bounty already.';
  if (known.has(pre.sessionKey)) return 'This session was contributed to this bounty already.';
  const others = (await store.contributorsOfHashes(db, [pre.hash])).filter((r) => r.contributorId !== contributorId);
  return others.length > 0 ? 'This trajectory was contributed by another agent: only its first contributor can offer it.' : null;
}

/** Pays the contribution out of the held reward and holds the rest again; the bounty is fulfilled when the reward or the wanted count runs out. */
async function pay(db: Db, clock: Clock, b: BountyRow, submissionId: string, contributorId: string, amountMsats: number): Promise<void> {
  const now = clock.now().toISOString();
  const heldSince = (await requireHold(db, b.holdId!)).createdAt;
  await postHold(db, clock, b.holdId!, amountMsats, `Bounty ${b.id}: trajectory ${submissionId}`);
  await payFromEscrow(db, clock, {
    payerAgentId: b.creatorId,
    payeeAccountId: agentAccountId(contributorId),
    priceMsats: amountMsats,
    reference: submissionId,
    what: `trajectory ${submissionId}`,
  });
  const paid = b.paidMsats + amountMsats;
  const accepted = b.acceptedSamples + 1;
  const left = b.rewardMsats - paid;
  const fulfilled = left === 0 || accepted >= b.minSamples;
  let holdId = left > 0 ? (await holdReward(db, clock, b.creatorId, b.id, left, heldSince)).id : null;
  // Enough trajectories: what was not paid goes back to the creator.
  if (fulfilled && holdId) {
    await voidHold(db, clock, holdId, `Bounty ${b.id} fulfilled: unpaid reward returned`);
    holdId = null;
  }
  await store.updateSubmission(db, submissionId, ['Accepted'], { paidMsats: amountMsats, updatedAt: now });
  await store.updateBounty(db, b.id, ['Active'], { paidMsats: paid, acceptedSamples: accepted, holdId, updatedAt: now, ...(fulfilled ? { status: 'Fulfilled' } : {}) });
}

export const RECEIPT_D_PREFIX = 'agent-marketplace/trajectory-receipt/';

async function signReceipt(db: Db, clock: Clock, r: { contributionId: string; bountyId: string; hash: string; quality: number; rewardSats: number }): Promise<Event> {
  return finalizeEvent(
    {
      kind: GRANT_KIND,
      created_at: Math.floor(clock.now().getTime() / 1000),
      tags: [
        ['d', `${RECEIPT_D_PREFIX}${r.contributionId}`],
        ['x', r.hash],
        ['quality', String(r.quality)],
        ['reward_sats', String(r.rewardSats)],
      ],
      content: JSON.stringify({ contribution_id: r.contributionId, bounty_id: r.bountyId, trajectory_hash: r.hash, quality_score: r.quality, reward_sats: r.rewardSats }),
    },
    await signingKey(db, clock),
  );
}

function contributionView(s: SubmissionRow) {
  const { verification } = s;
  // What the marketplace itself found, stored beside the contributor's claims when it took the contribution.
  const { verified } = s.metadata;
  if (!verified) throw new MarketError('INTERNAL', `Contribution ${s.id} was stored without what the marketplace verified.`);
  const { feeMsats, payeeMsats } = settlementShares(s.paidMsats);
  return {
    contribution_id: s.id,
    bounty_id: s.bountyId,
    contributor_id: s.contributorId,
    status: s.status as SubmissionStatus,
    quality_score: verified.quality_score,
    reward_sats: msatsToSats(s.paidMsats),
    fee_sats: msatsToSats(feeMsats),
    received_sats: msatsToSats(payeeMsats),
    trajectory_hash: verified.trajectory_hash,
    verification,
    rejection_reason: s.reason,
    receipt: s.receipt,
    submitted_at: s.createdAt,
    // Accepted contributions are paid in the transaction that accepts them.
    paid_at: s.status === 'Accepted' && s.paidMsats > 0 ? s.updatedAt : null,
  };
}

export type ContributionView = Awaited<ReturnType<typeof contributionView>>;

/** One contribution, for its contributor or the bounty's creator; anyone else is told there is none. */
export async function getContribution(db: Db, agentId: string, id: string): Promise<ContributionView> {
  const s = await store.getSubmission(db, id);
  const b = s ? await store.getBounty(db, s.bountyId) : undefined;
  if (!s || !b || !isTrajectoryFormat(b.requiredFormat) || (s.contributorId !== agentId && b.creatorId !== agentId)) {
    throw new MarketError('NOT_FOUND', `No trajectory contribution ${id} of yours.`);
  }
  return contributionView(s);
}
