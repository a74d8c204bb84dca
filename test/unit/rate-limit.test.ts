import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { callLimiter, rateLimit } from '../../src/http/rate-limit.js';

// The limiter on a real HTTP server on loopback, with the clock in the test's hands: one
// request a second per caller (the x-caller header), bursts of two.
let server: Server | undefined;
afterEach(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

async function limitedServer(clock: { ms: number }) {
  const app = express();
  app.use(
    rateLimit(
      callLimiter(1, () => clock.ms),
      (req) => req.header('x-caller'),
      { costOf: (req) => Number(req.header('x-calls') ?? 1) },
    ),
  );
  app.get('/', (_req, res) => res.json({ ok: true }));
  server = app.listen(0, '127.0.0.1');
  await new Promise((ready) => server!.once('listening', ready));
  const { port } = server.address() as AddressInfo;
  return (caller: string, calls = 1) => fetch(`http://127.0.0.1:${port}/`, { headers: { 'x-caller': caller, 'x-calls': String(calls) } }).then((r) => r.status);
}

describe('HTTP rate limit per caller', () => {
  it('refuses past the burst, refills with time, and keeps each caller apart', async () => {
    const clock = { ms: 0 };
    const get = await limitedServer(clock);
    expect([await get('a'), await get('a'), await get('a')]).toEqual([200, 200, 429]);
    expect(await get('b')).toBe(200);
    clock.ms += 1_000;
    expect([await get('a'), await get('a')]).toEqual([200, 429]);
  });

  it('still refuses a caller with an empty bucket after the once-a-minute sweep of idle callers', async () => {
    const clock = { ms: 0 };
    const get = await limitedServer(clock);
    await get('idle');
    clock.ms = 59_000;
    // 'busy' spends its burst just before the sweep; 'idle' has long refilled.
    expect([await get('busy'), await get('busy'), await get('busy')]).toEqual([200, 200, 429]);
    clock.ms = 60_000; // the sweep runs on this request: 'busy' has one token back, not a full bucket
    expect([await get('busy'), await get('busy')]).toEqual([200, 429]);
    expect([await get('idle'), await get('idle'), await get('idle')]).toEqual([200, 200, 429]);
  });

  it('charges a request for every call it carries, and refuses one the bucket cannot pay for without taking anything', async () => {
    const clock = { ms: 0 };
    const get = await limitedServer(clock);
    expect(await get('a', 3)).toBe(429); // more than a burst: refused, and the bucket keeps its 2
    expect(await get('a', 2)).toBe(200);
    expect(await get('a', 1)).toBe(429);
    clock.ms += 1_000;
    expect(await get('a', 2)).toBe(429); // one token back, two asked: refused whole
    expect(await get('a', 1)).toBe(200);
  });
});
