// Provider reputation, tiers and routing as SEED-RULES states them.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { providerReputation, providerTier, responseScore } from '../../src/domain/compute/reputation.js';
import { afterFailure, backoffMs, boundByPolicy, exclusion, rankProviders, type RoutableProvider } from '../../src/domain/compute/routing.js';

const NOW = new Date('2026-11-23T12:00:00Z');
const provider = (over: Partial<RoutableProvider> & { id: string }): RoutableProvider => ({
  kinds: [5050],
  reputation: 0.8,
  tier: 'Trusted',
  priceMsats: 10_000,
  latencyMs: 500,
  regions: ['eu'],
  residency: [],
  jobsToday: 0,
  approved: true,
  ...over,
});

describe('provider reputation', () => {
  it('gives the seed example Trusted', () => {
    expect(providerTier(0.92, 750, 0.96)).toBe('Trusted');
  });

  it('needs all three conditions of a tier', () => {
    expect(providerTier(0.96, 1000, 0.995)).toBe('Elite');
    expect(providerTier(0.96, 999, 0.995)).toBe('Trusted');
    expect(providerTier(0.96, 1000, 0.99)).toBe('Trusted'); // success must exceed 0.99
    expect(providerTier(0.6, 100, 0.91)).toBe('Established');
    expect(providerTier(0.6, 99, 0.91)).toBe('New');
  });

  it('weighs success, response, uptime and rating, then decays weekly', () => {
    const fresh = providerReputation({ completed: 98, failed: 0, avgResponseMs: 100, uptimePct: 100, ratings: [5, 5, 5, 5, 5], lastCompletedAt: NOW.toISOString() }, NOW);
    // success 99/100, response 1, uptime 1, rating (5 + 5·0.75)/10 = 0.875
    expect(fresh.score).toBeCloseTo(0.4 * 0.99 + 0.2 + 0.2 + 0.2 * 0.875, 10);
    const idle = providerReputation(
      { completed: 98, failed: 0, avgResponseMs: 100, uptimePct: 100, ratings: [5, 5, 5, 5, 5], lastCompletedAt: new Date(NOW.getTime() - 14 * 86_400_000).toISOString() },
      NOW,
    );
    expect(idle.score).toBeCloseTo(fresh.score * 0.95 ** 2, 10);
    expect(responseScore(5_000)).toBe(0);
    expect(responseScore(2_550)).toBeCloseTo(0.5, 10);
  });

  it('one lucky job does not make a provider perfect', () => {
    expect(providerReputation({ completed: 1, failed: 0, avgResponseMs: 100, uptimePct: 100, ratings: [5], lastCompletedAt: null }, NOW).components.success).toBeCloseTo(2 / 3, 10);
  });
});

describe('routing', () => {
  it('filters by kind, reputation, price, region, residency, approval and tier caps', () => {
    const c = { kind: 5050, minReputation: 0.5, maxPriceMsats: 20_000, regions: ['eu'], dataResidency: ['eu'] };
    expect(exclusion(provider({ id: 'a', residency: ['eu'] }), c)).toBeNull();
    expect(exclusion(provider({ id: 'b', residency: [] }), c)).toMatch(/keep the data/);
    expect(exclusion(provider({ id: 'c', residency: ['eu'], regions: ['eu', 'us'] }), c)).toMatch(/keep the data/);
    expect(exclusion(provider({ id: 'd', residency: ['eu'], kinds: [5000] }), c)).toMatch(/kind/);
    expect(exclusion(provider({ id: 'e', residency: ['eu'], reputation: 0.4 }), c)).toMatch(/reputation/);
    expect(exclusion(provider({ id: 'f', residency: ['eu'], priceMsats: 30_000 }), c)).toMatch(/price/);
    expect(exclusion(provider({ id: 'g', residency: ['eu'], regions: ['us'] }), c)).toMatch(/regions/);
    expect(exclusion(provider({ id: 'h', residency: ['eu'], approved: false }), c)).toMatch(/approval/);
    expect(exclusion(provider({ id: 'i', residency: ['eu'], tier: 'New', jobsToday: 10 }), c)).toMatch(/10 jobs a day/);
    expect(exclusion(provider({ id: 'j', residency: ['eu'], tier: 'Trusted', jobsToday: 10_000 }), c)).toBeNull();
  });

  it('scores by reputation, normalised price and latency, and keeps the top N', () => {
    const ranked = rankProviders(
      [
        provider({ id: 'cheap-slow', reputation: 0.7, priceMsats: 1_000, latencyMs: 3_000 }),
        provider({ id: 'dear-fast', reputation: 0.7, priceMsats: 9_000, latencyMs: 100 }),
        provider({ id: 'reputable', reputation: 0.99, priceMsats: 5_000, latencyMs: 1_000 }),
        provider({ id: 'other-kind', kinds: [5000] }),
      ],
      { kind: 5050, topN: 2 },
    );
    expect(ranked.map((r) => r.provider.id)).toEqual(['reputable', 'cheap-slow']);
    expect(ranked[0]!.score).toBeCloseTo(0.5 * 0.99 + 0.3 * 0.5 + 0.2 * (2 / 2.9), 10);
  });

  it('refuses weights that do not sum to 1', () => {
    expect(() => rankProviders([provider({ id: 'a' })], { kind: 5050, weights: { reputation: 0.5, price: 0.5, latency: 0.5 } })).toThrow(/sum to 1/);
  });

  it('never routes data outside its residency, whatever the providers', () => {
    const arb = fc.record({
      id: fc.uuid(),
      regions: fc.subarray(['eu', 'us', 'asia'], { minLength: 1 }),
      residency: fc.subarray(['eu', 'us', 'asia']),
      reputation: fc.double({ min: 0, max: 1, noNaN: true }),
    });
    fc.assert(
      fc.property(fc.array(arb, { maxLength: 30 }), (ps) => {
        for (const r of rankProviders(
          ps.map((p) => provider(p)),
          { kind: 5050, dataResidency: ['eu'], topN: 30 },
        )) {
          expect(r.provider.regions.every((x) => x === 'eu')).toBe(true);
          expect(r.provider.residency).toContain('eu');
        }
      }),
    );
  });
});

describe('geo routing', () => {
  it('leaves out a provider that does not say where it runs when geo compliance is required', () => {
    const nowhere = provider({ id: 'p', regions: [] });
    expect(exclusion(nowhere, { kind: 5050 })).toBeNull();
    expect(exclusion(nowhere, { kind: 5050, requireGeoCompliance: true })).toBe('does not say where it runs');
  });

  it("lets the sponsor's policy narrow a job's regions, never widen them", () => {
    expect(boundByPolicy(undefined, undefined)).toBeUndefined();
    expect(boundByPolicy(['us'], undefined)).toEqual(['us']);
    expect(boundByPolicy(undefined, ['eu'])).toEqual(['eu']);
    expect(boundByPolicy(['eu', 'us'], ['eu', 'uk'])).toEqual(['eu']);
    expect(boundByPolicy(['us'], ['eu'])).toBeNull();
    fc.assert(
      fc.property(fc.option(fc.subarray(['eu', 'us', 'uk', 'jp'])), fc.subarray(['eu', 'us', 'uk', 'jp'], { minLength: 1 }), (job, policy) => {
        const bound = boundByPolicy(job ?? undefined, policy);
        return bound === null || bound!.every((r) => policy.includes(r));
      }),
    );
  });
});

describe('failover', () => {
  it('lets errors decide', () => {
    expect(afterFailure('Cascade', 'invalid_request', 1)).toEqual({ action: 'stop' });
    expect(afterFailure('Cascade', 'payment_failed', 1)).toEqual({ action: 'stop' });
    expect(afterFailure('Cascade', 'offline', 1)).toEqual({ action: 'next_provider' });
    expect(afterFailure('Cascade', 'timeout', 1).action).toBe('retry');
    expect(afterFailure('Cascade', 'timeout', 2)).toEqual({ action: 'next_provider' });
    expect(afterFailure('NoFailover', 'offline', 1)).toEqual({ action: 'stop' });
    expect(afterFailure('RetryWithBackoff', 'timeout', 3).action).toBe('retry');
    expect(afterFailure('RetryWithBackoff', 'timeout', 4)).toEqual({ action: 'stop' });
  });

  it('backs off 1 s, 2 s, 4 s with at most 20% jitter', () => {
    expect([1, 2, 3].map((a) => backoffMs(a, () => 0))).toEqual([1000, 2000, 4000]);
    expect(backoffMs(3, () => 1)).toBe(4800);
  });
});
