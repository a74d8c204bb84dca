// The statistics every reputation here shares (SEED-RULES "Provider reputation"): a Beta
// posterior for success so one lucky job proves little, ratings Bayesian-averaged toward
// the market mean, and a weekly decay while no work is completed.
export const RATING_PRIOR_WEIGHT = 5;
export const MARKET_MEAN_RATING = 0.75; // 4 of 5 stars, mapped to [0, 1]
const DAY_MS = 86_400_000;

/** (s + 1) / (n + 2): the posterior mean with a uniform prior. */
export function betaSuccess(completed: number, failed: number): number {
  return (completed + 1) / (completed + failed + 2);
}

/** 1–5 stars mapped to [0, 1] and pulled toward the market mean by RATING_PRIOR_WEIGHT ratings. */
export function bayesianRating(stars: readonly number[]): number {
  const mapped = stars.map((s) => (s - 1) / 4);
  return (mapped.reduce((a, b) => a + b, 0) + RATING_PRIOR_WEIGHT * MARKET_MEAN_RATING) / (mapped.length + RATING_PRIOR_WEIGHT);
}

/** 0.95^(days since the last completed job / 7); 1 when there is none yet. */
export function weeklyDecay(lastCompletedAt: string | null, now: Date): number {
  const idleDays = lastCompletedAt === null ? 0 : Math.max(0, (now.getTime() - Date.parse(lastCompletedAt)) / DAY_MS);
  return 0.95 ** (idleDays / 7);
}
