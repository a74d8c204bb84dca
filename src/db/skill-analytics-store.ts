// SQL for the creator dashboard. Every figure starts from the same rows: the skill_usage
// rows the charges wrote for the creator's skills, each net of what a resolved dispute
// over it refunded (a dispute over a skill payment claims back the creator's share, so a
// refund never exceeds the share it is netted against).
import { preparedPerConnection, type Db } from './connection.js';

/**
 * The creator's payments with the refund ordered over each (one dispute per payment:
 * disputes_subject_idx). The refund counts from the resolution even when the creator
 * could not repay it all at once: the rest is its debt, not its earnings.
 */
const CREATOR_PAYMENTS = `creator_payments AS (
  SELECT u.id, u.skill_id, u.agent_id, u.calls, u.input_tokens, u.output_tokens, u.cost_sats, u.creator_sats, u.created_at,
    COALESCE(d.refund_msats, 0) / 1000 AS refunded_sats
  FROM skill_usage u JOIN skills s ON s.id = u.skill_id
  LEFT JOIN disputes d ON d.subject_kind = 'skill_usage' AND d.subject_id = u.id AND d.status = 'Resolved'
  WHERE s.author_id = @author
)`;

// strftime's %W on PostgreSQL: weeks start on Monday, the days before the year's first
// Monday are week 00. Taken from the ISO text's date (timestamps are stored in UTC).
const PAYMENT_DAY = 'CAST(substr(created_at, 1, 10) AS date)';
const PG_WEEK = `substr(created_at, 1, 4) || '-W' ||
  lpad(CAST((CAST(extract(doy FROM ${PAYMENT_DAY}) AS integer) + 7 - CAST(extract(isodow FROM ${PAYMENT_DAY}) AS integer)) / 7 AS text), 2, '0')`;

/** A refund counts in the period of the payment it refunds: a period shows what its sales earned in the end. */
export const PERIOD_BUCKETS = {
  day: { sqlite: 'substr(created_at, 1, 10)', postgres: 'substr(created_at, 1, 10)' },
  week: { sqlite: "strftime('%Y-W%W', created_at)", postgres: PG_WEEK },
  month: { sqlite: 'substr(created_at, 1, 7)', postgres: 'substr(created_at, 1, 7)' },
} as const;
export type PeriodBucket = keyof typeof PERIOD_BUCKETS;

/** A sum as an integer: PostgreSQL sums bigints as numeric, which its driver returns as text. */
const int = (sum: string) => `CAST(${sum} AS BIGINT)`;

function prepare(db: Db) {
  const s = db;
  const earningsBy = (bucket: PeriodBucket) =>
    s.prepare(
      `WITH ${CREATOR_PAYMENTS}
       SELECT ${PERIOD_BUCKETS[bucket][s.dialect]} AS period, ${int('SUM(creator_sats) - SUM(refunded_sats)')} AS amount, ${int('SUM(refunded_sats)')} AS refunded
       FROM creator_payments GROUP BY period ORDER BY period DESC LIMIT 60`,
    );
  return {
    totals: s.prepare(
      `WITH ${CREATOR_PAYMENTS}
       SELECT count(CASE WHEN latest_version IS NOT NULL THEN 1 END) AS "activeSkills", ${int('COALESCE(SUM(installs), 0)')} AS installs,
         ${int('COALESCE(SUM(rating_sum), 0)')} AS "ratingSum", ${int('COALESCE(SUM(rating_count), 0)')} AS "ratingCount",
         (SELECT ${int('COALESCE(SUM(creator_sats) - SUM(refunded_sats), 0)')} FROM creator_payments) AS earnings,
         (SELECT ${int('COALESCE(SUM(refunded_sats), 0)')} FROM creator_payments) AS refunded
       FROM skills WHERE author_id = @author`,
    ),
    earnings: { day: earningsBy('day'), week: earningsBy('week'), month: earningsBy('month') },
    topSkills: s.prepare(
      `WITH ${CREATOR_PAYMENTS}
       SELECT s.slug, ${int('COALESCE(SUM(p.creator_sats) - SUM(p.refunded_sats), 0)')} AS earnings, ${int('COALESCE(SUM(p.refunded_sats), 0)')} AS refunded, s.installs
       FROM skills s LEFT JOIN creator_payments p ON p.skill_id = s.id
       WHERE s.author_id = @author GROUP BY s.id ORDER BY earnings DESC, s.installs DESC, s.slug LIMIT @limit`,
    ),
    // Every agent that has one of the creator's skills installed now or ever paid for one;
    // `listed` counts them all, so a capped list says how many it left out.
    byAgent: s.prepare(
      `WITH ${CREATOR_PAYMENTS},
       installed AS (
         SELECT i.agent_id, count(*) AS installs FROM skill_installs i JOIN skills s ON s.id = i.skill_id
         WHERE s.author_id = @author AND i.uninstalled_at IS NULL GROUP BY i.agent_id
       ),
       agent_payments AS (
         SELECT agent_id, ${int('SUM(calls)')} AS calls, ${int('SUM(input_tokens)')} AS input_tokens, ${int('SUM(output_tokens)')} AS output_tokens,
           ${int('SUM(cost_sats)')} AS paid, ${int('SUM(refunded_sats)')} AS refunded, ${int('SUM(creator_sats) - SUM(refunded_sats)')} AS earnings
         FROM creator_payments GROUP BY agent_id
       ),
       payers AS (SELECT agent_id FROM installed UNION SELECT agent_id FROM agent_payments)
       SELECT a.agent_id AS "agentId", COALESCE(i.installs, 0) AS installs, COALESCE(p.calls, 0) AS calls,
         COALESCE(p.input_tokens, 0) AS "inputTokens", COALESCE(p.output_tokens, 0) AS "outputTokens", COALESCE(p.paid, 0) AS paid,
         COALESCE(p.refunded, 0) AS refunded, COALESCE(p.earnings, 0) AS earnings, count(*) OVER () AS listed
       FROM payers a LEFT JOIN installed i ON i.agent_id = a.agent_id LEFT JOIN agent_payments p ON p.agent_id = a.agent_id
       ORDER BY paid DESC, calls DESC, a.agent_id LIMIT @limit`,
    ),
  };
}

const sql = preparedPerConnection(prepare);

export interface CreatorTotals {
  activeSkills: number;
  installs: number;
  ratingSum: number;
  ratingCount: number;
  /** The creator's shares, net of refunds. */
  earnings: number;
  refunded: number;
}
export const creatorTotals = async (db: Db, authorId: string) => (await sql(db).totals.get({ author: authorId })) as CreatorTotals;

export const creatorEarnings = async (db: Db, authorId: string, bucket: PeriodBucket) =>
  (await sql(db).earnings[bucket].all({ author: authorId })) as { period: string; amount: number; refunded: number }[];

export const topSkills = async (db: Db, authorId: string, limit: number) =>
  (await sql(db).topSkills.all({ author: authorId, limit })) as { slug: string; earnings: number; refunded: number; installs: number }[];

export interface AgentUsage {
  agentId: string;
  installs: number;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  paid: number;
  refunded: number;
  earnings: number;
  /** How many agents there are in all, listed or not. */
  listed: number;
}
export const usageByAgent = async (db: Db, authorId: string, limit: number) => (await sql(db).byAgent.all({ author: authorId, limit })) as AgentUsage[];
