// An agent's reputation as a hired worker, on the same statistical footing as the
// providers' score (SEED-RULES "Provider reputation"): a Beta posterior for success so
// one lucky job proves little, ratings Bayesian-averaged toward the market mean, and a
// weekly decay when no work is completed. Agents have no response-time or uptime
// signal, so success and rating share the weight.
export const SUCCESS_WEIGHT = 0.6;
export const RATING_WEIGHT = 0.4;
export const RATING_PRIOR_WEIGHT = 5;
export const MARKET_MEAN_RATING = 0.75; // 4 of 5 stars, mapped to [0, 1]
const DAY_MS = 86_400_000;

export interface WorkerRecord {
  completed: number;
  failed: number;
  /** 1–5 stars. */
  ratings: number[];
  lastCompletedAt: string | null;
}

export function agentReputation(r: WorkerRecord, now: Date): number {
  const success = (r.completed + 1) / (r.completed + r.failed + 2);
  const mapped = r.ratings.map((stars) => (stars - 1) / 4);
  const rating = (mapped.reduce((a, b) => a + b, 0) + RATING_PRIOR_WEIGHT * MARKET_MEAN_RATING) / (mapped.length + RATING_PRIOR_WEIGHT);
  const idleDays = r.lastCompletedAt === null ? 0 : Math.max(0, (now.getTime() - Date.parse(r.lastCompletedAt)) / DAY_MS);
  const decay = 0.95 ** (idleDays / 7);
  return Math.round((SUCCESS_WEIGHT * success + RATING_WEIGHT * rating) * decay * 1000) / 1000;
}
