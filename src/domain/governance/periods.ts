// Budget periods in UTC: a Daily budget restarts at midnight, Weekly on Monday, Monthly
// on the first. Pure, so limits near midnight are tested without waiting for one.
import type { BudgetPeriod } from './policy.js';

/** The first day (YYYY-MM-DD) of the period containing `now`. */
export function periodStart(period: BudgetPeriod, now: Date): string {
  const day = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate()));
  if (period === 'Weekly') day.setUTCDate(day.getUTCDate() - ((day.getUTCDay() + 6) % 7));
  if (period === 'Monthly') day.setUTCDate(1);
  return day.toISOString().slice(0, 10);
}

/** The first day (YYYY-MM-DD) of the period after the one containing `now`: where this one ends. */
export function periodEnd(period: BudgetPeriod, now: Date): string {
  const start = new Date(`${periodStart(period, now)}T00:00:00.000Z`);
  if (period === 'Daily') start.setUTCDate(start.getUTCDate() + 1);
  if (period === 'Weekly') start.setUTCDate(start.getUTCDate() + 7);
  if (period === 'Monthly') start.setUTCMonth(start.getUTCMonth() + 1);
  return start.toISOString().slice(0, 10);
}
