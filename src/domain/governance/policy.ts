// The autonomy policy document (shared/TOOLS.md, SEED-RULES "Autonomy policy" and
// "Budget"): what a sponsor lets one agent do alone, and what must come back to it.
import { z } from 'zod';
import { MarketError } from '../../core/errors.js';

export const AUTONOMY_LEVELS = ['Supervised', 'SemiAutonomous', 'Autonomous'] as const;

/** What a call does, for the policy. Tools declare theirs; the list grows with the tools. */
export const ACTION_TYPES = [
  'Spend',
  'InstallSkill',
  'UseSkill',
  'UninstallSkill',
  'ReviewSkill',
  'PublishSkill',
  'Hire',
  'RespondToContract',
  'ReviewWork',
  'RateCounterparty',
  'UpdateProfile',
  'CreateBounty',
  'SubmitWork',
  'PurchaseData',
  'SellData',
  'Withdraw',
  'Deposit',
  'JoinCoalition',
  'FundCoalition',
  'ManageCoalition',
  'FileDispute',
  'ModifySensitiveData',
  'DeleteResource',
  'SubmitComputeJob',
] as const;
export type ActionType = (typeof ACTION_TYPES)[number];

export const TRIGGER_CONDITIONS = [
  'SpendingExceedsLimit',
  'BudgetThresholdReached',
  'NewCounterparty',
  'LowReputationCounterparty',
  'ActionRequiresApproval',
  'RepeatedFailures',
] as const;
export type TriggerCondition = (typeof TRIGGER_CONDITIONS)[number];

export const TRIGGER_ACTIONS = ['NotifySponsor', 'RequireApproval', 'Deny', 'SuspendAgent'] as const;
export type TriggerAction = (typeof TRIGGER_ACTIONS)[number];

export const BUDGET_PERIODS = ['Daily', 'Weekly', 'Monthly'] as const;
export type BudgetPeriod = (typeof BUDGET_PERIODS)[number];

const sats = z
  .number()
  .int()
  .min(0)
  .max(Number.MAX_SAFE_INTEGER / 1000);

const trigger = z
  .object({
    condition: z.enum(TRIGGER_CONDITIONS),
    action: z.enum(TRIGGER_ACTIONS),
    /** LowReputationCounterparty: reputations (0..1) below this count as low. Default 0.5. */
    min_reputation: z.number().min(0).max(1).optional(),
    /** RepeatedFailures: this many denied calls… (default 3) */
    threshold: z.number().int().min(1).optional(),
    /** …within this many minutes (default 60). */
    window_minutes: z.number().int().min(1).optional(),
  })
  .strict();

const budget = z
  .object({
    period: z.enum(BUDGET_PERIODS),
    limit_sats: sats,
    overage_policy: z.enum(['Block', 'Warn', 'RequireApproval']).default('Block'),
    alert_threshold_pct: z.number().int().min(1).max(100).default(80),
  })
  .strict();

export const policySchema = z
  .object({
    level: z.enum(AUTONOMY_LEVELS),
    action_limits: z
      .object({
        max_transaction_sats: sats.optional(),
        max_daily_spend_sats: sats.optional(),
        requires_approval: z.array(z.enum(ACTION_TYPES)).default([]),
      })
      .strict()
      .default({ requires_approval: [] }),
    counterparties: z
      .object({
        /** When given, paying anyone else needs approval (Autonomous: is denied). */
        allow: z.array(z.string().min(1)).optional(),
        block: z.array(z.string().min(1)).default([]),
      })
      .strict()
      .default({ block: [] }),
    escalation_triggers: z.array(trigger).default([]),
    budgets: z.array(budget).default([]),
    /**
     * Where the agent's compute jobs may run (the seed's org geo policy): every job is
     * routed only to providers in these regions, and its data only to providers that
     * promise to keep it in these, whatever the job itself asks.
     */
    compute_geo: z
      .object({
        allowed_regions: z.array(z.string().min(2).max(32).toLowerCase()).min(1).optional(),
        data_residency: z.array(z.string().min(2).max(32).toLowerCase()).min(1).optional(),
      })
      .strict()
      .optional(),
    /** How long an escalated call waits for the sponsor before it counts as denied. */
    approval_ttl_hours: z
      .number()
      .int()
      .min(1)
      .max(24 * 30)
      .default(24),
  })
  .strict();

export type Policy = z.output<typeof policySchema>;
export type PolicyTrigger = z.output<typeof trigger>;
export type Budget = z.output<typeof budget>;

/** The default policy of a new agent (shared/TOOLS.md). */
export const DEFAULT_POLICY: Policy = policySchema.parse({
  level: 'SemiAutonomous',
  action_limits: { max_transaction_sats: 10_000, max_daily_spend_sats: 50_000, requires_approval: ['Withdraw'] },
  escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
  budgets: [],
});

export function parsePolicy(document: unknown): Policy {
  const parsed = policySchema.safeParse(document);
  if (!parsed.success) {
    const issues = parsed.error.issues.map((i) => ({ path: i.path.join('.') || '(policy)', message: i.message }));
    throw new MarketError('INVALID_INPUT', `Invalid policy: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}.`, { issues });
  }
  return parsed.data;
}
