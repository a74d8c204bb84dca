// The invariant checker: run against the database after every restart and at the end.
// It trusts no summary the server keeps; each check recomputes from the rows that record
// what happened (transfers, holds, audit log, idempotency records, deals). Its SQL runs on
// both engines (SQLite, PostgreSQL): the same text, so the same invariants on either.
import { periodStart } from '../dist/domain/governance/periods.js';
import { DEFAULT_POLICY } from '../dist/domain/governance/policy.js';
import { ESCROW, EXTERNAL_LIGHTNING } from '../dist/domain/ledger/accounts.js';
import { verifyLedger } from '../dist/domain/ledger/verify.js';
import { canonicalHash } from '../dist/core/canonical-json.js';
import { DEFAULT_MIN_QUALITY, scoreTrajectory } from '../dist/domain/trajectories/quality.js';

/** Tools whose every keyed success creates exactly one row: the row's id comes back in the result. */
const CREATED_BY_KEY = [
  { tool: 'marketplace_send_payment', field: 'transfer_id', sql: `SELECT id FROM transfers WHERE debit_account_id = 'agent:' || ? AND memo LIKE 'sim:%'` },
  { tool: 'marketplace_hire_agent', field: 'contract_id', sql: 'SELECT id FROM contracts WHERE hirer_id = ?' },
  { tool: 'marketplace_create_bounty', field: 'bounty_id', sql: 'SELECT id FROM bounties WHERE creator_id = ?' },
  { tool: 'marketplace_propose_coalition', field: 'coalition_id', sql: 'SELECT id FROM coalitions WHERE funder_id = ?' },
  { tool: 'marketplace_create_data_listing', field: 'listing_id', sql: 'SELECT id FROM data_listings WHERE seller_id = ?' },
  { tool: 'marketplace_purchase_data', field: 'purchase_id', sql: 'SELECT id FROM data_purchases WHERE buyer_id = ?' },
  { tool: 'marketplace_withdraw', field: 'withdrawal_id', sql: 'SELECT id FROM withdrawals WHERE agent_id = ?' },
  { tool: 'marketplace_create_topup_invoice', field: 'invoice_id', sql: `SELECT id FROM lightning_invoices WHERE owner_id = ?` },
  { tool: 'marketplace_submit_compute_job', field: 'job_id', sql: 'SELECT id FROM compute_jobs WHERE agent_id = ?' },
];

/**
 * No write transaction of the server may hold SQLite's write lock longer than this (ms),
 * as the server itself measures it (src/db/connection.ts, AGENT_MARKETPLACE_LOCK_TRACE):
 * every reader on the file and every other process waits that long. Chosen from runs on
 * this machine's kind (2 vCPU shared with other work): see README, Simulation.
 */
export const WRITE_LOCK_BOUND_MS = 2_000;

/** Entry types that give the blocked agent back its own money (a refund a dispute ordered, a reversal), not a payment. */
const RETURNS = ['Refund', 'Reversal'];

const OPEN_CONTRACT = ['Proposed', 'InProgress', 'Delivered', 'Rejected', 'Disputed'];

/**
 * Returns a list of violations (empty when every invariant holds).
 * `swept`: the expiry sweep has just run at `now`, so nothing due may still be pending.
 * `drained`: withdrawals and paid deposits have been settled, so none may be left open.
 * `wallet` (nwc rail): the simulated wallet's own record and how far its balance moved.
 * `progress`: what earlier checks of this run have proven, carried to the next (see checkLimits).
 * `raw`: the raw HTTP sender's keys (world.raw: refused ones, ones sent over both paths), see checkRawHttp.
 */
export async function checkInvariants(db, { now, swept = false, drained = false, wallet = null, progress = null, lock = null, loopback = null, raw = null } = {}) {
  const problems = [];
  const fail = (invariant, message, row) => problems.push({ invariant, message, ...(row ? { row } : {}) });

  if (lock && lock.maxMs > WRITE_LOCK_BOUND_MS) {
    const longest = lock.over.filter((o) => o.ms > WRITE_LOCK_BOUND_MS);
    fail('no call holds the write lock too long', `the server held the write lock ${lock.maxMs} ms, over the ${WRITE_LOCK_BOUND_MS} ms bound`, longest.slice(0, 5));
  }
  if (loopback && loopback.adminHits > 0) {
    fail(
      'outbound fetches reach only public addresses',
      `the loopback admin port was asked ${loopback.adminHits} times on behalf of an agent (last: ${loopback.lastAdminRequest})`,
    );
  }

  const ledger = await verifyLedger(db);
  for (const p of ledger.problems) fail('ledger verify', `[${p.kind}] ${p.message}`, p.row);

  // One snapshot for everything below, even while the server keeps writing.
  await db.read(async (tx) => {
    const all = (sql, ...params) => tx.prepare(sql).all(...params);
    for (const a of await all(
      `SELECT id, credits_posted_msats - debits_posted_msats - debits_pending_msats AS available FROM accounts WHERE allow_negative = 0 AND credits_posted_msats - debits_posted_msats - debits_pending_msats < 0`,
    )) {
      fail('no available balance below zero', `account ${a.id} has ${a.available} msats available`);
    }
    const [escrow] = await all('SELECT credits_posted_msats - debits_posted_msats AS posted FROM accounts WHERE id = ?', ESCROW.id);
    if (escrow && escrow.posted !== 0) fail('escrow pays out what it posts', `escrow holds ${escrow.posted} msats posted but unpaid`);

    await checkIdempotency(all, fail);
    await checkApprovals(all, fail);
    await checkLimits(all, fail, progress);
    await checkHolds(all, fail, { now, swept, drained });
    await checkPayouts(all, fail);
    await checkTrajectories(all, fail);
    await checkBlocked(all, fail);
    if (raw) await checkRawHttp(all, fail, raw);
    if (wallet) await checkWallet(all, fail, wallet, { drained });
  });
  return problems;
}

/** Each idempotency key had at most one effect, and every effect has its key. */
async function checkIdempotency(all, fail) {
  const executed = (row) => {
    const result = JSON.parse(row.result_json);
    return result.status === 'pending_approval' ? null : result;
  };
  const keysOf = (tool) => all('SELECT caller_id, key, result_json FROM idempotency_keys WHERE tool = ?', tool);
  const agents = (await all(`SELECT id FROM agents`)).map((a) => a.id);
  for (const { tool, field, sql } of CREATED_BY_KEY) {
    const byCaller = new Map();
    for (const row of await keysOf(tool)) {
      const result = executed(row);
      if (!result) continue;
      const ids = byCaller.get(row.caller_id) ?? new Map();
      byCaller.set(row.caller_id, ids);
      const id = result[field];
      if (ids.has(id)) fail('each idempotency key has at most one effect', `${tool}: keys ${ids.get(id)} and ${row.key} both claim ${id}`);
      ids.set(id, row.key);
    }
    const callers = new Set([...byCaller.keys(), ...agents]);
    for (const caller of callers) {
      const claimed = byCaller.get(caller) ?? new Map();
      const made = new Set((await all(sql, caller)).map((r) => r.id));
      for (const [id, key] of claimed)
        if (!made.has(id)) fail('each idempotency key has at most one effect', `${tool}: key ${key} of ${caller} answered ${id}, which does not exist`);
      for (const id of made)
        if (!claimed.has(id)) fail('each idempotency key has at most one effect', `${tool}: ${id} of ${caller} was made by no recorded key (a second effect of a retried call?)`);
    }
  }
  // Skill usage creates no id; count charges against keys instead.
  const usageKeys = new Map();
  for (const row of await keysOf('marketplace_record_skill_usage')) if (executed(row)) usageKeys.set(row.caller_id, (usageKeys.get(row.caller_id) ?? 0) + 1);
  for (const row of await all(`SELECT agent_id, count(*) AS n FROM skill_usage WHERE kind = 'usage' GROUP BY agent_id`)) {
    const keys = usageKeys.get(row.agent_id) ?? 0;
    if (keys !== row.n) fail('each idempotency key has at most one effect', `agent ${row.agent_id} was charged for skill usage ${row.n} times under ${keys} keys`);
    usageKeys.delete(row.agent_id);
  }
  for (const [agent, keys] of usageKeys) fail('each idempotency key has at most one effect', `agent ${agent} has ${keys} usage keys but no charge`);
  for (const row of await all(`SELECT reference, count(*) AS n FROM transfers WHERE entry_type = 'Deposit' AND reference IS NOT NULL GROUP BY reference HAVING count(*) > 1`)) {
    fail('each deposit is credited once', `payment hash ${row.reference} was credited ${row.n} times`);
  }
}

/** No approval ran twice, or after a denial, or after it expired. */
async function checkApprovals(all, fail) {
  const granted = new Map(
    (await all(`SELECT approval_id, count(*) AS n, min(created_at) AS at FROM audit_log WHERE rule = 'approval.granted' GROUP BY approval_id`)).map((r) => [r.approval_id, r]),
  );
  for (const a of await all('SELECT id, status, expires_at, decided_at, idempotency_key, agent_id, tool, result_json FROM approvals')) {
    const g = granted.get(a.id);
    if (g && g.n > 1) fail('no approval runs twice', `approval ${a.id} ran ${g.n} times`);
    if (g && !['executed', 'failed'].includes(a.status)) fail('no approval runs after denial or expiry', `approval ${a.id} is ${a.status} but ran`);
    if (!g && ['executed', 'failed'].includes(a.status)) fail('no approval runs twice', `approval ${a.id} is ${a.status} with no record of running`);
    if (g && g.at >= a.expires_at) fail('no approval runs after denial or expiry', `approval ${a.id} ran at ${g.at}, after it expired at ${a.expires_at}`);
    if (a.status === 'executed' && a.idempotency_key) {
      const [row] = await all('SELECT result_json FROM idempotency_keys WHERE caller_id = ? AND tool = ? AND key = ?', a.agent_id, a.tool, a.idempotency_key);
      if (!row || row.result_json !== a.result_json) fail('no approval runs twice', `approval ${a.id} ran, but its key ${a.idempotency_key} does not answer its result`);
    }
  }
}

/**
 * No limit was exceeded: every spend the policy allowed alone (not a sponsor's approval)
 * fitted the per-transaction limit, and, counted the way the gate counts (debits of the
 * period, a posted hold's from the day it was reserved, plus holds opened in it and still
 * pending), the daily limit and every
 * blocking budget. Spending is reconstructed from the transfers and holds as they stood
 * just before the decision; ties on the same millisecond are given to the agent.
 *
 * A decision's verdict cannot change later (transfers are append-only, a hold resolved
 * later still counts as held at the decision, clocks only move forward), so with
 * `progress` each decision is checked once in a run: re-proving them all after every
 * restart grew quadratically and took seconds per check on a 100k-step database. The
 * final check passes no progress and proves every decision again.
 */
async function checkLimits(all, fail, progress) {
  const policies = new Map((await all('SELECT agent_id, version, document FROM policies')).map((p) => [`${p.agent_id}#${p.version}`, JSON.parse(p.document)]));
  const decisions = await all(
    `SELECT seq, agent_id, tool, amount_msats, policy_version, rule, created_at FROM audit_log
    WHERE outcome = 'allowed' AND caller_role = 'agent' AND amount_msats > 0 AND rule NOT LIKE 'approval.%' AND seq > ? ORDER BY seq`,
    progress?.decisionsThrough ?? 0,
  );
  if (progress && decisions.length > 0) progress.decisionsThrough = decisions.at(-1).seq;
  const reserved = await withdrawalHolds(all, decisions);
  for (const d of decisions) {
    // A withdrawal holds its amount and its fee reserve: the agent can be charged both, so both count against the limits.
    if (reserved.has(d.seq)) d.amount_msats = Math.max(d.amount_msats, reserved.get(d.seq));
    const policy = policies.get(`${d.agent_id}#${d.policy_version}`) ?? DEFAULT_POLICY;
    const exceedingIsAllowed = (policy.escalation_triggers ?? []).some((t) => t.condition === 'SpendingExceedsLimit' && t.action === 'NotifySponsor');
    const limits = policy.action_limits ?? {};
    const what = `${d.tool} of ${d.amount_msats} msats by ${d.agent_id} at ${d.created_at} (policy v${d.policy_version})`;
    if (!exceedingIsAllowed && limits.max_transaction_sats !== undefined && d.amount_msats > limits.max_transaction_sats * 1000) {
      fail('no limit is exceeded', `${what} is over the ${limits.max_transaction_sats}-sat per-transaction limit`);
    }
    const spentBefore = async (sinceDay) => {
      // A posted hold counts from when it was reserved (holds.created_at), the rest when posted;
      // refunds a dispute ordered and reversals are not spending.
      const [posted] = await all(
        `SELECT CAST(COALESCE(SUM(t.amount_msats), 0) AS BIGINT) AS total FROM transfers t LEFT JOIN holds h ON h.id = t.pending_id
         WHERE t.debit_account_id = 'agent:' || ? AND t.phase IN ('posted', 'post') AND t.entry_type NOT IN ('Reversal', 'Refund')
         AND COALESCE(h.created_at, t.created_at) >= ? AND t.created_at < ?`,
        d.agent_id,
        `${sinceDay}T00:00:00.000Z`,
        d.created_at,
      );
      // A hold existed from its pending transfer on; it counts from holds.created_at, which is
      // earlier for the rest of a bounty's reward held again after a payment.
      const [held] = await all(
        `SELECT CAST(COALESCE(SUM(h.amount_msats), 0) AS BIGINT) AS total FROM holds h JOIN transfers p ON p.id = h.id
         WHERE h.debit_account_id = 'agent:' || ? AND h.created_at >= ? AND p.created_at < ?
         AND (h.resolved_at IS NULL OR h.resolved_at > ?)`,
        d.agent_id,
        `${sinceDay}T00:00:00.000Z`,
        d.created_at,
        d.created_at,
      );
      return posted.total + held.total;
    };
    const at = new Date(d.created_at);
    if (!exceedingIsAllowed && limits.max_daily_spend_sats !== undefined) {
      const spent = await spentBefore(d.created_at.slice(0, 10));
      if (spent + d.amount_msats > limits.max_daily_spend_sats * 1000) {
        fail('no limit is exceeded', `${what}: ${spent} msats were already spent that day, over the ${limits.max_daily_spend_sats}-sat daily limit`);
      }
    }
    for (const budget of policy.budgets ?? []) {
      if (budget.overage_policy !== 'Block') continue;
      const spent = await spentBefore(periodStart(budget.period, at));
      if (spent + d.amount_msats > budget.limit_sats * 1000)
        fail('no limit is exceeded', `${what}: ${spent} msats already spent, over the ${budget.period} budget of ${budget.limit_sats} sats`);
    }
  }
}

/**
 * What each allowed withdrawal decision actually held (amount + fee reserve), by the
 * decision's audit seq. A decision and the withdrawal it allowed commit together, so each
 * withdrawal is matched to the latest allowed decision of its agent at or before it.
 */
async function withdrawalHolds(all, decisions) {
  const byAgent = new Map();
  for (const d of decisions) if (d.tool === 'marketplace_withdraw') byAgent.set(d.agent_id, [...(byAgent.get(d.agent_id) ?? []), d]);
  const held = new Map();
  if (byAgent.size === 0) return held;
  const first = Math.min(...decisions.filter((d) => d.tool === 'marketplace_withdraw').map((d) => Date.parse(d.created_at)));
  const withdrawals = await all(
    `SELECT w.agent_id, w.created_at, h.amount_msats FROM withdrawals w JOIN holds h ON h.id = w.hold_id WHERE w.created_at >= ? ORDER BY w.created_at`,
    new Date(first).toISOString(),
  );
  for (const w of withdrawals) {
    const candidates = (byAgent.get(w.agent_id) ?? []).filter((d) => d.created_at <= w.created_at && !held.has(d.seq));
    const d = candidates.at(-1);
    if (d && Date.parse(w.created_at) - Date.parse(d.created_at) < 5_000) held.set(d.seq, w.amount_msats);
  }
  return held;
}

/**
 * A blocked counterparty never receives anything from the agent that blocks it: no
 * posted transfer credits the blocked agent's account with the blocker's money, directly
 * (a payment, a skill's share, a posted hold) or out of escrow from a deal the blocker
 * funded (a contract it hired, data it bought, its bounty, a coalition it funded: any deal
 * whose hold the blocker's account made). Judged against the blocker's policy in force at
 * the transfer. Refunds and reversals give the blocked agent back its own money and are
 * not counted.
 */
async function checkBlocked(all, fail) {
  const versions = new Map();
  for (const p of await all('SELECT agent_id, version, created_at, document FROM policies ORDER BY agent_id, version')) {
    const block = JSON.parse(p.document).counterparties?.block ?? [];
    versions.set(p.agent_id, [...(versions.get(p.agent_id) ?? []), { at: p.created_at, block }]);
  }
  const blocked = new Set([...versions.values()].flatMap((vs) => vs.flatMap((v) => v.block)));
  if (blocked.size === 0) return;
  const blocks = (blocker, agent, at) => {
    const inForce = (versions.get(blocker) ?? []).filter((v) => v.at <= at).at(-1);
    return inForce?.block.includes(agent) ?? false;
  };
  // Who funded each deal a payout out of escrow names as its reference.
  const funders = new Map();
  const fund = (reference, agentId) => reference && funders.set(reference, new Set([...(funders.get(reference) ?? []), agentId]));
  for (const h of await all(`SELECT reference, substr(debit_account_id, 7) AS agent FROM holds WHERE debit_account_id LIKE 'agent:%' AND reference IS NOT NULL`))
    fund(h.reference, h.agent);
  for (const c of await all('SELECT id, hirer_id FROM contracts')) fund(c.id, c.hirer_id);
  for (const p of await all('SELECT id, buyer_id FROM data_purchases')) fund(p.id, p.buyer_id);
  for (const c of await all('SELECT id, funder_id FROM coalitions')) fund(c.id, c.funder_id);
  for (const s of await all('SELECT s.id, b.creator_id FROM bounty_submissions s JOIN bounties b ON b.id = s.bounty_id')) fund(s.id, s.creator_id);
  const placeholders = [...blocked].map(() => '?').join(', ');
  const credits = await all(
    `SELECT id, debit_account_id, credit_account_id, amount_msats, entry_type, reference, created_at FROM transfers
     WHERE credit_account_id IN (${placeholders}) AND phase IN ('posted', 'post') AND entry_type NOT IN (${RETURNS.map(() => '?').join(', ')})`,
    ...[...blocked].map((id) => `agent:${id}`),
    ...RETURNS,
  );
  for (const t of credits) {
    const payee = t.credit_account_id.slice('agent:'.length);
    const payers = t.debit_account_id.startsWith('agent:') ? [t.debit_account_id.slice('agent:'.length)] : [...(funders.get(t.reference) ?? [])];
    for (const payer of payers) {
      if (payer !== payee && blocks(payer, payee, t.created_at)) {
        fail(
          'a blocked counterparty is never paid',
          `${payee}, blocked by ${payer}, received ${t.amount_msats} msats (${t.entry_type}, ${t.id}, from ${t.debit_account_id}${t.reference ? `, deal ${t.reference}` : ''}) at ${t.created_at}`,
        );
      }
    }
  }
}

/**
 * The raw HTTP calls (hostile.mjs hostileRawHttp): one refused at the door (a revoked
 * token, a Host or Origin of another site, a header or body the server does not take)
 * left no record of its key and no transfer; a key sent over both HTTP paths (the direct
 * path and the SDK's transport) made one transfer, the one its key answers. The
 * idempotency check above only sees that every transfer has a key, which a revoked token's
 * payment would have had as well.
 */
async function checkRawHttp(all, fail, raw) {
  const keyed = new Map(
    (await all(`SELECT key, result_json FROM idempotency_keys WHERE caller_id = ? AND tool = 'marketplace_send_payment'`, raw.id)).map((k) => [k.key, k.result_json]),
  );
  const made = new Map();
  for (const t of await all(`SELECT id, memo FROM transfers WHERE debit_account_id = 'agent:' || ? AND memo LIKE 'sim:%'`, raw.id))
    made.set(t.memo, new Set([...(made.get(t.memo) ?? []), t.id]));
  for (const key of raw.refused) {
    const transfers = [...(made.get(`sim:${key}`) ?? [])];
    if (keyed.has(key) || transfers.length > 0)
      fail(
        'a refused HTTP call pays nothing',
        `key ${key} of ${raw.id} was refused, yet ${keyed.has(key) ? `its key answers ${keyed.get(key).slice(0, 200)}` : `it made ${transfers.join(', ')}`}`,
      );
  }
  for (const { key, transfer } of raw.paid) {
    const transfers = [...(made.get(`sim:${key}`) ?? [])];
    const answers = keyed.has(key) ? JSON.parse(keyed.get(key)).transfer_id : undefined;
    if (transfers.length !== 1 || transfers[0] !== transfer || answers !== transfer)
      fail(
        'a key sent over both HTTP paths pays once',
        `key ${key} of ${raw.id} answered ${transfer} on both paths; it made ${transfers.join(', ') || 'nothing'} and its key answers ${answers}`,
      );
  }
}

/** Every hold ends exactly once, and exactly when its deal ends. */
async function checkHolds(all, fail, { now, swept, drained }) {
  const holdStatus = new Map((await all('SELECT id, status FROM holds')).map((h) => [h.id, h.status]));
  const expect = (what, holdId, open) => {
    const status = holdStatus.get(holdId);
    if (status === undefined) return fail('every hold ends exactly once', `${what} names hold ${holdId}, which does not exist`);
    if (open && status !== 'pending') fail('every hold ends exactly once', `${what} is still open but its hold is ${status}`);
    if (!open && status === 'pending') fail('every hold ends exactly once', `${what} has ended but its hold is still pending`);
  };
  for (const c of await all('SELECT id, status, hold_id FROM contracts')) expect(`contract ${c.id} (${c.status})`, c.hold_id, OPEN_CONTRACT.includes(c.status));
  for (const p of await all('SELECT id, status, hold_id FROM data_purchases WHERE hold_id IS NOT NULL'))
    expect(`purchase ${p.id} (${p.status})`, p.hold_id, ['Pending', 'Disputed'].includes(p.status));
  for (const c of await all('SELECT id, status, hold_id FROM coalitions WHERE hold_id IS NOT NULL'))
    expect(`coalition ${c.id} (${c.status})`, c.hold_id, ['Forming', 'Active'].includes(c.status));
  for (const b of await all('SELECT id, status, hold_id FROM bounties WHERE hold_id IS NOT NULL')) expect(`bounty ${b.id} (${b.status})`, b.hold_id, b.status === 'Active');
  for (const w of await all('SELECT id, status, hold_id FROM withdrawals')) {
    // resolving: a lightning-address withdrawal whose invoice is still to be asked for (after the gate).
    expect(`withdrawal ${w.id} (${w.status})`, w.hold_id, ['resolving', 'queued', 'sending'].includes(w.status));
    const ended = holdStatus.get(w.hold_id);
    if ((w.status === 'completed' && ended !== 'posted') || (w.status === 'failed' && ended !== 'voided')) {
      fail('every hold ends exactly once', `withdrawal ${w.id} is ${w.status} but its hold was ${ended}`);
    }
    if (drained && w.status !== 'completed' && w.status !== 'failed') fail('every hold ends exactly once', `withdrawal ${w.id} is still ${w.status} after the wallet was asked`);
  }
  // A compute job's hold outlives the job while a payment to its provider has no known outcome.
  const unsettled = new Set((await all(`SELECT DISTINCT job_id FROM compute_payments WHERE status = 'sending'`)).map((p) => p.job_id));
  for (const j of await all('SELECT id, status, hold_id FROM compute_jobs'))
    expect(`compute job ${j.id} (${j.status})`, j.hold_id, ['queued', 'running'].includes(j.status) || unsettled.has(j.id));
  if (swept) {
    for (const h of await all(`SELECT id, expires_at FROM holds WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ?`, now)) {
      fail('every hold ends exactly once', `hold ${h.id} expired at ${h.expires_at} but is still pending after the sweep`);
    }
  }
  if (drained) {
    for (const p of await all(`SELECT id, job_id FROM compute_payments WHERE status = 'sending'`))
      fail('every hold ends exactly once', `compute job ${p.job_id}'s payment ${p.id} still has no known outcome after reconcile`);
    for (const i of await all(`SELECT i.id, i.payment_hash FROM lightning_invoices i JOIN sandbox_invoices s ON s.payment_hash = i.payment_hash
      WHERE s.direction = 'incoming' AND s.paid_at IS NOT NULL AND i.status <> 'credited'`)) {
      fail('each deposit is credited once', `invoice ${i.id} was paid but never credited`);
    }
  }
}

/** Every settled coalition and bounty paid out exactly what its escrow posted. */
async function checkPayouts(all, fail) {
  const postedFor = new Map(
    (await all(`SELECT reference, CAST(SUM(posted_msats) AS BIGINT) AS posted FROM holds WHERE status = 'posted' AND entry_type = 'Escrow' GROUP BY reference`)).map((r) => [
      r.reference,
      r.posted,
    ]),
  );
  const splits = new Map(
    (await all(`SELECT reference, CAST(SUM(amount_msats) AS BIGINT) AS paid FROM transfers WHERE entry_type = 'CoalitionSplit' GROUP BY reference`)).map((r) => [
      r.reference,
      r.paid,
    ]),
  );
  for (const c of await all('SELECT id, status, pool_msats, hold_id FROM coalitions')) {
    const posted = postedFor.get(c.id) ?? 0;
    const paid = splits.get(c.id) ?? 0;
    if (posted !== paid) fail('settled coalitions pay out exactly their escrow', `coalition ${c.id} (${c.status}) posted ${posted} msats from escrow and paid out ${paid}`);
  }
  const payouts = new Map(
    (
      await all(
        `SELECT s.bounty_id, CAST(SUM(t.amount_msats) AS BIGINT) AS paid FROM transfers t JOIN bounty_submissions s ON s.id = t.reference
      WHERE t.debit_account_id = ? AND t.phase = 'posted' GROUP BY s.bounty_id`,
        ESCROW.id,
      )
    ).map((r) => [r.bounty_id, r.paid]),
  );
  const pending = new Map(
    (await all(`SELECT reference, CAST(SUM(amount_msats) AS BIGINT) AS held FROM holds WHERE status = 'pending' GROUP BY reference`)).map((r) => [r.reference, r.held]),
  );
  for (const b of await all('SELECT id, status, reward_msats, paid_msats, required_format FROM bounties')) {
    const [{ p: posted }] = await all(`SELECT CAST(COALESCE(SUM(posted_msats), 0) AS BIGINT) AS p FROM holds WHERE reference = ? AND status = 'posted'`, b.id);
    const paid = payouts.get(b.id) ?? 0;
    const what = `bounty ${b.id} (${b.status})`;
    if (posted !== b.paid_msats || paid !== b.paid_msats)
      fail('settled bounties pay out exactly their escrow', `${what} records ${b.paid_msats} msats paid; its escrow posted ${posted} and paid out ${paid}`);
    // A trajectory bounty is also fulfilled by its count of contributions, each paid by the formula: the rest went back.
    if (b.status === 'Fulfilled' && b.required_format !== 'trajectory' && b.paid_msats !== b.reward_msats)
      fail('settled bounties pay out exactly their escrow', `${what} paid ${b.paid_msats} of a ${b.reward_msats} msat reward`);
    const held = pending.get(b.id) ?? 0;
    if (b.status === 'Active' && held !== b.reward_msats - b.paid_msats)
      fail('settled bounties pay out exactly their escrow', `${what} holds ${held} msats for ${b.reward_msats - b.paid_msats} unpaid`);
    if (b.status !== 'Active' && held !== 0) fail('settled bounties pay out exactly their escrow', `${what} still holds ${held} msats`);
  }
}

/**
 * The ledger against the wallet's own record (nwc rail): every withdrawal ends exactly
 * once (completed: the wallet paid it once, for that amount and fee; failed: the wallet
 * paid nothing and has nothing in flight), the wallet paid nothing no withdrawal accounts
 * for, every credited deposit was received, and once everything is drained every
 * received deposit is credited and the wallet's balance moved exactly as the ledger's
 * external Lightning account says.
 */
async function checkWallet(all, fail, wallet, { drained }) {
  const outgoing = new Map();
  const incoming = new Map();
  for (const t of wallet.transactions) {
    const byHash = t.type === 'outgoing' ? outgoing : incoming;
    byHash.set(t.payment_hash, [...(byHash.get(t.payment_hash) ?? []), t]);
  }
  // By invoice: the latest withdrawal to it (one may follow others that failed) answers for the wallet's record.
  // One that failed before its invoice was known has no payment hash: the wallet never saw it.
  const withdrawals = new Map(
    (await all(`SELECT id, status, payment_hash, amount_msats, fee_msats FROM withdrawals WHERE rail = 'nwc' AND payment_hash IS NOT NULL AND payment_hash != '' ORDER BY id`)).map(
      (w) => [w.payment_hash, w],
    ),
  );
  for (const w of withdrawals.values()) {
    const sent = outgoing.get(w.payment_hash) ?? [];
    const paid = sent.filter((t) => t.state === 'settled');
    const what = `withdrawal ${w.id} (${w.status})`;
    if (paid.length > 1) fail('every withdrawal ends exactly once', `${what}: the wallet paid its invoice ${paid.length} times`);
    if (w.status === 'completed') {
      if (paid.length === 0) fail('every withdrawal ends exactly once', `${what} is completed but the wallet never paid it`);
      else if (paid[0].amount !== w.amount_msats || paid[0].fees_paid !== w.fee_msats) {
        fail(
          'every withdrawal ends exactly once',
          `${what} records ${w.amount_msats} msats and fee ${w.fee_msats}; the wallet paid ${paid[0].amount} and fee ${paid[0].fees_paid}`,
        );
      }
    }
    // The wallet keeps the attempts it failed; a failed withdrawal may have those, nothing else.
    const live = sent.filter((t) => t.state !== 'failed');
    if (w.status === 'failed' && live.length > 0)
      fail('every withdrawal ends exactly once', `${what} is failed and its hold voided, but the wallet ${paid.length > 0 ? 'paid it' : 'has it in flight'}`);
  }
  const computePayments = new Map((await all(`SELECT id, job_id, status, payment_hash, amount_msats, fee_msats FROM compute_payments`)).map((p) => [p.payment_hash, p]));
  for (const p of computePayments.values()) {
    const paid = (outgoing.get(p.payment_hash) ?? []).filter((t) => t.state === 'settled');
    const what = `compute job ${p.job_id}'s payment ${p.id} (${p.status})`;
    if (paid.length > 1) fail('every withdrawal ends exactly once', `${what}: the wallet paid its invoice ${paid.length} times`);
    if (p.status === 'paid' && (paid.length === 0 || paid[0].amount !== p.amount_msats || paid[0].fees_paid !== p.fee_msats))
      fail(
        'every withdrawal ends exactly once',
        `${what} is recorded paid, but the wallet ${paid.length === 0 ? 'never paid it' : `paid ${paid[0].amount} and fee ${paid[0].fees_paid}`}`,
      );
    if (p.status === 'failed' && paid.length > 0) fail('every withdrawal ends exactly once', `${what} is recorded failed, but the wallet paid it`);
  }
  for (const [hash, sent] of outgoing) {
    if (!withdrawals.has(hash) && !computePayments.has(hash) && sent.some((t) => t.state !== 'failed'))
      fail('every withdrawal ends exactly once', `the wallet paid ${hash}, which no withdrawal or compute payment accounts for`);
  }
  const invoices = await all(`SELECT id, status, payment_hash, amount_msats FROM lightning_invoices WHERE rail = 'nwc' AND payment_hash IS NOT NULL`);
  const credits = new Map(
    (await all(`SELECT reference, amount_msats FROM transfers WHERE entry_type = 'Deposit' AND debit_account_id = ?`, EXTERNAL_LIGHTNING.id)).map((t) => [
      t.reference,
      t.amount_msats,
    ]),
  );
  for (const i of invoices) {
    const received = (incoming.get(i.payment_hash) ?? []).find((t) => t.state === 'settled');
    if (i.status === 'credited' && !received) fail('each deposit is credited once', `invoice ${i.id} was credited but the wallet never received its payment`);
    if (i.status === 'credited' && received && credits.get(i.payment_hash) !== received.amount) {
      fail('each deposit is credited once', `invoice ${i.id}: the wallet received ${received.amount} msats, the ledger credited ${credits.get(i.payment_hash)}`);
    }
    if (drained && received && i.status !== 'credited') fail('each deposit is credited once', `invoice ${i.id} was paid but is still ${i.status} after reconcile`);
  }
  if (drained) {
    const [external] = await all('SELECT debits_posted_msats - credits_posted_msats AS net FROM accounts WHERE id = ?', EXTERNAL_LIGHTNING.id);
    const net = external?.net ?? 0;
    if (net !== wallet.balanceDeltaMsats) {
      fail('the wallet moves as the ledger says', `the wallet's balance moved ${wallet.balanceDeltaMsats} msats; the ledger's ${EXTERNAL_LIGHTNING.id} account says ${net}`);
    }
  }
}

/**
 * Trajectory contributions: an accepted one holds the trajectory whose hash it records and is
 * paid at most the formula's reward for it at the bounty's minimum quality; a rejected one keeps
 * nothing and is paid nothing; a trajectory is paid to one contributor only, and once per bounty.
 */
async function checkTrajectories(all, fail) {
  const rule = 'trajectories are paid by the formula, once, to their first contributor';
  const rows = await all(`SELECT s.id, s.bounty_id, s.contributor_id, s.samples, s.metadata, s.status, s.paid_msats, b.min_quality_milli
    FROM bounty_submissions s JOIN bounties b ON b.id = s.bounty_id WHERE b.required_format = 'trajectory'`);
  const paidTo = new Map();
  const inBounty = new Set();
  for (const s of rows) {
    if (s.status !== 'Accepted') {
      if (s.samples !== null || s.paid_msats !== 0) fail(rule, `rejected contribution ${s.id} keeps its trajectory or was paid ${s.paid_msats} msats`);
      continue;
    }
    const [trajectory] = JSON.parse(s.samples);
    const hash = canonicalHash(trajectory);
    const recorded = JSON.parse(s.metadata).verified?.trajectory_hash;
    if (recorded !== hash) fail(rule, `contribution ${s.id} records hash ${recorded} for content hashing to ${hash}`);
    const estimate = scoreTrajectory(trajectory, (s.min_quality_milli ?? DEFAULT_MIN_QUALITY * 1000) / 1000).estimated_reward_sats;
    if (s.paid_msats <= 0 || s.paid_msats > estimate * 1000) fail(rule, `contribution ${s.id} was paid ${s.paid_msats} msats; the formula gives ${estimate} sats`);
    const first = paidTo.get(hash);
    if (first !== undefined && first !== s.contributor_id) fail(rule, `trajectory ${hash} was paid to ${first} and to ${s.contributor_id}`);
    paidTo.set(hash, s.contributor_id);
    for (const key of [hash, `${trajectory.source}/${trajectory.session_id}`]) {
      if (inBounty.has(`${s.bounty_id} ${key}`)) fail(rule, `bounty ${s.bounty_id} paid ${key} twice`);
      inBounty.add(`${s.bounty_id} ${key}`);
    }
  }
}
