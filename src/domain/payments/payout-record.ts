// What the wallet's record says about a payment we sent without learning its outcome (a
// withdrawal, a payment to a compute provider): the one reading both settle from.
import type { RailTransaction } from './rail.js';

/** How long a payment the wallet has no record of is given before `ledger reconcile --fix` counts it as never sent. */
export const UNKNOWN_GRACE_MS = 10 * 60_000;

/** Where settling reads the wallet's record of one payout: the rail's lookup unless told otherwise. */
export type PayoutLookup = (paymentHash: string) => Promise<RailTransaction | null>;

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
