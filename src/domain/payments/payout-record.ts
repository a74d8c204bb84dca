// What the wallet's record says about payments we sent without learning their outcome (a
// withdrawal, a payment to a compute provider): how it is read, and the one reading both
// settle from.
import type { PaymentRail, RailTransaction } from './rail.js';

/** How long a payment the wallet has no record of is given before `ledger reconcile --fix` counts it as never sent. */
export const UNKNOWN_GRACE_MS = 10 * 60_000;

/** A payout sent without a known outcome; `updatedAt` is when it was marked sending, just before the wallet was asked. */
export interface SentPayout {
  paymentHash: string;
  updatedAt: string;
}

export interface SettleOptions {
  /** `ledger reconcile --fix`: a payout the wallet has no record of after the grace counts as never sent. */
  failUnrecorded?: boolean;
  /** The wallet's whole history, already read (reconcile has it): not read again. */
  history?: RailTransaction[];
  /** Only payouts marked sending since then: the watcher's frequent rounds leave older ones to its rarer full ones. */
  sentSince?: string;
}

/**
 * Each payout with what the wallet's record says of it. One read of what the wallet sent
 * since the oldest was sent, not a lookup and a history search per payout: the watcher
 * does this every few seconds, and a payment request the wallet never got leaves no record
 * until reconcile, so hundreds of those had it asking without pause. Before counting a
 * payout as never sent (`failUnrecorded`), each one the history shows unfinished or not at
 * all is asked about by hash: a wallet may leave a payment still in flight out of its history.
 */
export async function readPayoutRecords<P extends SentPayout>(
  rail: PaymentRail,
  all: P[],
  now: Date,
  o: SettleOptions,
  /** Hashes an earlier payout tried and failed: a failed record may be that attempt's, so it settles nothing. */
  retried = new Set<string>(),
): Promise<{ payout: P; outcome: PayoutOutcome }[]> {
  const payouts = o.sentSince === undefined ? all : all.filter((p) => p.updatedAt >= o.sentSince!);
  if (payouts.length === 0) return [];
  const oldest = payouts.reduce((at, p) => (p.updatedAt < at ? p.updatedAt : at), payouts[0]!.updatedAt);
  const sent =
    o.history?.filter((t) => t.direction === 'outgoing') ??
    (await rail.sentPayments({ paymentHashes: payouts.map((p) => p.paymentHash), sinceSeconds: Math.floor(Date.parse(oldest) / 1000) }));
  const records = new Map(sent.map((t) => [t.paymentHash, t]));
  const failUnrecorded = o.failUnrecorded ?? false;
  if (failUnrecorded) {
    for (const p of payouts) {
      const state = records.get(p.paymentHash)?.state;
      if (state === 'settled' || state === 'failed') continue;
      const looked = await rail.lookupPayment(p.paymentHash);
      if (looked) records.set(p.paymentHash, looked);
    }
  }
  const recordOf = (hash: string) => {
    const seen = records.get(hash) ?? null;
    return seen?.state === 'failed' && retried.has(hash) ? null : seen;
  };
  return payouts.map((payout) => ({ payout, outcome: readPayoutRecord(recordOf(payout.paymentHash), payout, now, failUnrecorded) }));
}

export type PayoutOutcome = { outcome: 'paid'; feeMsats: number; preimage: string | null } | { outcome: 'failed'; reason: string } | null;

/**
 * Paid or failed as the wallet recorded it. A payment it has no record of counts as never
 * sent only when asked to (`failUnrecorded`, reconcile's --fix) and only after the grace,
 * since a wallet may record a payment late; otherwise the outcome stays unknown (null).
 */
export function readPayoutRecord(seen: RailTransaction | null, sent: { updatedAt: string }, now: Date, failUnrecorded: boolean): PayoutOutcome {
  if (seen?.state === 'settled') return { outcome: 'paid', feeMsats: seen.feeMsats, preimage: seen.preimage };
  if (seen?.state === 'failed') return { outcome: 'failed', reason: 'The wallet reports the payment failed.' };
  if (failUnrecorded && seen === null && sent.updatedAt < new Date(now.getTime() - UNKNOWN_GRACE_MS).toISOString()) {
    return { outcome: 'failed', reason: 'The wallet has no record of the payment.' };
  }
  return null;
}
