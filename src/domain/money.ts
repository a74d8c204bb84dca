// Money is integer millisats in the ledger and whole sats at the edges. No float ever
// touches an amount, and arithmetic that would leave the safe-integer range is an error.
import { MarketError } from '../core/errors.js';

export const MSATS_PER_SAT = 1000;

export function satsToMsats(sats: number): number {
  if (!Number.isSafeInteger(sats) || sats < 0) {
    throw new MarketError('INVALID_INPUT', `Amount must be a whole number of sats ≥ 0, got ${sats}.`);
  }
  return checkedMsats(sats * MSATS_PER_SAT);
}

/** Whole sats of a millisat amount, rounded down: a balance never shows sats it cannot spend. */
export function msatsToSats(msats: number): number {
  return Math.floor(msats / MSATS_PER_SAT);
}

export function addMsats(a: number, b: number): number {
  return checkedMsats(a + b);
}

export function checkedMsats(msats: number): number {
  if (!Number.isSafeInteger(msats)) {
    throw new MarketError('INVALID_INPUT', 'Amount is too large for the ledger.', { msats: String(msats) });
  }
  return msats;
}

export function formatSats(sats: number): string {
  return `${sats.toLocaleString('en-US')} sats`;
}
