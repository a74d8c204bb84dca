// Choosing compute providers for a job (SEED-RULES "Job routing"): filter by the
// criteria, score by reputation, price and latency (price and latency normalised over
// the candidates that survived the filter), keep the top N, and let the failover policy
// walk them. Pure and allocation-light: it runs over every known provider per job.
import { MarketError } from '../../core/errors.js';
import { TIER_BENEFITS, type Tier } from './reputation.js';

export interface RoutableProvider {
  id: string;
  kinds: readonly number[];
  reputation: number;
  tier: Tier;
  /** The provider's asking price for this kind of job, msats. */
  priceMsats: number;
  /** Average response time, ms (null: unmeasured). */
  latencyMs: number | null;
  regions: readonly string[];
  /** Regions the provider promises to keep data in (data residency). */
  residency: readonly string[];
  jobsToday: number;
  approved: boolean;
}

export interface SelectionCriteria {
  kind: number;
  minReputation?: number;
  maxPriceMsats?: number;
  /** The job may run only in these regions. */
  regions?: readonly string[];
  /** The job's data must stay in these regions: the provider must promise residency in one. */
  dataResidency?: readonly string[];
  /** Only providers that say where they run (a provider with no region claim is left out). */
  requireGeoCompliance?: boolean;
  providerIds?: readonly string[];
  weights?: { reputation: number; price: number; latency: number };
  topN?: number;
}

export const DEFAULT_WEIGHTS = { reputation: 0.5, price: 0.3, latency: 0.2 } as const;
export const DEFAULT_TOP_N = 3;

export function validateWeights(w: { reputation: number; price: number; latency: number }): void {
  const values = [w.reputation, w.price, w.latency];
  if (values.some((v) => v < 0) || Math.abs(values.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
    throw new MarketError('INVALID_INPUT', 'Routing weights must be ≥ 0 and sum to 1.');
  }
}

const intersects = (a: readonly string[], b: readonly string[]) => a.some((x) => b.includes(x));

/** Why a provider is left out, or null when it may take the job. */
export function exclusion(p: RoutableProvider, c: SelectionCriteria): string | null {
  if (!p.approved) return 'awaiting operator approval';
  if (!p.kinds.includes(c.kind)) return `does not offer kind ${c.kind}`;
  if (c.providerIds && !c.providerIds.includes(p.id)) return 'not among the named providers';
  if (c.minReputation !== undefined && p.reputation < c.minReputation) return 'reputation below the minimum';
  if (c.maxPriceMsats !== undefined && p.priceMsats > c.maxPriceMsats) return 'price above the maximum';
  if (c.requireGeoCompliance && p.regions.length === 0) return 'does not say where it runs';
  if (c.regions && !intersects(p.regions, c.regions)) return 'outside the allowed regions';
  // Residency is a promise about where data stays; a region claim alone is not enough.
  if (c.dataResidency && !(intersects(p.residency, c.dataResidency) && p.regions.every((r) => c.dataResidency!.includes(r)))) return 'cannot keep the data in the required regions';
  const cap = TIER_BENEFITS[p.tier].dailyJobCap;
  if (cap !== null && p.jobsToday >= cap) return `reached its ${p.tier} tier's ${cap} jobs a day`;
  return null;
}

export interface RankedProvider {
  provider: RoutableProvider;
  score: number;
}

export function rankProviders(providers: readonly RoutableProvider[], c: SelectionCriteria): RankedProvider[] {
  const w = c.weights ?? DEFAULT_WEIGHTS;
  validateWeights(w);
  const eligible = providers.filter((p) => exclusion(p, c) === null);
  if (eligible.length === 0) return [];
  let minPrice = Infinity;
  let maxPrice = -Infinity;
  let minLatency = Infinity;
  let maxLatency = -Infinity;
  for (const p of eligible) {
    minPrice = Math.min(minPrice, p.priceMsats);
    maxPrice = Math.max(maxPrice, p.priceMsats);
    const l = p.latencyMs ?? Infinity;
    if (l !== Infinity) {
      minLatency = Math.min(minLatency, l);
      maxLatency = Math.max(maxLatency, l);
    }
  }
  // Cheapest and fastest score 1, dearest and slowest 0; all equal: everyone scores 1.
  const norm = (v: number, lo: number, hi: number) => (hi === lo ? 1 : (hi - v) / (hi - lo));
  const ranked = eligible.map((p) => ({
    provider: p,
    score:
      w.reputation * p.reputation +
      w.price * norm(p.priceMsats, minPrice, maxPrice) +
      w.latency * (p.latencyMs === null ? 0 : minLatency === Infinity ? 1 : norm(p.latencyMs, minLatency, maxLatency)),
  }));
  // Elite providers go first among equals; then the id keeps the order stable.
  ranked.sort(
    (a, b) =>
      b.score - a.score ||
      Number(TIER_BENEFITS[b.provider.tier].routedFirstAmongEquals) - Number(TIER_BENEFITS[a.provider.tier].routedFirstAmongEquals) ||
      (a.provider.id < b.provider.id ? -1 : 1),
  );
  return ranked.slice(0, c.topN ?? DEFAULT_TOP_N);
}

export const FAILOVER_POLICIES = ['NoFailover', 'RetryWithBackoff', 'Cascade', 'Broadcast'] as const;
export type FailoverPolicy = (typeof FAILOVER_POLICIES)[number];
export type AttemptError = 'invalid_request' | 'payment_failed' | 'offline' | 'over_capacity' | 'timeout' | 'network' | 'bad_result';
export type Next = { action: 'stop' } | { action: 'retry'; delayMs: number } | { action: 'next_provider' };

/** Retries at the same provider after a timeout or network error, per policy. */
export const RETRIES: Record<FailoverPolicy, number> = { NoFailover: 0, RetryWithBackoff: 3, Cascade: 1, Broadcast: 0 };

/** 1000 ms · 2^(attempt − 1), with up to 20% jitter so retries from many jobs do not align. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return Math.round(1000 * 2 ** (attempt - 1) * (1 + 0.2 * random()));
}

/**
 * What to do after an attempt failed (SEED-RULES: invalid request or failed payment stop;
 * offline or over capacity move on; timeouts and network errors retry, then move on).
 * `attempt` counts attempts at the current provider, from 1. RetryWithBackoff stays with
 * one provider; Cascade and Broadcast move along the chain (Broadcast's others are
 * already running).
 */
export function afterFailure(policy: FailoverPolicy, error: AttemptError, attempt: number, random?: () => number): Next {
  if (error === 'invalid_request' || error === 'payment_failed' || policy === 'NoFailover') return { action: 'stop' };
  if ((error === 'timeout' || error === 'network') && attempt <= RETRIES[policy]) return { action: 'retry', delayMs: backoffMs(attempt, random) };
  return policy === 'RetryWithBackoff' ? { action: 'stop' } : { action: 'next_provider' };
}

/**
 * A job's geography under its sponsor's policy (GeoRoutingPolicy's org policies): the
 * policy's regions bound the job's, never widen them. Null when nothing can satisfy both.
 */
export function boundByPolicy(job: readonly string[] | undefined, policy: readonly string[] | undefined): readonly string[] | undefined | null {
  if (!policy) return job;
  if (!job) return policy;
  const both = job.filter((r) => policy.includes(r));
  return both.length > 0 ? both : null;
}
