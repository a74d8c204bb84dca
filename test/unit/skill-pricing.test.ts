import { describe, expect, it } from 'vitest';
import { MarketError } from '../../src/core/errors.js';
import { installCostSats, isMetered, MAX_COST_SATS, pricingSchema, referencePriceSats, usageCostSats, type Pricing } from '../../src/domain/skills/pricing.js';

const usage = (calls: number, inputTokens: number, outputTokens: number) => ({ calls, inputTokens, outputTokens });

function expectMarketError(run: () => unknown, code: string, message?: RegExp): void {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MarketError);
    expect((error as MarketError).code).toBe(code);
    if (message) expect((error as MarketError).message).toMatch(message);
    return;
  }
  throw new Error('expected a MarketError');
}

function issues(value: unknown): string[] {
  const parsed = pricingSchema.safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('usage cost (SEED-RULES "Skill pricing")', () => {
  it('charges per token, rounding each side up: per_1k 10/20, tokens 1500/800 → 15 + 16 = 31', () => {
    const pricing: Pricing = { model: 'PerToken', per_1k_input_sats: 10, per_1k_output_sats: 20 };
    expect(usageCostSats(pricing, usage(0, 1500, 800))).toBe(31);
  });

  it('never makes a token free: 1 token at 1 sat per 1k costs 1 sat, 1000 tokens cost 1, 1001 cost 2', () => {
    const pricing: Pricing = { model: 'PerToken', per_1k_input_sats: 1, per_1k_output_sats: 0 };
    expect(usageCostSats(pricing, usage(0, 1, 0))).toBe(1);
    expect(usageCostSats(pricing, usage(0, 1000, 0))).toBe(1);
    expect(usageCostSats(pricing, usage(0, 1001, 0))).toBe(2);
    expect(usageCostSats(pricing, usage(0, 0, 0))).toBe(0);
    expect(usageCostSats(pricing, usage(0, 0, 5000))).toBe(0);
  });

  it('charges per call', () => {
    expect(usageCostSats({ model: 'PerCall', per_call_sats: 7 }, usage(3, 1500, 800))).toBe(21);
  });

  it('charges Hybrid as calls plus tokens', () => {
    const pricing: Pricing = { model: 'Hybrid', per_call_sats: 5, per_1k_input_sats: 10, per_1k_output_sats: 20 };
    expect(usageCostSats(pricing, usage(2, 1500, 800))).toBe(10 + 31);
  });

  it('charges nothing for use of Free and OneTime skills', () => {
    expect(usageCostSats({ model: 'Free' }, usage(100, 1_000_000, 1_000_000))).toBe(0);
    expect(usageCostSats({ model: 'OneTime', sats: 500 }, usage(100, 1_000_000, 1_000_000))).toBe(0);
  });

  it('charges up to the largest cost the ledger holds, and rounds past it into an error', () => {
    const pricing: Pricing = { model: 'PerToken', per_1k_input_sats: 1, per_1k_output_sats: 1 };
    expect(usageCostSats(pricing, usage(0, MAX_COST_SATS * 1000, 0))).toBe(MAX_COST_SATS);
    expect(() => usageCostSats(pricing, usage(0, MAX_COST_SATS * 1000 + 1, 0))).toThrow(/too large/);
  });

  it('treats a cost the ledger cannot hold as an error, never a wrap', () => {
    expect(usageCostSats({ model: 'PerCall', per_call_sats: MAX_COST_SATS }, usage(1, 0, 0))).toBe(MAX_COST_SATS);
    expectMarketError(() => usageCostSats({ model: 'PerCall', per_call_sats: MAX_COST_SATS }, usage(2, 0, 0)), 'INVALID_INPUT', /too large/);
    expectMarketError(
      () => usageCostSats({ model: 'PerToken', per_1k_input_sats: 1_000_000, per_1k_output_sats: 0 }, usage(0, Number.MAX_SAFE_INTEGER, 0)),
      'INVALID_INPUT',
      /too large/,
    );
  });

  it('rejects negative or fractional usage', () => {
    const pricing: Pricing = { model: 'Hybrid', per_call_sats: 1, per_1k_input_sats: 1, per_1k_output_sats: 1 };
    expectMarketError(() => usageCostSats(pricing, usage(-1, 0, 0)), 'INVALID_INPUT', /calls/);
    expectMarketError(() => usageCostSats(pricing, usage(0, 1.5, 0)), 'INVALID_INPUT', /inputTokens/);
    expectMarketError(() => usageCostSats(pricing, usage(0, 0, Number.NaN)), 'INVALID_INPUT', /outputTokens/);
    expectMarketError(() => usageCostSats(pricing, usage(0, Number.POSITIVE_INFINITY, 0)), 'INVALID_INPUT');
  });
});

describe('install cost, metering and reference price', () => {
  const free: Pricing = { model: 'Free' };
  const oneTime: Pricing = { model: 'OneTime', sats: 500 };
  const perCall: Pricing = { model: 'PerCall', per_call_sats: 7 };
  const perToken: Pricing = { model: 'PerToken', per_1k_input_sats: 10, per_1k_output_sats: 20 };
  const hybrid: Pricing = { model: 'Hybrid', per_call_sats: 5, per_1k_input_sats: 10, per_1k_output_sats: 20 };

  it('charges at install only for OneTime', () => {
    expect([free, oneTime, perCall, perToken, hybrid].map(installCostSats)).toEqual([0, 500, 0, 0, 0]);
  });

  it('meters PerCall, PerToken and Hybrid', () => {
    expect([free, oneTime, perCall, perToken, hybrid].map(isMetered)).toEqual([false, false, true, true, true]);
  });

  it('gives one comparable price per model: the install, a call, 1k in + 1k out, or all of them', () => {
    expect([free, oneTime, perCall, perToken, hybrid].map(referencePriceSats)).toEqual([0, 500, 7, 30, 35]);
  });
});

describe('pricing schema (TOOLS.md `pricing`)', () => {
  it('accepts each model with exactly the amounts it uses', () => {
    for (const pricing of [
      { model: 'Free' },
      { model: 'OneTime', sats: 1 },
      { model: 'PerCall', per_call_sats: 0 },
      { model: 'PerToken', per_1k_input_sats: 10, per_1k_output_sats: 20 },
      { model: 'Hybrid', per_call_sats: 5, per_1k_input_sats: 10, per_1k_output_sats: 20 },
    ]) {
      expect(issues(pricing)).toEqual([]);
    }
  });

  it('names each amount a model needs but lacks', () => {
    expect(issues({ model: 'OneTime' })).toEqual(['sats: OneTime pricing needs sats']);
    expect(issues({ model: 'PerCall' })).toEqual(['per_call_sats: PerCall pricing needs per_call_sats']);
    expect(issues({ model: 'PerToken', per_1k_input_sats: 10 })).toEqual(['per_1k_output_sats: PerToken pricing needs per_1k_output_sats']);
    expect(issues({ model: 'Hybrid', per_1k_input_sats: 1, per_1k_output_sats: 1 })).toEqual(['per_call_sats: Hybrid pricing needs per_call_sats']);
  });

  it('rejects amounts a model does not use, saying what it takes', () => {
    expect(issues({ model: 'Free', sats: 10 })).toEqual(['sats: Free pricing does not use sats; Free takes no amounts']);
    expect(issues({ model: 'PerCall', per_call_sats: 1, sats: 10 })).toEqual(['sats: PerCall pricing does not use sats; PerCall takes per_call_sats']);
    expect(issues({ model: 'PerToken', per_call_sats: 1, per_1k_input_sats: 1, per_1k_output_sats: 1 })).toEqual([
      'per_call_sats: PerToken pricing does not use per_call_sats; PerToken takes per_1k_input_sats, per_1k_output_sats',
    ]);
    expect(issues({ model: 'OneTime', sats: 5, per_1k_output_sats: 1 })).toHaveLength(1);
  });

  it('rejects a free OneTime price, unknown fields and models, and anything but whole non-negative sats', () => {
    expect(issues({ model: 'OneTime', sats: 0 })).toEqual(['sats: OneTime pricing needs sats > 0; use model Free for a free skill']);
    expect(issues({ model: 'Free', price: 10 })).not.toEqual([]);
    expect(issues({ model: 'Subscription' })).not.toEqual([]);
    expect(issues({ model: 'PerCall', per_call_sats: -1 })).not.toEqual([]);
    expect(issues({ model: 'PerCall', per_call_sats: 1.5 })).not.toEqual([]);
    expect(issues({ model: 'PerCall', per_call_sats: '5' })).not.toEqual([]);
    expect(issues({ model: 'PerCall', per_call_sats: MAX_COST_SATS + 1 })).not.toEqual([]);
  });
});
