// The creator dashboard: what a creator's skills earned, from the same usage rows the
// charges wrote (so it agrees with the ledger to the sat), net of what disputes refunded.
// Usage is reported by the payers themselves (marketplace_record_skill_usage), so the
// dashboard shows it per paying agent: a creator can see who reports what and dispute
// nothing it cannot check.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skill-analytics-store.js';

export type AnalyticsPeriod = store.PeriodBucket;

/** The most paying agents listed, biggest payers first; by_agent_omitted counts the rest. */
export const MAX_LISTED_AGENTS = 100;
const TOP_SKILLS = 5;

export async function creatorAnalytics(db: Db, authorId: string, period: AnalyticsPeriod = 'day') {
  const totals = await store.creatorTotals(db, authorId);
  const byAgent = await store.usageByAgent(db, authorId, MAX_LISTED_AGENTS);
  return {
    total_earnings_sats: totals.earnings,
    refunded_sats: totals.refunded,
    active_skill_count: totals.activeSkills,
    total_installs: totals.installs,
    average_rating: totals.ratingCount === 0 ? null : Math.round((totals.ratingSum / totals.ratingCount) * 100) / 100,
    earnings_by_period: (await store.creatorEarnings(db, authorId, period)).map((e) => ({ period: e.period, amount_sats: e.amount, refunded_sats: e.refunded })),
    top_skills: (await store.topSkills(db, authorId, TOP_SKILLS)).map((s) => ({ slug: s.slug, earnings_sats: s.earnings, refunded_sats: s.refunded, installs: s.installs })),
    by_agent: byAgent.map((a) => ({
      agent_id: a.agentId,
      installs: a.installs,
      calls: a.calls,
      input_tokens: a.inputTokens,
      output_tokens: a.outputTokens,
      paid_sats: a.paid,
      refunded_sats: a.refunded,
      earnings_sats: a.earnings,
    })),
    by_agent_omitted: Math.max(0, (byAgent[0]?.listed ?? 0) - byAgent.length),
  };
}
