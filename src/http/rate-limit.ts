// Per-caller rate limiting for the HTTP transport: a token bucket per principal, so one
// agent stuck in a retry loop (or tricked into one) cannot take the server from the
// others. Real time, not the marketplace's clock: this is about load, not deadlines.
import type { NextFunction, Request, Response } from 'express';

interface Bucket {
  tokens: number;
  at: number;
}

/** How often buckets that have refilled are dropped, so the map holds only recent callers. */
const SWEEP_EVERY_MS = 60_000;

/** `perSecond` requests a second for each caller, in bursts of up to twice that; 0 turns it off. */
export function rateLimit(perSecond: number, callerOf: (req: Request) => string | undefined, now = () => performance.now()) {
  const capacity = perSecond * 2;
  const buckets = new Map<string, Bucket>();
  const refilled = (b: Bucket, t: number) => b.tokens + ((t - b.at) / 1000) * perSecond >= capacity;
  let sweptAt = now();
  return (req: Request, res: Response, next: NextFunction) => {
    const caller = callerOf(req);
    if (perSecond <= 0 || caller === undefined) return next();
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
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return next();
    }
    const retryAfterSeconds = Math.ceil((1 - bucket.tokens) / perSecond);
    res
      .status(429)
      .set('Retry-After', String(retryAfterSeconds))
      .json({
        error: {
          code: 'RATE_LIMITED',
          message: `Too many requests with this token: at most ${perSecond} a second (bursts of ${capacity}). Retry after ${retryAfterSeconds} s.`,
          details: { retry_after_seconds: retryAfterSeconds },
        },
      });
  };
}
