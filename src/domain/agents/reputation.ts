// An agent's reputation as a hired worker, on the same statistical footing as the
// providers' score (SEED-RULES "Provider reputation"): a Beta posterior for success so
// one lucky job proves little, ratings Bayesian-averaged toward the market mean, and a
// weekly decay when no work is completed. Agents have no response-time or uptime
// signal, so success and rating share the weight.
import { bayesianRating, betaSuccess, weeklyDecay } from '../reputation-math.js';

export const SUCCESS_WEIGHT = 0.6;
export const RATING_WEIGHT = 0.4;

export interface WorkerRecord {
  completed: number;
  failed: number;
  /** 1–5 stars. */
  ratings: number[];
  lastCompletedAt: string | null;
}

export function agentReputation(r: WorkerRecord, now: Date): number {
  const score = SUCCESS_WEIGHT * betaSuccess(r.completed, r.failed) + RATING_WEIGHT * bayesianRating(r.ratings);
  return Math.round(score * weeklyDecay(r.lastCompletedAt, now) * 1000) / 1000;
}
