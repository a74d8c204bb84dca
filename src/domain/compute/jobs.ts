// Compute jobs: the gate allows a job at its maximum price, which is held on the agent's
// wallet; routing picks the provider chain; the job's run (./job-run.ts, over the
// compute transport) then asks the providers and comes back here to settle: the price
// actually paid is posted, the rest released; a job that fails releases everything.
// Outcomes feed reputation.
import { nip19 } from 'nostr-tools';
import type { Db } from '../../db/connection.js';
import { getHold } from '../../db/ledger-store.js';
import * as store from '../../db/provider-store.js';
import type { JobRow } from '../../db/provider-store.js';
import type { StoredAttempt } from '../../db/json-columns.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { agentAccountId, externalAccountFor } from '../ledger/accounts.js';
import { createHold, postHold, voidHold } from '../ledger/holds.js';
import { utcDay } from '../ledger/transfers.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { providerView } from './providers.js';
import { refusesCounterparty } from '../governance/evaluate.js';
import { currentPolicy } from '../governance/policies.js';
import { boundByPolicy, rankProviders, type FailoverPolicy, type RoutableProvider, type SelectionCriteria } from './routing.js';
import { mapInOrder } from '../../core/in-order.js';

export interface JobInput {
  agentId: string;
  kind: number;
  input: { data: string; type: string }[];
  params: Record<string, string>;
  maxPriceSats: number;
  criteria: Omit<SelectionCriteria, 'kind' | 'maxPriceMsats'>;
  failoverPolicy: FailoverPolicy;
  timeoutSeconds: number;
  /** Send inputs and params NIP-04-encrypted to the provider. */
  encrypted: boolean;
}

/**
 * Every approved provider as routing sees it for this agent: those run by an agent (or
 * known by an id) its sponsor's counterparty rules refuse are never asked, so never paid.
 */
async function routable(db: Db, clock: Clock, agentId: string): Promise<RoutableProvider[]> {
  const today = `${utcDay(clock.now().toISOString())}T00:00:00.000Z`;
  const { policy } = await currentPolicy(db, agentId);
  // An allow list names agents; a provider found on Nostr is refused only by being blocked.
  const dealtWith = (p: { id: string; agentId: string | null }) => !policy.counterparties.block.includes(p.id) && (p.agentId === null || !refusesCounterparty(policy, p.agentId));
  return await mapInOrder((await store.listProviders(db, { includeUnapproved: false })).filter(dealtWith), async (p) => {
    const v = await providerView(db, clock, p);
    return {
      id: p.id,
      kinds: v.kinds,
      reputation: v.score,
      tier: v.tier,
      priceMsats: p.priceMsats,
      latencyMs: p.completed > 0 ? p.responseMsTotal / p.completed : null,
      regions: v.regions,
      residency: v.data_residency,
      jobsToday: await store.jobsToday(db, p.id, today),
      approved: p.approved,
    };
  });
}

/** The job's criteria with its sponsor's geo policy applied: the policy can only narrow them. */
async function criteriaUnderPolicy(db: Db, input: JobInput): Promise<SelectionCriteria> {
  const geo = (await currentPolicy(db, input.agentId)).policy.compute_geo;
  const regions = boundByPolicy(input.criteria.regions, geo?.allowed_regions);
  const dataResidency = boundByPolicy(input.criteria.dataResidency, geo?.data_residency);
  if (regions === null || dataResidency === null) {
    throw new MarketError(
      'POLICY_DENIED',
      `Your sponsor's policy lets compute jobs run only in ${geo?.allowed_regions?.join(', ') ?? 'any region'} with data kept in ${geo?.data_residency?.join(', ') ?? 'any region'}; the regions you asked for are outside it.`,
      { rule: 'compute_geo' },
    );
  }
  return { ...input.criteria, regions, dataResidency, kind: input.kind, maxPriceMsats: satsToMsats(input.maxPriceSats) };
}

/** In the gate's transaction: route, hold the maximum price, record the job. */
export function reserveJob(db: Db, clock: Clock, railName: string, input: JobInput) {
  const maxPriceMsats = satsToMsats(input.maxPriceSats);
  return db.write(async (tx) => {
    const ranked = rankProviders(await routable(tx, clock, input.agentId), await criteriaUnderPolicy(tx, input));
    if (ranked.length === 0) throw new MarketError('NOT_FOUND', `No approved provider serves kind ${input.kind} within ${input.maxPriceSats} sats and these criteria.`);
    const id = newId('jb');
    const hold = await createHold(tx, clock, {
      debitAccountId: agentAccountId(input.agentId),
      creditAccountId: externalAccountFor(railName),
      amountMsats: maxPriceMsats,
      entryType: 'Hold',
      description: `Compute job ${id} (up to its maximum price)`,
      reference: id,
    });
    const now = clock.now().toISOString();
    await store.insertJob(tx, {
      id,
      agentId: input.agentId,
      kind: input.kind,
      input: input.input,
      params: input.params,
      maxPriceMsats,
      failoverPolicy: input.failoverPolicy,
      chain: ranked.map((r) => r.provider.id),
      timeoutSeconds: input.timeoutSeconds,
      encrypted: input.encrypted,
      holdId: hold.id,
      status: 'queued',
      providerId: null,
      costMsats: 0,
      result: null,
      attempts: [],
      error: null,
      createdAt: now,
      updatedAt: now,
    });
    return jobView((await store.getJob(tx, id))!);
  });
}

export async function requireJob(db: Db, id: string): Promise<JobRow> {
  const j = await store.getJob(db, id);
  if (!j) throw new MarketError('NOT_FOUND', `No compute job ${id}.`);
  return j;
}

/** The chain with what the Nostr side needs: each provider's public key. */
export async function jobChain(db: Db, job: JobRow): Promise<{ id: string; pubkey: string }[]> {
  return (
    await mapInOrder(job.chain, async (id) => {
      const p = await store.getProvider(db, id);
      if (!p) return [];
      const decoded = nip19.decode(p.npub);
      return decoded.type === 'npub' ? [{ id, pubkey: decoded.data }] : [];
    })
  ).flat();
}

/** One provider asked, and how it went (stored with the job). */
export type Attempt = StoredAttempt;

export async function claimJob(db: Db, clock: Clock, id: string): Promise<boolean> {
  return db.write(async (tx) => store.updateJob(tx, id, ['queued'], { status: 'running', updatedAt: clock.now().toISOString() }));
}

export async function noteAttempt(db: Db, clock: Clock, id: string, a: Attempt): Promise<void> {
  await db.write(async (tx) => {
    const j = await requireJob(tx, id);
    await store.updateJob(tx, id, ['running'], { attempts: [...j.attempts, a], updatedAt: clock.now().toISOString() });
    if (a.outcome === 'completed' || a.outcome === 'failed')
      await store.recordOutcome(tx, a.provider_id, { ok: a.outcome === 'completed', responseMs: a.response_ms ?? 0, at: clock.now().toISOString() });
  });
}

/** What the job may still pay: the maximum held, less what was paid and what is on its way. */
export async function remainingMsats(db: Db, id: string): Promise<number> {
  const j = await requireJob(db, id);
  const sending = (await store.computePaymentsOf(db, id)).reduce((sum, p) => sum + (p.status === 'sending' ? p.amountMsats : 0), 0);
  return j.maxPriceMsats - j.costMsats - sending;
}

/**
 * Ends a finished job's hold: what was paid is posted, the rest released. Not while a
 * payment's outcome is unknown: its settlement from the wallet's record ends the hold
 * (src/domain/compute/payments.ts), so what the wallet paid is always charged.
 */
export async function closeJobHold(db: Db, clock: Clock, id: string): Promise<void> {
  await db.write(async (tx) => {
    const j = await requireJob(tx, id);
    if (j.status === 'queued' || j.status === 'running') return;
    if ((await getHold(tx, j.holdId))?.status !== 'pending') return;
    if ((await store.computePaymentsOf(tx, id)).some((p) => p.status === 'sending')) return;
    if (j.costMsats === 0) return await voidHold(tx, clock, j.holdId, `Compute job ${id} ${j.status}: nothing was charged`);
    const why = j.status === 'completed' ? `paid to provider ${j.providerId}` : `${j.status} after paying ${j.costMsats} msats`;
    await postHold(tx, clock, j.holdId, j.costMsats, `Compute job ${id}: ${why}`);
  });
}

export async function completeJob(db: Db, clock: Clock, id: string, providerId: string, result: string): Promise<void> {
  await db.write(async (tx) => {
    if (!(await store.updateJob(tx, id, ['running'], { status: 'completed', providerId, result, error: null, updatedAt: clock.now().toISOString() }))) return;
    await closeJobHold(tx, clock, id);
  });
}

/** What was paid to a provider whose result never came is gone; it stays charged. */
export async function failJob(db: Db, clock: Clock, id: string, error: string, status: 'failed' | 'cancelled' = 'failed'): Promise<void> {
  await db.write(async (tx) => {
    if (!(await store.updateJob(tx, id, ['running', 'queued'], { status, error, updatedAt: clock.now().toISOString() }))) return;
    await closeJobHold(tx, clock, id);
  });
}

export async function requireOwnJob(db: Db, agentId: string, id: string): Promise<JobRow> {
  const j = await requireJob(db, id);
  if (j.agentId !== agentId) throw new MarketError('NOT_FOUND', `No compute job ${id} of yours.`);
  return j;
}

export const getJobView = async (db: Db, agentId: string, id: string) => jobView(await requireOwnJob(db, agentId, id));

/**
 * Cancels a job no process is running (a running one is stopped by its runner, which
 * settles it the same way): what was paid stays charged, the rest is released. Cancelling
 * a cancelled job changes nothing.
 */
export async function cancelJob(db: Db, clock: Clock, agentId: string, id: string) {
  const j = await requireOwnJob(db, agentId, id);
  if (j.status === 'completed' || j.status === 'failed') throw new MarketError('CONFLICT', `Compute job ${id} already ${j.status}; there is nothing to cancel.`);
  if (j.status !== 'cancelled') await failJob(db, clock, id, 'Cancelled by the agent.', 'cancelled');
  return jobView(await requireJob(db, id));
}

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** A provider's result is its own text: untrusted for the agent that reads it. */
export function jobView(j: JobRow) {
  return {
    job_id: j.id,
    status: j.status as JobStatus,
    encrypted: j.encrypted,
    kind: j.kind,
    provider_id: j.providerId,
    cost_sats: Math.ceil(j.costMsats / 1000),
    max_price_sats: msatsToSats(j.maxPriceMsats),
    untrusted_result: j.result,
    attempts: j.attempts,
    error: j.error,
    created_at: j.createdAt,
  };
}

/** Grace after a job's own timeout before the sweep calls it interrupted (a crash, a lost process). */
export const STALE_GRACE_MS = 2 * 60_000;

/**
 * Ends jobs that outlived their timeout without finishing (the process running them
 * stopped): what was paid stays charged, the rest of the hold is released.
 */
export async function failStaleJobs(db: Db, clock: Clock): Promise<number> {
  const now = clock.now().getTime();
  let ended = 0;
  for (const j of await store.unfinishedJobs(db)) {
    if (Date.parse(j.createdAt) + j.timeoutSeconds * 1000 + STALE_GRACE_MS > now) continue;
    await failJob(db, clock, j.id, 'Interrupted: the job outlived its timeout without finishing.');
    ended++;
  }
  return ended;
}
