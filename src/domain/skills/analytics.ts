// The creator dashboard: what a creator's skills earned, from the same usage rows the
// charges wrote (so it agrees with the ledger to the sat).
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';

export type AnalyticsPeriod = 'day' | 'week' | 'month';

export function creatorAnalytics(db: Db, authorId: string, period: AnalyticsPeriod = 'day') {
  const totals = store.creatorTotals(db, authorId);
  const earnings = store.creatorEarnings(db, authorId, period);
  return {
    total_earnings_sats: totals.earnings,
    active_skill_count: totals.activeSkills,
    total_installs: totals.installs,
    average_rating: totals.ratingCount === 0 ? null : Math.round((totals.ratingSum / totals.ratingCount) * 100) / 100,
    earnings_by_period: earnings.map((e) => ({ period: e.period, amount_sats: e.amount })),
    top_skills: store.topSkills(db, authorId, 5).map((s) => ({ slug: s.slug, earnings_sats: s.earnings, installs: s.installs })),
  };
}
