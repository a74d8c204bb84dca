// A compute provider's reputation and tier, exactly as SEED-RULES "Provider reputation"
// states them. Pure: the components are returned too, so a provider's score can be
// explained (marketplace_get_provider shows them).
import { bayesianRating, betaSuccess, weeklyDecay } from '../reputation-math.js';

export interface ProviderMetrics {
  completed: number;
  failed: number;
  /** Average response time in ms, or null before the first job. */
  avgResponseMs: number | null;
  /** 0–100. */
  uptimePct: number;
  /** 1–5 stars. */
  ratings: readonly number[];
  lastCompletedAt: string | null;
}

export const WEIGHTS = { success: 0.4, response: 0.2, uptime: 0.2, rating: 0.2 } as const;
const FAST_MS = 100;
const SLOW_MS = 5_000;

/** 1 at ≤ 100 ms, 0 at ≥ 5 s, linear between; an unmeasured provider counts as slow-ish middle. */
export function responseScore(avgResponseMs: number | null): number {
  if (avgResponseMs === null) return 0.5;
  return Math.min(1, Math.max(0, (SLOW_MS - avgResponseMs) / (SLOW_MS - FAST_MS)));
}

export function providerReputation(m: ProviderMetrics, now: Date) {
  const components = {
    success: betaSuccess(m.completed, m.failed),
    response: responseScore(m.avgResponseMs),
    uptime: Math.min(1, Math.max(0, m.uptimePct / 100)),
    rating: bayesianRating(m.ratings),
    decay: weeklyDecay(m.lastCompletedAt, now),
  };
  const base = WEIGHTS.success * components.success + WEIGHTS.response * components.response + WEIGHTS.uptime * components.uptime + WEIGHTS.rating * components.rating;
  return { score: base * components.decay, components };
}

export const TIERS = ['Elite', 'Trusted', 'Established', 'New'] as const;
export type Tier = (typeof TIERS)[number];

const THRESHOLDS: { tier: Exclude<Tier, 'New'>; score: number; jobs: number; success: number }[] = [
  { tier: 'Elite', score: 0.95, jobs: 1000, success: 0.99 },
  { tier: 'Trusted', score: 0.8, jobs: 500, success: 0.95 },
  { tier: 'Established', score: 0.5, jobs: 100, success: 0.9 },
];

/** The highest tier whose three conditions all hold; `successRate` is the raw completed / jobs. */
export function providerTier(score: number, jobs: number, successRate: number): Tier {
  return THRESHOLDS.find((t) => score >= t.score && jobs >= t.jobs && successRate > t.success)?.tier ?? 'New';
}

export interface TierBenefits {
  /** How far above the request's reference price it may charge. */
  pricePremiumPct: number;
  /** Jobs a day; null: no cap. */
  dailyJobCap: number | null;
  routedFirstAmongEquals: boolean;
  needsOperatorApproval: boolean;
}

export const TIER_BENEFITS: Record<Tier, TierBenefits> = {
  Elite: { pricePremiumPct: 20, dailyJobCap: null, routedFirstAmongEquals: true, needsOperatorApproval: false },
  Trusted: { pricePremiumPct: 10, dailyJobCap: null, routedFirstAmongEquals: false, needsOperatorApproval: false },
  Established: { pricePremiumPct: 0, dailyJobCap: 100, routedFirstAmongEquals: false, needsOperatorApproval: false },
  New: { pricePremiumPct: 0, dailyJobCap: 10, routedFirstAmongEquals: false, needsOperatorApproval: true },
};
