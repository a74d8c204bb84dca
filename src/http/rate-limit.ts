// Per-caller rate limiting for the HTTP transport: a token bucket per principal, so one
// agent stuck in a retry loop (or tricked into one) cannot take the server from the
// others. Real time, not the marketplace's clock: this is about load, not deadlines.
import type { NextFunction, Request, Response } from 'express';

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimitOptions {
  /**
   * What a request costs: the number of calls it carries (a JSON-RPC batch carries
   * many). A request is refused whole when its caller has fewer tokens left, so no part
   * of it runs and nothing is spent.
   */
  costOf?: (req: Request) => number;
}

/** How often buckets that have refilled are dropped, so the map holds only recent callers. */
const SWEEP_EVERY_MS = 60_000;

/** Why a request was refused: the HTTP status, headers and JSON body to answer with. */
export interface RateLimitRefusal {
  status: 429;
  headers: Record<string, string>;
  body: { error: { code: 'RATE_LIMITED'; message: string; details: Record<string, number> } };
}

/** One bucket per caller, shared by every route that runs calls (so no route is a way around it). */
export interface CallLimiter {
  /** Spends `cost` calls of the caller's bucket, or says why not (and spends nothing). */
  take(caller: string, cost: number): RateLimitRefusal | null;
}

/** `perSecond` calls a second for each caller, in bursts of up to twice that; 0 turns it off. */
export function callLimiter(perSecond: number, now: () => number = () => performance.now()): CallLimiter {
  const capacity = perSecond * 2;
  const buckets = new Map<string, Bucket>();
  const refilled = (b: Bucket, t: number) => b.tokens + ((t - b.at) / 1000) * perSecond >= capacity;
  let sweptAt = now();
  return {
    take(caller, requested): RateLimitRefusal | null {
      if (perSecond <= 0) return null;
      const t = now();
      if (t - sweptAt >= SWEEP_EVERY_MS) {
        // A full bucket is what a new caller gets, so dropping it changes no answer.
        for (const [key, b] of buckets) if (refilled(b, t)) buckets.delete(key);
        sweptAt = t;
      }
      const bucket = buckets.get(caller) ?? { tokens: capacity, at: t };
      bucket.tokens = Math.min(capacity, bucket.tokens + ((t - bucket.at) / 1000) * perSecond);
      bucket.at = t;
      buckets.set(caller, bucket);
      const cost = Math.max(1, Math.ceil(requested));
      if (bucket.tokens >= cost) {
        bucket.tokens -= cost;
        return null;
      }
      const rate = `at most ${perSecond} calls a second (bursts of ${capacity})`;
      if (cost > capacity) {
        // No wait makes it fit, so no Retry-After: a client that honoured one would loop for ever.
        return {
          status: 429,
          headers: {},
          body: {
            error: {
              code: 'RATE_LIMITED',
              message: `This request carries ${cost} calls, more than one request may carry with this token: ${rate}. Send them in batches of at most ${capacity}, or one per request.`,
              details: { calls: cost, burst: capacity },
            },
          },
        };
      }
      const retryAfterSeconds = Math.ceil((cost - bucket.tokens) / perSecond);
      const carried = cost > 1 ? `This request carries ${cost} calls; ` : '';
      return {
        status: 429,
        headers: { 'Retry-After': String(retryAfterSeconds) },
        body: {
          error: {
            code: 'RATE_LIMITED',
            message: `${carried}Too many calls with this token: ${rate}. Retry after ${retryAfterSeconds} s.`,
            details: { retry_after_seconds: retryAfterSeconds, ...(cost > 1 ? { calls: cost } : {}) },
          },
        },
      };
    },
  };
}

/** The limiter as express middleware for the routes express serves. */
export function rateLimit(limiter: CallLimiter, callerOf: (req: Request) => string | undefined, options: RateLimitOptions = {}) {
  const { costOf = () => 1 } = options;
  return (req: Request, res: Response, next: NextFunction) => {
    const caller = callerOf(req);
    if (caller === undefined) return next();
    const refusal = limiter.take(caller, costOf(req));
    if (!refusal) return next();
    res.status(refusal.status).set(refusal.headers).json(refusal.body);
  };
}
