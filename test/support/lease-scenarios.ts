// The lease scenarios, written once and run on both engines (test/unit/leases.test.ts on
// SQLite files, test/postgres/leases.test.ts on a real cluster): two servers — two
// contexts, each with its own connection — on one database, sharing a clock the test moves.
import { describe, expect, it, vi } from 'vitest';
import { leasedTicker, startBackgroundWork, type Chore, type Tick } from '../../src/background.js';
import type { AppContext } from '../../src/context.js';
import { readLease } from '../../src/db/lease-store.js';
import { holdLease, LEASE_ROUNDS, leaseTtlMs, releaseLeases } from '../../src/domain/leases.js';
import type { ManualClock } from './fixtures.js';

export interface TwoServers {
  a: AppContext;
  b: AppContext;
  clock: ManualClock;
}

/** A chore that counts its rounds, per server. */
function countedChore(lease: string, intervalMs: number): Chore & { rounds: number } {
  const chore = {
    lease,
    label: lease,
    intervalMs,
    rounds: 0,
    async run() {
      chore.rounds++;
    },
  };
  return chore;
}

/**
 * `parallel`: whether the two connections may be asked at the same moment. Not on SQLite in
 * one process: a connection waiting for the write lock blocks the thread (busy_timeout), so
 * the other, awaiting between statements, could never finish; two processes, as real
 * servers are, do not meet this.
 */
export function describeLeases(engine: string, twoServers: () => Promise<TwoServers>, o: { parallel: boolean }): void {
  const together = async <T>(calls: (() => Promise<T>)[]): Promise<T[]> => {
    if (o.parallel) return Promise.all(calls.map((call) => call()));
    const results: T[] = [];
    for (const call of calls) results.push(await call());
    return results;
  };

  describe(`leases on ${engine}`, () => {
    const TTL = 3_000;

    it('are taken when free, for the ttl, by their first holder', async () => {
      const { a, clock } = await twoServers();
      expect(await holdLease(a.db, clock, 'free', 'server-a', TTL)).toBe(true);
      const now = clock.now().getTime();
      expect(await readLease(a.db, 'free')).toEqual({
        name: 'free',
        holder: 'server-a',
        expiresAt: new Date(now + TTL).toISOString(),
        acquiredAt: new Date(now).toISOString(),
      });
    });

    it('are refused to another holder while the first holds them, and left as they were', async () => {
      const { a, b, clock } = await twoServers();
      expect(await holdLease(a.db, clock, 'held', 'server-a', TTL)).toBe(true);
      const before = await readLease(a.db, 'held');
      clock.advance(TTL - 1);
      expect(await holdLease(b.db, clock, 'held', 'server-b', TTL)).toBe(false);
      expect(await readLease(b.db, 'held')).toEqual(before);
    });

    it('are renewed by their holder: a later expiry, the same acquisition time', async () => {
      const { a, b, clock } = await twoServers();
      await holdLease(a.db, clock, 'renewed', 'server-a', TTL);
      const acquiredAt = clock.now().toISOString();
      clock.advance(TTL - 1);
      expect(await holdLease(a.db, clock, 'renewed', 'server-a', TTL)).toBe(true);
      expect(await readLease(a.db, 'renewed')).toMatchObject({ holder: 'server-a', acquiredAt, expiresAt: new Date(clock.now().getTime() + TTL).toISOString() });
      // Renewed, so still refused where the first lease would have ended.
      clock.advance(2);
      expect(await holdLease(b.db, clock, 'renewed', 'server-b', TTL)).toBe(false);
    });

    it('are taken over once expired, from the moment of expiry, and the old holder is then refused', async () => {
      const { a, b, clock } = await twoServers();
      await holdLease(a.db, clock, 'expired', 'server-a', TTL);
      clock.advance(TTL);
      expect(await holdLease(b.db, clock, 'expired', 'server-b', TTL)).toBe(true);
      expect(await readLease(a.db, 'expired')).toMatchObject({ holder: 'server-b', acquiredAt: clock.now().toISOString() });
      expect(await holdLease(a.db, clock, 'expired', 'server-a', TTL)).toBe(false);
    });

    it('are free at once when their holder releases them, and only its own', async () => {
      const { a, b, clock } = await twoServers();
      await holdLease(a.db, clock, 'released', 'server-a', TTL);
      await holdLease(b.db, clock, 'kept', 'server-b', TTL);
      await releaseLeases(a.db, 'server-a');
      expect(await readLease(a.db, 'released')).toBeNull();
      expect(await holdLease(b.db, clock, 'released', 'server-b', TTL)).toBe(true);
      expect(await readLease(a.db, 'kept')).toMatchObject({ holder: 'server-b' });
    });

    it('go to exactly one of many holders asking at once', async () => {
      const { a, b, clock } = await twoServers();
      const holders = Array.from({ length: 12 }, (_, i) => `server-${i}`);
      // Over both connections where they may be asked together, else over one (its callers take turns).
      const dbOf = (i: number) => (o.parallel && i % 2 ? b : a).db;
      const taken = await Promise.all(holders.map((holder, i) => holdLease(dbOf(i), clock, 'raced', holder, TTL)));
      expect(taken.filter(Boolean)).toHaveLength(1);
      expect(await readLease(a.db, 'raced')).toMatchObject({ holder: holders[taken.indexOf(true)] });
    });

    it('refuse a lease that lasts no time', async () => {
      const { a, clock } = await twoServers();
      await expect(holdLease(a.db, clock, 'zero', 'server-a', 0)).rejects.toThrow(RangeError);
    });
  });

  describe(`background work shared by two servers on ${engine}`, () => {
    const INTERVAL = 1_000;

    it('runs in one server each round; the other takes it over once the first stops renewing', async () => {
      const { a, b, clock } = await twoServers();
      const workA = countedChore('shared-work', INTERVAL);
      const workB = countedChore('shared-work', INTERVAL);
      const tickA = leasedTicker(a, 'server-a', workA);
      const tickB = leasedTicker(b, 'server-b', workB);
      // Both servers tick each round, as their timers would.
      for (let round = 0; round < 5; round++) {
        clock.advance(INTERVAL);
        const ticks = await together([tickA, tickB]);
        expect(ticks.sort()).toEqual(['elsewhere', 'ran']);
      }
      expect(workA.rounds + workB.rounds).toBe(5);
      const [first, second, tickSecond] = workA.rounds === 5 ? [workA, workB, tickB] : [workB, workA, tickA];
      expect(first.rounds).toBe(5);
      // The first server stops (killed: no release). Its last lease runs LEASE_ROUNDS intervals from its last renewal.
      const seen: Tick[] = [];
      for (let round = 1; round <= LEASE_ROUNDS; round++) {
        clock.advance(INTERVAL);
        seen.push(await tickSecond());
      }
      expect(seen).toEqual([...Array<Tick>(LEASE_ROUNDS - 1).fill('elsewhere'), 'ran']);
      expect(second.rounds).toBe(1);
      expect(first.rounds).toBe(5);
    });

    it('keeps the lease while a slow round runs, and starts no second round beside it', async () => {
      const { a, b, clock } = await twoServers();
      let finish!: () => void;
      let rounds = 0;
      const slow: Chore = {
        lease: 'slow-work',
        label: 'slow work',
        intervalMs: INTERVAL,
        run: () => {
          rounds++;
          return new Promise<void>((resolve) => (finish = resolve));
        },
      };
      const tickA = leasedTicker(a, 'server-a', slow);
      const tickB = leasedTicker(b, 'server-b', countedChore('slow-work', INTERVAL));
      const firstRound = tickA();
      await vi.waitFor(() => expect(rounds).toBe(1));
      // Long past the first lease's end, the holder's ticks renewed it: the other server still may not run.
      for (let i = 0; i < 2 * LEASE_ROUNDS; i++) {
        clock.advance(INTERVAL);
        expect(await tickA()).toBe('busy');
        expect(await tickB()).toBe('elsewhere');
      }
      finish();
      expect(await firstRound).toBe('ran');
      expect(rounds).toBe(1);
      expect(await readLease(a.db, 'slow-work')).toMatchObject({ holder: 'server-a', expiresAt: new Date(clock.now().getTime() + leaseTtlMs(INTERVAL)).toISOString() });
    });

    it('takes its leases when started and frees them when stopped, so the other server takes over at its next tick', async () => {
      const { a, b } = await twoServers();
      const stopA = startBackgroundWork(a, 'server-a');
      try {
        // Webhook delivery ticks every second.
        await vi.waitFor(async () => expect(await readLease(a.db, 'webhook-delivery')).toMatchObject({ holder: 'server-a' }), { timeout: 5_000, interval: 100 });
      } finally {
        await stopA();
      }
      expect(await readLease(a.db, 'webhook-delivery')).toBeNull();
      // The clock has not moved: without the release, server-a's lease would still run.
      const tickB = leasedTicker(b, 'server-b', countedChore('webhook-delivery', 1_000));
      expect(await tickB()).toBe('ran');
    });
  });
}
