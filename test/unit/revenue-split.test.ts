import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { MarketError } from '../../src/core/errors.js';
import { DEFAULT_SPLIT, revenueSplitSchema, splitRevenue, type RevenueSplit } from '../../src/domain/skills/revenue-split.js';

const everyone = { referrer: true, compute: true };

describe('revenue split (SEED-RULES "Revenue split")', () => {
  it('splits 1000 sats 600 / 250 / 100 / 50 by default', () => {
    expect(splitRevenue(1000, DEFAULT_SPLIT, everyone)).toEqual({ creator_sats: 600, compute_sats: 250, platform_sats: 100, referrer_sats: 50 });
  });

  it("gives the creator the referrer's share when nobody referred the install", () => {
    expect(splitRevenue(1000, DEFAULT_SPLIT, { referrer: false, compute: true })).toEqual({ creator_sats: 650, compute_sats: 250, platform_sats: 100, referrer_sats: 0 });
  });

  it('gives the creator the compute share when no compute provider ran the skill', () => {
    expect(splitRevenue(1000, DEFAULT_SPLIT, { referrer: true, compute: false })).toEqual({ creator_sats: 850, compute_sats: 0, platform_sats: 100, referrer_sats: 50 });
    expect(splitRevenue(1000, DEFAULT_SPLIT, { referrer: false, compute: false })).toEqual({ creator_sats: 900, compute_sats: 0, platform_sats: 100, referrer_sats: 0 });
  });

  it('rounds every share down and gives the remainder to the creator: 7 sats → 6 / 1 / 0 / 0', () => {
    // compute 7·25% = 1.75 → 1, platform 0.7 → 0, referrer 0.35 → 0; the creator takes the other 6.
    expect(splitRevenue(7, DEFAULT_SPLIT, everyone)).toEqual({ creator_sats: 6, compute_sats: 1, platform_sats: 0, referrer_sats: 0 });
    expect(splitRevenue(1, DEFAULT_SPLIT, everyone)).toEqual({ creator_sats: 1, compute_sats: 0, platform_sats: 0, referrer_sats: 0 });
    expect(splitRevenue(0, DEFAULT_SPLIT, everyone)).toEqual({ creator_sats: 0, compute_sats: 0, platform_sats: 0, referrer_sats: 0 });
  });

  it('stays exact for totals where total · pct passes 2^53', () => {
    const total = Number.MAX_SAFE_INTEGER;
    const parts = splitRevenue(total, DEFAULT_SPLIT, everyone);
    expect(parts.compute_sats).toBe(Number((BigInt(total) * 25n) / 100n));
    expect(BigInt(parts.creator_sats) + BigInt(parts.compute_sats) + BigInt(parts.platform_sats) + BigInt(parts.referrer_sats)).toBe(BigInt(total));
  });

  it('refuses totals that are not whole sats', () => {
    for (const bad of [-1, 1.5, Number.NaN]) {
      expect(() => splitRevenue(bad, DEFAULT_SPLIT, everyone)).toThrow(MarketError);
    }
  });

  it('refuses a stored split that does not add up, rather than paying out more than the total', () => {
    const broken = { creator_pct: 90, compute_pct: 25, platform_pct: 10, referrer_pct: 5 };
    expect(() => splitRevenue(100, broken, everyone)).toThrow(/sum to 130/);
  });
});

describe('custom split schema', () => {
  it('accepts four whole percentages summing to 100', () => {
    expect(revenueSplitSchema.safeParse({ creator_pct: 100, compute_pct: 0, platform_pct: 0, referrer_pct: 0 }).success).toBe(true);
    expect(revenueSplitSchema.safeParse(DEFAULT_SPLIT).success).toBe(true);
  });

  it('says what the percentages sum to when it is not 100', () => {
    const parsed = revenueSplitSchema.safeParse({ creator_pct: 50, compute_pct: 25, platform_pct: 10, referrer_pct: 5 });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.message).toMatch(/sum to 90/);
  });

  it('rejects fractions, out-of-range values, missing and extra fields', () => {
    for (const bad of [
      { creator_pct: 59.5, compute_pct: 25.5, platform_pct: 10, referrer_pct: 5 },
      { creator_pct: 110, compute_pct: -10, platform_pct: 0, referrer_pct: 0 },
      { creator_pct: 65, compute_pct: 25, platform_pct: 10 },
      { ...DEFAULT_SPLIT, tip_pct: 0 },
    ]) {
      expect(revenueSplitSchema.safeParse(bad).success).toBe(false);
    }
  });
});

// Four whole percentages summing to 100: three cut points in 0..100.
const validSplit: fc.Arbitrary<RevenueSplit> = fc.tuple(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 }), fc.integer({ min: 0, max: 100 })).map((cuts) => {
  const [a, b, c] = [...cuts].sort((x, y) => x - y) as [number, number, number];
  return { creator_pct: a, compute_pct: b - a, platform_pct: c - b, referrer_pct: 100 - c };
});

describe('revenue split properties', () => {
  it('pays whole non-negative parts that sum exactly to the total, each non-creator part floor(total · pct / 100) when its party exists', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 1e12 }), validSplit, fc.boolean(), fc.boolean(), (total, split, referrer, compute) => {
        const parts = splitRevenue(total, split, { referrer, compute });
        for (const part of Object.values(parts)) {
          expect(Number.isSafeInteger(part) && part >= 0).toBe(true);
        }
        expect(parts.creator_sats + parts.compute_sats + parts.platform_sats + parts.referrer_sats).toBe(total);
        const floorShare = (pct: number) => Math.floor((total * pct) / 100);
        expect(parts.platform_sats).toBe(floorShare(split.platform_pct));
        expect(parts.compute_sats).toBe(compute ? floorShare(split.compute_pct) : 0);
        expect(parts.referrer_sats).toBe(referrer ? floorShare(split.referrer_pct) : 0);
      }),
      { numRuns: 2000 },
    );
  });
});
