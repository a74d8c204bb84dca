// The policy decision alone: each outcome, each trigger condition and each trigger action.
import { describe, expect, it } from 'vitest';
import { evaluate, type ActionFacts, type UsageFacts } from '../../src/domain/governance/evaluate.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from '../../src/domain/governance/policy.js';
import { periodStart } from '../../src/domain/governance/periods.js';

const spend = (sats: number, ...counterparties: string[]): ActionFacts => ({
  actionType: 'Spend',
  amountMsats: sats * 1000,
  counterparties: counterparties.length > 0 ? counterparties : ['ag_payee'],
});
const facts = (over: Partial<UsageFacts> = {}): UsageFacts => ({
  agentStatus: 'Active',
  spentTodayMsats: 0,
  budgets: [],
  newCounterparties: [],
  counterpartyReputations: [],
  recentDenials: () => 0,
  ...over,
});
const policy = (over: Record<string, unknown> = {}): Policy => parsePolicy({ level: 'SemiAutonomous', ...over });

describe('the default policy (shared/TOOLS.md)', () => {
  it('allows a spend within 10,000 sats, escalates one above, and needs approval to withdraw', () => {
    expect(evaluate(DEFAULT_POLICY, spend(10_000), facts())).toMatchObject({ outcome: 'allow' });
    expect(evaluate(DEFAULT_POLICY, spend(15_000), facts())).toMatchObject({
      outcome: 'escalate',
      rule: 'escalation_triggers.SpendingExceedsLimit→RequireApproval',
    });
    expect(evaluate(DEFAULT_POLICY, { actionType: 'Withdraw', amountMsats: 1000, counterparties: [] }, facts())).toMatchObject({
      outcome: 'escalate',
      rule: 'action_limits.requires_approval',
    });
  });

  it('counts what was already spent today (holds included) against the daily limit', () => {
    expect(evaluate(DEFAULT_POLICY, spend(5_000), facts({ spentTodayMsats: 45_000_000 }))).toMatchObject({ outcome: 'allow' });
    expect(evaluate(DEFAULT_POLICY, spend(5_001), facts({ spentTodayMsats: 45_000_000 }))).toMatchObject({ outcome: 'escalate' });
  });
});

describe('limits without a trigger are hard', () => {
  it('denies with LIMIT_EXCEEDED and names the rule', () => {
    const d = evaluate(policy({ action_limits: { max_transaction_sats: 100 } }), spend(101), facts());
    expect(d).toMatchObject({ outcome: 'deny', code: 'LIMIT_EXCEEDED', rule: 'action_limits.max_transaction_sats' });
    expect(d.reason).toMatch(/101 sats is over the 100 sats per-transaction limit/);
  });
});

describe('trigger actions', () => {
  const over = (action: string) => policy({ action_limits: { max_transaction_sats: 100 }, escalation_triggers: [{ condition: 'SpendingExceedsLimit', action }] });
  it('NotifySponsor lets the call through and tells the sponsor', () => {
    expect(evaluate(over('NotifySponsor'), spend(500), facts())).toMatchObject({
      outcome: 'allow',
      notify: [expect.objectContaining({ rule: 'escalation_triggers.SpendingExceedsLimit→NotifySponsor' })],
    });
  });
  it('RequireApproval escalates', () => {
    expect(evaluate(over('RequireApproval'), spend(500), facts())).toMatchObject({ outcome: 'escalate' });
  });
  it('Deny denies', () => {
    expect(evaluate(over('Deny'), spend(500), facts())).toMatchObject({ outcome: 'deny', code: 'LIMIT_EXCEEDED', suspend: false });
  });
  it('SuspendAgent denies and suspends', () => {
    expect(evaluate(over('SuspendAgent'), spend(500), facts())).toMatchObject({ outcome: 'deny', suspend: true });
  });
  it('deny wins over escalate, escalate over notify', () => {
    const p = policy({
      action_limits: { max_transaction_sats: 100, max_daily_spend_sats: 1000 },
      escalation_triggers: [
        { condition: 'SpendingExceedsLimit', action: 'RequireApproval' },
        { condition: 'NewCounterparty', action: 'Deny' },
      ],
    });
    expect(evaluate(p, spend(500), facts({ newCounterparties: ['ag_payee'] }))).toMatchObject({ outcome: 'deny', rule: 'escalation_triggers.NewCounterparty→Deny' });
  });
});

describe('trigger conditions', () => {
  const on = (condition: string, extra: Record<string, unknown> = {}) => policy({ escalation_triggers: [{ condition, action: 'RequireApproval', ...extra }] });

  it('NewCounterparty: only a first payment to someone', () => {
    expect(evaluate(on('NewCounterparty'), spend(1), facts({ newCounterparties: ['ag_payee'] })).outcome).toBe('escalate');
    expect(evaluate(on('NewCounterparty'), spend(1), facts({ newCounterparties: [] })).outcome).toBe('allow');
  });

  it('LowReputationCounterparty: below min_reputation (default 0.5), unknown does not count', () => {
    expect(evaluate(on('LowReputationCounterparty'), spend(1), facts({ counterpartyReputations: [{ id: 'ag_payee', reputation: 0.3 }] })).outcome).toBe('escalate');
    expect(evaluate(on('LowReputationCounterparty'), spend(1), facts({ counterpartyReputations: [{ id: 'ag_payee', reputation: 0.6 }] })).outcome).toBe('allow');
    expect(evaluate(on('LowReputationCounterparty', { min_reputation: 0.8 }), spend(1), facts({ counterpartyReputations: [{ id: 'ag_payee', reputation: 0.6 }] })).outcome).toBe(
      'escalate',
    );
    expect(evaluate(on('LowReputationCounterparty'), spend(1), facts({ counterpartyReputations: [] })).outcome).toBe('allow');
  });

  it('ActionRequiresApproval: a trigger can turn the approval list into a denial', () => {
    const p = policy({ action_limits: { requires_approval: ['Withdraw'] }, escalation_triggers: [{ condition: 'ActionRequiresApproval', action: 'Deny' }] });
    expect(evaluate(p, { actionType: 'Withdraw', amountMsats: 0, counterparties: [] }, facts())).toMatchObject({ outcome: 'deny', code: 'POLICY_DENIED' });
  });

  it('RepeatedFailures: threshold denials within the window', () => {
    const p = policy({ escalation_triggers: [{ condition: 'RepeatedFailures', action: 'SuspendAgent', threshold: 2, window_minutes: 10 }] });
    expect(evaluate(p, spend(1), facts({ recentDenials: (m) => (m === 10 ? 2 : 0) }))).toMatchObject({ outcome: 'deny', suspend: true });
    expect(evaluate(p, spend(1), facts({ recentDenials: () => 1 })).outcome).toBe('allow');
  });

  it('BudgetThresholdReached: fires once per period when spending crosses the alert threshold', () => {
    const p = policy({
      budgets: [{ period: 'Monthly', limit_sats: 1000, overage_policy: 'Block', alert_threshold_pct: 80 }],
      escalation_triggers: [{ condition: 'BudgetThresholdReached', action: 'NotifySponsor' }],
    });
    const budget = p.budgets[0]!;
    const crossing = evaluate(p, spend(100), facts({ budgets: [{ budget, spentMsats: 750_000, alerted: false }] }));
    expect(crossing).toMatchObject({
      outcome: 'allow',
      budgetAlerts: ['Monthly'],
      notify: [expect.objectContaining({ rule: 'escalation_triggers.BudgetThresholdReached→NotifySponsor' })],
    });
    expect(crossing.warnings[0]).toMatch(/850 sats of the 1,000 sats monthly budget/);
    const again = evaluate(p, spend(10), facts({ budgets: [{ budget, spentMsats: 850_000, alerted: true }] }));
    expect(again).toMatchObject({ outcome: 'allow', budgetAlerts: [], notify: [] });
  });

  it('BudgetThresholdReached → RequireApproval or Deny holds for every call past the threshold, not only the first', () => {
    for (const action of ['RequireApproval', 'Deny'] as const) {
      const p = policy({
        budgets: [{ period: 'Monthly', limit_sats: 1000, overage_policy: 'Block', alert_threshold_pct: 50 }],
        escalation_triggers: [{ condition: 'BudgetThresholdReached', action }],
      });
      // The first call past 50% alerted the sponsor; the next one still needs approval (or is refused).
      const next = evaluate(p, spend(100), facts({ budgets: [{ budget: p.budgets[0]!, spentMsats: 600_000, alerted: true }] }));
      expect(next).toMatchObject({ outcome: action === 'Deny' ? 'deny' : 'escalate', rule: `escalation_triggers.BudgetThresholdReached→${action}`, budgetAlerts: [] });
    }
  });

  it('SpendingExceedsLimit covers both the per-transaction and the daily limit', () => {
    const p = policy({ action_limits: { max_daily_spend_sats: 1000 }, escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }] });
    expect(evaluate(p, spend(600), facts({ spentTodayMsats: 500_000 }))).toMatchObject({ outcome: 'escalate' });
  });
});

describe('budgets by overage policy (SEED-RULES: check_budget)', () => {
  const withBudget = (overage_policy: string) => policy({ budgets: [{ period: 'Daily', limit_sats: 1000, overage_policy }] });
  const over = (p: Policy) => facts({ budgets: [{ budget: p.budgets[0]!, spentMsats: 900_000, alerted: true }] });
  it('Block → ExceededLimit', () => {
    const p = withBudget('Block');
    expect(evaluate(p, spend(200), over(p))).toMatchObject({ outcome: 'deny', code: 'LIMIT_EXCEEDED', rule: 'budgets.Daily' });
  });
  it('Warn → allowed with a warning', () => {
    const p = withBudget('Warn');
    const d = evaluate(p, spend(200), over(p));
    expect(d.outcome).toBe('allow');
    expect(d.warnings[0]).toMatch(/over the 1,000 sats budget/);
  });
  it('RequireApproval → escalated', () => {
    const p = withBudget('RequireApproval');
    expect(evaluate(p, spend(200), over(p)).outcome).toBe('escalate');
  });
  it('periods start at UTC midnight, on Monday, on the first', () => {
    const now = new Date('2026-11-26T23:59:59Z'); // a Thursday
    expect(periodStart('Daily', now)).toBe('2026-11-26');
    expect(periodStart('Weekly', now)).toBe('2026-11-23');
    expect(periodStart('Monthly', now)).toBe('2026-11-01');
  });
});

describe('levels, status and counterparties', () => {
  it('Supervised escalates every acting call, even a free one', () => {
    expect(evaluate(policy({ level: 'Supervised' }), { actionType: 'InstallSkill', amountMsats: 0, counterparties: [] }, facts()).outcome).toBe('escalate');
  });
  it('Autonomous ignores the approval list but keeps hard limits', () => {
    const p = policy({ level: 'Autonomous', action_limits: { max_transaction_sats: 100, requires_approval: ['Withdraw'] } });
    expect(evaluate(p, { actionType: 'Withdraw', amountMsats: 50_000, counterparties: [] }, facts()).outcome).toBe('allow');
    expect(evaluate(p, spend(101), facts()).outcome).toBe('deny');
  });
  it('a Suspended or Terminated agent can do nothing', () => {
    expect(evaluate(DEFAULT_POLICY, spend(1), facts({ agentStatus: 'Suspended' }))).toMatchObject({ outcome: 'deny', rule: 'agent.status.Suspended' });
    expect(evaluate(DEFAULT_POLICY, spend(1), facts({ agentStatus: 'Terminated' }))).toMatchObject({ outcome: 'deny', rule: 'agent.status.Terminated' });
  });
  it('blocked counterparties are denied; outside an allow list needs approval', () => {
    expect(evaluate(policy({ counterparties: { block: ['ag_bad'] } }), spend(1, 'ag_bad'), facts())).toMatchObject({ outcome: 'deny', rule: 'counterparties.block' });
    // Any one of a call's counterparties: a coalition's members, a skill's referrer.
    expect(evaluate(policy({ counterparties: { block: ['ag_bad'] } }), spend(1, 'ag_ok', 'ag_bad'), facts())).toMatchObject({ outcome: 'deny', rule: 'counterparties.block' });
    const allow = policy({ counterparties: { allow: ['ag_friend'] } });
    expect(evaluate(allow, spend(1, 'ag_friend'), facts()).outcome).toBe('allow');
    expect(evaluate(allow, spend(1, 'ag_stranger'), facts())).toMatchObject({ outcome: 'escalate', rule: 'counterparties.allow' });
  });
  it('refuses a malformed policy with the path of each problem', () => {
    expect(() => parsePolicy({ level: 'Reckless' })).toThrow(/level/);
    expect(() => parsePolicy({ level: 'Autonomous', budgets: [{ period: 'Yearly', limit_sats: 1 }] })).toThrow(/budgets\.0\.period/);
  });
});
