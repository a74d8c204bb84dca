// How a skill is priced (SEED-RULES "Skill pricing", TOOLS.md `pricing`). Amounts are
// whole sats; the ledger works in millisats, so every cost must still fit once multiplied
// by 1000. Overflow is an error, never a wrap.
import { z } from 'zod';
import { MarketError } from '../../core/errors.js';
import { MSATS_PER_SAT } from '../money.js';
import type { StoredPricing } from '../../db/json-columns.js';

export const PRICING_MODELS = ['Free', 'OneTime', 'PerCall', 'PerToken', 'Hybrid'] as const satisfies readonly StoredPricing['model'][];
export type PricingModel = (typeof PRICING_MODELS)[number];

type AmountField = 'sats' | 'per_call_sats' | 'per_1k_input_sats' | 'per_1k_output_sats';
const AMOUNT_FIELDS: readonly AmountField[] = ['sats', 'per_call_sats', 'per_1k_input_sats', 'per_1k_output_sats'];

/** Exactly the amounts each model is priced by; anything else on the object is a mistake. */
const FIELDS_OF: Record<PricingModel, readonly AmountField[]> = {
  Free: [],
  OneTime: ['sats'],
  PerCall: ['per_call_sats'],
  PerToken: ['per_1k_input_sats', 'per_1k_output_sats'],
  Hybrid: ['per_call_sats', 'per_1k_input_sats', 'per_1k_output_sats'],
};

/** A cost the ledger can still hold in millisats. */
export const MAX_COST_SATS = Math.floor(Number.MAX_SAFE_INTEGER / MSATS_PER_SAT);

const wholeSats = z.number().int('must be a whole number of sats').min(0, 'must be ≥ 0 sats').max(MAX_COST_SATS, `must be at most ${MAX_COST_SATS} sats`);

export const pricingSchema = z
  .strictObject({
    model: z.enum(PRICING_MODELS),
    sats: wholeSats.optional(),
    per_call_sats: wholeSats.optional(),
    per_1k_input_sats: wholeSats.optional(),
    per_1k_output_sats: wholeSats.optional(),
  })
  .superRefine((pricing, ctx) => {
    const needed = FIELDS_OF[pricing.model];
    for (const field of AMOUNT_FIELDS) {
      const present = pricing[field] !== undefined;
      if (needed.includes(field) && !present) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${pricing.model} pricing needs ${field}` });
      }
      if (!needed.includes(field) && present) {
        ctx.addIssue({ code: 'custom', path: [field], message: `${pricing.model} pricing does not use ${field}; ${usesText(pricing.model)}` });
      }
    }
    // A one-time price of nothing is Free under another name, and would hide from the Free filter.
    if (pricing.model === 'OneTime' && pricing.sats === 0) {
      ctx.addIssue({ code: 'custom', path: ['sats'], message: 'OneTime pricing needs sats > 0; use model Free for a free skill' });
    }
  }) satisfies z.ZodType<StoredPricing>; // what the database stores (src/db/json-columns.ts)

export type Pricing = z.infer<typeof pricingSchema>;

function usesText(model: PricingModel): string {
  const fields = FIELDS_OF[model];
  return fields.length === 0 ? `${model} takes no amounts` : `${model} takes ${fields.join(', ')}`;
}

export interface Usage {
  calls: number;
  inputTokens: number;
  outputTokens: number;
}

export function isMetered(pricing: Pricing): boolean {
  return pricing.model === 'PerCall' || pricing.model === 'PerToken' || pricing.model === 'Hybrid';
}

/** What installing costs: only OneTime is paid at install. */
export function installCostSats(pricing: Pricing): number {
  return pricing.model === 'OneTime' ? (pricing.sats ?? 0) : 0;
}

/** The cost of one usage report, in whole sats, computed exactly. */
export function usageCostSats(pricing: Pricing, usage: Usage): number {
  const calls = usageCount(usage.calls, 'calls');
  const inputTokens = usageCount(usage.inputTokens, 'inputTokens');
  const outputTokens = usageCount(usage.outputTokens, 'outputTokens');
  let cost = 0n;
  if (pricing.model === 'PerCall' || pricing.model === 'Hybrid') {
    cost += calls * amount(pricing, 'per_call_sats');
  }
  if (pricing.model === 'PerToken' || pricing.model === 'Hybrid') {
    cost += perThousandCeil(inputTokens, amount(pricing, 'per_1k_input_sats'));
    cost += perThousandCeil(outputTokens, amount(pricing, 'per_1k_output_sats'));
  }
  return checkedCost(cost);
}

/**
 * One number per pricing to filter and sort the catalogue by. The models are not
 * comparable in general, so this is the price of the model's own unit: the install, a
 * call, a thousand input plus a thousand output tokens, or all of those for Hybrid.
 */
export function referencePriceSats(pricing: Pricing): number {
  switch (pricing.model) {
    case 'Free':
      return 0;
    case 'OneTime':
      return pricing.sats ?? 0;
    case 'PerCall':
      return pricing.per_call_sats ?? 0;
    case 'PerToken':
      return (pricing.per_1k_input_sats ?? 0) + (pricing.per_1k_output_sats ?? 0);
    case 'Hybrid':
      return (pricing.per_call_sats ?? 0) + (pricing.per_1k_input_sats ?? 0) + (pricing.per_1k_output_sats ?? 0);
  }
}

// SEED-RULES: ceil(tokens · per_1k / 1000), so a single token is never free.
function perThousandCeil(tokens: bigint, per1k: bigint): bigint {
  return (tokens * per1k + 999n) / 1000n;
}

function usageCount(value: number, what: keyof Usage): bigint {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new MarketError('INVALID_INPUT', `Usage ${what} must be a whole number ≥ 0, got ${value}.`);
  }
  return BigInt(value);
}

// Pricing usually comes back from the database as JSON, so it is checked again here
// rather than trusted to have passed pricingSchema.
function amount(pricing: Pricing, field: AmountField): bigint {
  const value = pricing[field];
  if (value === undefined || !Number.isSafeInteger(value) || value < 0) {
    throw new MarketError('INVALID_INPUT', `${pricing.model} pricing needs ${field} as a whole number of sats ≥ 0.`);
  }
  return BigInt(value);
}

function checkedCost(cost: bigint): number {
  if (cost > BigInt(MAX_COST_SATS)) {
    throw new MarketError('INVALID_INPUT', `Usage cost ${cost} sats is too large for the ledger (at most ${MAX_COST_SATS} sats): report usage in smaller parts.`, {
      cost_sats: cost.toString(),
    });
  }
  return Number(cost);
}
