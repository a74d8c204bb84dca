// What an agent has spent, counted as the gate counts it against limits and budgets
// (SEED-RULES "Holds count as spend"): posted debits except corrections and ordered
// refunds, plus holds still pending, each on the UTC day its money was reserved. The
// gate decides on these numbers and the console shows the same ones, so a gauge never
// disagrees with the refusal it warns of.
import type { Db } from '../../db/connection.js';
import { dailyDebitsByDay, dailyDebitsSince, pendingHoldsByDay, pendingHoldsSince } from '../../db/ledger-store.js';
import { BURN_WINDOW_DAYS } from '../agents/runway.js';
import type { Clock } from '../clock.js';
import { agentAccountId } from '../ledger/accounts.js';
import { NOT_LIMITED_ENTRY_TYPES } from '../ledger/entry-types.js';
import { utcDay } from '../ledger/transfers.js';
import { periodEnd, periodStart } from './periods.js';
import type { Budget, BudgetPeriod, Policy } from './policy.js';
import { mapInOrder } from '../../core/in-order.js';

const NOT_SPENDING = new Set<string>(NOT_LIMITED_ENTRY_TYPES);
const DAY_MS = 86_400_000;

/**
 * The daily limit has no alert threshold of its own; its gauge warns where a budget's
 * does by default (policy.ts: alert_threshold_pct defaults to 80).
 */
export const DAILY_LIMIT_WARNING_PCT = 80;

/** Spending from the start of `day` (YYYY-MM-DD, UTC) until now, holds included. */
export async function spentSince(db: Db, accountId: string, day: string): Promise<number> {
  let posted = 0;
  for (const [entryType, total] of await dailyDebitsSince(db, accountId, day)) if (!NOT_SPENDING.has(entryType)) posted += total;
  return posted + (await pendingHoldsSince(db, accountId, `${day}T00:00:00.000Z`));
}

export interface DaySpend {
  day: string;
  spentMsats: number;
}

/** Spending on each of the last `days` UTC days, oldest first and today last; days without any are 0. */
export async function dailySpend(db: Db, clock: Clock, agentId: string, days: number): Promise<DaySpend[]> {
  const account = agentAccountId(agentId);
  const now = clock.now().getTime();
  const series = Array.from({ length: days }, (_, i) => ({ day: utcDay(new Date(now - (days - 1 - i) * DAY_MS).toISOString()), spentMsats: 0 }));
  const byDay = new Map(series.map((d) => [d.day, d]));
  const first = series[0]!.day;
  for (const row of await dailyDebitsByDay(db, account, first)) {
    const entry = byDay.get(row.day);
    if (entry && !NOT_SPENDING.has(row.entryType)) entry.spentMsats += row.total;
  }
  for (const [day, total] of await pendingHoldsByDay(db, account, first)) {
    const entry = byDay.get(day);
    if (entry) entry.spentMsats += total;
  }
  return series;
}

/** ok below the warning line, warning from it, over past the limit. */
export type GaugeState = 'ok' | 'warning' | 'over';

export function gaugeState(spentMsats: number, warningMsats: number, limitMsats: number): GaugeState {
  if (spentMsats > limitMsats) return 'over';
  return spentMsats >= warningMsats ? 'warning' : 'ok';
}

export interface BudgetUsage {
  budget: Budget;
  /** First day of the period, and the first day after it (YYYY-MM-DD). */
  periodStart: string;
  periodEnd: string;
  spentMsats: number;
  limitMsats: number;
  /** Where the sponsor is alerted (alert_threshold_pct of the limit). */
  alertMsats: number;
  /** Spent by the period's end if the agent keeps its recent burn rate. */
  projectedMsats: number;
  state: GaugeState;
  projectedState: GaugeState;
  /** The day the limit is reached at that rate, when that falls inside this period. */
  limitReachedOn: string | null;
}

export interface SpendingSummary {
  spentTodayMsats: number;
  dailyLimitMsats: number | null;
  dailyState: GaugeState;
  /** The last BURN_WINDOW_DAYS days' spending: the rate projections assume. */
  burnWindowMsats: number;
  budgets: BudgetUsage[];
}

/** Today's spend against the daily limit and each budget of the policy, with its projection. */
export async function spendingSummary(db: Db, clock: Clock, agentId: string, policy: Policy): Promise<SpendingSummary> {
  const account = agentAccountId(agentId);
  const now = clock.now();
  const burnWindowMsats = (await dailySpend(db, clock, agentId, BURN_WINDOW_DAYS)).reduce((sum, d) => sum + d.spentMsats, 0);
  const spentTodayMsats = await spentSince(db, account, utcDay(now.toISOString()));
  const daily = policy.action_limits.max_daily_spend_sats;
  const dailyLimitMsats = daily === undefined ? null : daily * 1000;
  return {
    spentTodayMsats,
    dailyLimitMsats,
    dailyState: dailyLimitMsats === null ? 'ok' : gaugeState(spentTodayMsats, percentOf(dailyLimitMsats, DAILY_LIMIT_WARNING_PCT), dailyLimitMsats),
    burnWindowMsats,
    budgets: await mapInOrder(policy.budgets, async (budget) => budgetUsage(budget, await spentSince(db, account, periodStart(budget.period, now)), burnWindowMsats, now)),
  };
}

/** One budget's gauge: pure, so a projection near a period's end is tested without waiting for one. */
export function budgetUsage(budget: Budget, spentMsats: number, burnWindowMsats: number, now: Date): BudgetUsage {
  const period: BudgetPeriod = budget.period;
  const start = periodStart(period, now);
  const end = periodEnd(period, now);
  const remainingMs = Math.max(0, Date.parse(`${end}T00:00:00.000Z`) - now.getTime());
  const limitMsats = budget.limit_sats * 1000;
  const alertMsats = percentOf(limitMsats, budget.alert_threshold_pct);
  // spent + rate · remaining, with rate = burnWindow / window: exact in BigInt, rounded down.
  const windowMs = BigInt(BURN_WINDOW_DAYS * DAY_MS);
  const projectedMsats = spentMsats + Number((BigInt(burnWindowMsats) * BigInt(remainingMs)) / windowMs);
  let limitReachedOn: string | null = null;
  if (spentMsats < limitMsats && burnWindowMsats > 0) {
    const untilMs = Number((BigInt(limitMsats - spentMsats) * windowMs) / BigInt(burnWindowMsats));
    if (untilMs < remainingMs) limitReachedOn = utcDay(new Date(now.getTime() + untilMs).toISOString());
  }
  return {
    budget,
    periodStart: start,
    periodEnd: end,
    spentMsats,
    limitMsats,
    alertMsats,
    projectedMsats,
    state: gaugeState(spentMsats, alertMsats, limitMsats),
    projectedState: gaugeState(projectedMsats, alertMsats, limitMsats),
    limitReachedOn,
  };
}

function percentOf(msats: number, pct: number): number {
  return Math.floor((msats * pct) / 100);
}
