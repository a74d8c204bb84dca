// The policy decision, as a pure function of the policy and the facts the gate
// gathered. Deny wins over escalate, escalate over allow; every outcome names its rule.
import type { ErrorCode } from '../../core/errors.js';
import { formatSats, msatsToSats } from '../money.js';
import type { StoredAgentStatus } from '../agents/runway.js';
import type { ActionType, Budget, BudgetPeriod, Policy, PolicyTrigger, TriggerCondition } from './policy.js';

export interface ActionFacts {
  actionType: ActionType;
  amountMsats: number;
  /**
   * Every agent this call can move money to or deal with, the principal one first (the
   * one audits and approvals name). A call that pays nobody names none. The gate judges
   * each against the counterparty rules, and the ledger refuses, during the call, to
   * credit an agent not named here (ledger/payee-scope.ts), so a path cannot forget.
   */
  counterparties: readonly string[];
}

/**
 * Whether the policy keeps this agent from dealing with a counterparty when there is no
 * one to ask (money moved by a third party, a provider chosen by routing): blocked, or
 * outside an allow list.
 */
export function refusesCounterparty(policy: Policy, counterparty: string): boolean {
  const { block, allow } = policy.counterparties;
  return block.includes(counterparty) || (allow !== undefined && !allow.includes(counterparty));
}

/** The counterparties a call names: the agents given, without gaps or repeats, principal first. */
export function parties(...ids: readonly (string | null | undefined)[]): string[] {
  return [...new Set(ids.filter((id): id is string => typeof id === 'string'))];
}

/** How an approval names the parties of a call: one column, so a list is written "a, b". */
export function counterpartyLabel(counterparties: readonly string[]): string | null {
  return counterparties.length === 0 ? null : counterparties.join(', ');
}

export interface UsageFacts {
  agentStatus: StoredAgentStatus;
  /** Spent today before this call, holds included. */
  spentTodayMsats: number;
  budgets: { budget: Budget; spentMsats: number; alerted: boolean }[];
  /** The named counterparties this agent has never paid or dealt with. */
  newCounterparties: readonly string[];
  /** The reputation of each named counterparty that is an agent here. */
  counterpartyReputations: readonly { id: string; reputation: number }[];
  /** Calls of this agent the gate denied in the last `minutes`. */
  recentDenials: (minutes: number) => number;
}

export type Outcome = 'allow' | 'escalate' | 'deny';

export interface Decision {
  outcome: Outcome;
  rule: string;
  reason: string;
  /** For a denial: LIMIT_EXCEEDED for limits and budgets, POLICY_DENIED otherwise. */
  code: ErrorCode;
  /** Things the sponsor hears about whatever the outcome. */
  notify: { rule: string; reason: string }[];
  suspend: boolean;
  warnings: string[];
  /** Budgets whose alert threshold this call reaches for the first time this period. */
  budgetAlerts: BudgetPeriod[];
}

interface Finding {
  severity: 'deny' | 'escalate' | 'notify';
  rule: string;
  reason: string;
  code: ErrorCode;
  suspend?: boolean;
}

export const DEFAULT_MIN_REPUTATION = 0.5;
export const DEFAULT_FAILURE_THRESHOLD = 3;
export const DEFAULT_FAILURE_WINDOW_MINUTES = 60;

const sats = (msats: number) => formatSats(msatsToSats(msats));

export function evaluate(policy: Policy, action: ActionFacts, facts: UsageFacts): Decision {
  const findings: Finding[] = [];
  const notify: Decision['notify'] = [];
  const warnings: string[] = [];
  const budgetAlerts: BudgetPeriod[] = [];

  /**
   * A condition holds: each matching trigger decides what happens; with no trigger
   * the condition's own default applies (null = nothing happens).
   */
  const condition = (
    name: TriggerCondition,
    holds: (t: PolicyTrigger | null) => boolean,
    fallback: Finding['severity'] | null,
    rule: string,
    reason: string,
    code: ErrorCode = 'POLICY_DENIED',
  ) => {
    const triggers = policy.escalation_triggers.filter((t) => t.condition === name);
    if (triggers.length === 0) {
      if (fallback && holds(null)) findings.push({ severity: fallback, rule, reason, code });
      return;
    }
    for (const t of triggers) {
      if (!holds(t)) continue;
      const triggerRule = `escalation_triggers.${name}→${t.action}`;
      if (t.action === 'NotifySponsor') findings.push({ severity: 'notify', rule: triggerRule, reason, code });
      if (t.action === 'RequireApproval') findings.push({ severity: 'escalate', rule: triggerRule, reason, code });
      if (t.action === 'Deny') findings.push({ severity: 'deny', rule: triggerRule, reason, code });
      if (t.action === 'SuspendAgent') findings.push({ severity: 'deny', rule: triggerRule, reason: `${reason}; the agent is suspended`, code, suspend: true });
    }
  };

  if (facts.agentStatus !== 'Active') {
    return decision('deny', `agent.status.${facts.agentStatus}`, `This agent is ${facts.agentStatus}: it can read but not act until its sponsor reactivates it.`, 'POLICY_DENIED');
  }
  for (const cp of action.counterparties) {
    if (policy.counterparties.block.includes(cp)) {
      return decision('deny', 'counterparties.block', `Your sponsor blocks dealings with ${cp}.`, 'POLICY_DENIED');
    }
    if (policy.counterparties.allow && !policy.counterparties.allow.includes(cp)) {
      findings.push({
        severity: policy.level === 'Autonomous' ? 'deny' : 'escalate',
        rule: 'counterparties.allow',
        reason: `${cp} is not on your sponsor's list of allowed counterparties`,
        code: 'POLICY_DENIED',
      });
    }
  }

  if (policy.level === 'Supervised') {
    findings.push({
      severity: 'escalate',
      rule: 'level.Supervised',
      reason: 'a Supervised agent needs approval for every action with a cost or side effect',
      code: 'POLICY_DENIED',
    });
  }
  if (policy.level !== 'Autonomous' && policy.action_limits.requires_approval.includes(action.actionType)) {
    condition('ActionRequiresApproval', () => true, 'escalate', 'action_limits.requires_approval', `${action.actionType} always needs your sponsor's approval`);
  }

  const amount = action.amountMsats;
  if (amount > 0) {
    const { max_transaction_sats: maxTx, max_daily_spend_sats: maxDaily } = policy.action_limits;
    if (maxTx !== undefined && amount > maxTx * 1000) {
      condition(
        'SpendingExceedsLimit',
        () => true,
        'deny',
        'action_limits.max_transaction_sats',
        `${sats(amount)} is over the ${formatSats(maxTx)} per-transaction limit`,
        'LIMIT_EXCEEDED',
      );
    }
    if (maxDaily !== undefined && facts.spentTodayMsats + amount > maxDaily * 1000) {
      condition(
        'SpendingExceedsLimit',
        () => true,
        'deny',
        'action_limits.max_daily_spend_sats',
        `${sats(facts.spentTodayMsats)} already spent today (holds included); ${sats(amount)} more is over the ${formatSats(maxDaily)} daily limit`,
        'LIMIT_EXCEEDED',
      );
    }
    for (const { budget, spentMsats, alerted } of facts.budgets) {
      const limit = budget.limit_sats * 1000;
      const after = spentMsats + amount;
      const threshold = Math.floor((limit * budget.alert_threshold_pct) / 100);
      const rule = `budgets.${budget.period}`;
      if (after > limit) {
        const reason = `${sats(after)} would be spent this ${budget.period.toLowerCase()} period, over the ${formatSats(budget.limit_sats)} budget`;
        if (budget.overage_policy === 'Block') findings.push({ severity: 'deny', rule, reason, code: 'LIMIT_EXCEEDED' });
        if (budget.overage_policy === 'RequireApproval') findings.push({ severity: 'escalate', rule, reason, code: 'LIMIT_EXCEEDED' });
        if (budget.overage_policy === 'Warn') {
          warnings.push(reason);
          notify.push({ rule, reason });
        }
      } else if (after >= threshold) {
        warnings.push(`${sats(after)} of the ${formatSats(budget.limit_sats)} ${budget.period.toLowerCase()} budget used (alert at ${budget.alert_threshold_pct}%)`);
      }
      if (after >= threshold) {
        if (!alerted) budgetAlerts.push(budget.period);
        // The sponsor hears of it once a period; a trigger that asks for approval or refuses
        // applies to every call past the threshold (else a second call walks through).
        condition(
          'BudgetThresholdReached',
          (t) => t?.action !== 'NotifySponsor' || !alerted,
          null,
          rule,
          `the ${budget.period.toLowerCase()} budget passed ${budget.alert_threshold_pct}%`,
        );
      }
    }
  }

  for (const cp of facts.newCounterparties) {
    condition('NewCounterparty', () => true, null, 'escalation_triggers.NewCounterparty', `${cp} is a counterparty this agent has never dealt with`);
  }
  for (const { id, reputation } of facts.counterpartyReputations) {
    condition(
      'LowReputationCounterparty',
      (t) => reputation < (t?.min_reputation ?? DEFAULT_MIN_REPUTATION),
      null,
      'escalation_triggers.LowReputationCounterparty',
      `${id} has a low reputation (${reputation.toFixed(2)})`,
    );
  }
  condition(
    'RepeatedFailures',
    (t) => facts.recentDenials(t?.window_minutes ?? DEFAULT_FAILURE_WINDOW_MINUTES) >= (t?.threshold ?? DEFAULT_FAILURE_THRESHOLD),
    null,
    'escalation_triggers.RepeatedFailures',
    'this agent has had repeated denied calls recently',
  );

  const deny = findings.find((f) => f.severity === 'deny');
  const escalate = findings.find((f) => f.severity === 'escalate');
  for (const f of findings) if (f.severity === 'notify') notify.push({ rule: f.rule, reason: f.reason });
  const suspend = findings.some((f) => f.suspend === true);
  if (deny) return decision('deny', deny.rule, capitalise(deny.reason), deny.code, suspend);
  if (escalate) return decision('escalate', escalate.rule, capitalise(escalate.reason), escalate.code);
  return decision('allow', 'allowed', 'Within policy.', 'POLICY_DENIED');

  function decision(outcome: Outcome, rule: string, reason: string, code: ErrorCode, suspendAgent = false): Decision {
    return { outcome, rule, reason, code, notify, suspend: suspendAgent, warnings, budgetAlerts };
  }
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
