// Leases: background work (the expiry sweep, webhook delivery, the Lightning watch,
// provider discovery) runs in one server at a time when several share a database. The
// work is safe to run twice (each step is guarded by the row's status), so a lease is
// about cost, not correctness: N servers would otherwise ask the wallet N times as often.
// A server renews the leases it holds each round; one that stops (killed, hung, cut off)
// lets them expire, and another takes its work over within a few rounds.
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import type { Db } from '../db/connection.js';
import { releaseLeases as deleteLeasesOf, takeLease } from '../db/lease-store.js';
import type { Clock } from './clock.js';

/**
 * A lease lasts this many rounds of its work: one late or failed renewal does not move the
 * work, while a stopped holder's work moves within this many rounds.
 */
export const LEASE_ROUNDS = 3;

export function leaseTtlMs(intervalMs: number): number {
  return LEASE_ROUNDS * intervalMs;
}

/** A server's name in the leases table: readable (host and pid, for the operator), unique (random, since pids repeat across hosts and restarts). */
export function newLeaseHolder(): string {
  return `${hostname()}:${process.pid}:${randomBytes(6).toString('hex')}`;
}

/**
 * Takes the lease `name` for `holder` when it is free, expired or already the holder's,
 * for ttlMs from now; true when the holder has it. Servers compare expiries on their own
 * clocks, so clocks far apart (beyond a lease's length) can let two servers run the same
 * work for a while, which the work tolerates.
 */
export async function holdLease(db: Db, clock: Clock, name: string, holder: string, ttlMs: number): Promise<boolean> {
  if (!(ttlMs > 0)) throw new RangeError(`a lease must last some time (ttlMs ${ttlMs})`);
  const now = clock.now();
  const row = await takeLease(db, name, holder, now.toISOString(), new Date(now.getTime() + ttlMs).toISOString());
  return row.holder === holder;
}

/** At shutdown: gives up every lease the holder has, so the others take its work over at their next round. */
export async function releaseLeases(db: Db, holder: string): Promise<void> {
  await deleteLeasesOf(db, holder);
}
