// Who gets what from a skill's revenue (SEED-RULES "Revenue split"). Shares round down so
// no party is ever paid a sat that was not earned; the creator takes every remainder and
// the share of any party that was not there, so the parts always add up to the total.
import { z } from 'zod';
import { MarketError } from '../../core/errors.js';
import type { StoredRevenueSplit } from '../../db/json-columns.js';

const wholePct = z.number().int('must be a whole percentage').min(0, 'must be ≥ 0').max(100, 'must be ≤ 100');

export const revenueSplitSchema = z
  .strictObject({
    creator_pct: wholePct,
    compute_pct: wholePct,
    platform_pct: wholePct,
    referrer_pct: wholePct,
  })
  .superRefine((split, ctx) => {
    const sum = split.creator_pct + split.compute_pct + split.platform_pct + split.referrer_pct;
    if (sum !== 100) {
      ctx.addIssue({ code: 'custom', path: [], message: `the four percentages must sum to 100, they sum to ${sum}` });
    }
  }) satisfies z.ZodType<StoredRevenueSplit>; // what the database stores (src/db/json-columns.ts)

export type RevenueSplit = z.infer<typeof revenueSplitSchema>;

export const DEFAULT_SPLIT: RevenueSplit = Object.freeze({
  creator_pct: 60,
  compute_pct: 25,
  platform_pct: 10,
  referrer_pct: 5,
});

export interface SplitParties {
  referrer: boolean;
  compute: boolean;
}

export interface RevenueShares {
  creator_sats: number;
  compute_sats: number;
  platform_sats: number;
  referrer_sats: number;
}

export function splitRevenue(totalSats: number, split: RevenueSplit, parties: SplitParties): RevenueShares {
  if (!Number.isSafeInteger(totalSats) || totalSats < 0) {
    throw new MarketError('INVALID_INPUT', `Revenue to split must be a whole number of sats ≥ 0, got ${totalSats}.`);
  }
  assertValidSplit(split);
  const total = BigInt(totalSats);
  const compute = parties.compute ? share(total, split.compute_pct) : 0n;
  const platform = share(total, split.platform_pct);
  const referrer = parties.referrer ? share(total, split.referrer_pct) : 0n;
  return {
    creator_sats: Number(total - compute - platform - referrer),
    compute_sats: Number(compute),
    platform_sats: Number(platform),
    referrer_sats: Number(referrer),
  };
}

// Splits are stored as JSON; a damaged one must not pay out more than the total.
function assertValidSplit(split: RevenueSplit): void {
  const parsed = revenueSplitSchema.safeParse(split);
  if (!parsed.success) {
    throw new MarketError('INVALID_INPUT', `Invalid revenue split: ${parsed.error.issues[0]?.message ?? 'unknown problem'}.`);
  }
}

// BigInt because total · pct can pass 2^53 for totals a safe integer still holds.
function share(total: bigint, pct: number): bigint {
  return (total * BigInt(pct)) / 100n;
}
