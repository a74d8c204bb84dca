// Agents hiring agents through real MCP clients: escrow at hire, payment on acceptance,
// the budget back on decline or a missed deadline, and the sponsor in the loop.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { setAgentStatus } from '../../src/domain/agents/lifecycle.js';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { CONTRACT_STATUSES, settleDueContracts } from '../../src/domain/hiring/contracts.js';
import { agentAccountId, ESCROW, PLATFORM_REVENUE } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, HOUR, makeContext, ManualClock, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

const wallet = async (ctx: AppContext, id: string) => {
  const b = await getBalance(ctx.db, agentAccountId(id));
  return { balance: b.balanceMsats / 1000, available: b.availableMsats / 1000 };
};

async function office(clock = new ManualClock()) {
  const ctx = await makeContext({ clock });
  const { sponsor, agent: hirer } = await fundedAgent(ctx, 100_000);
  const worker = await agent(ctx, sponsor.id, 'Worker');
  const rival = await agent(ctx, sponsor.id, 'Rival');
  const hirerClient = await connect(ctx, hirer.token);
  const workerClient = await connect(ctx, worker.token);
  const rivalClient = await connect(ctx, rival.token);
  const sponsorClient = await connect(ctx, sponsor.token);
  await call(workerClient, 'marketplace_update_profile', { description: 'Writes and reviews code.', skills: ['typescript', 'review'], price_hint_sats: 5_000 });
  await call(rivalClient, 'marketplace_update_profile', { skills: ['typescript'], price_hint_sats: 9_000 });
  return { ctx, clock, sponsor, hirer, worker, rival, hirerClient, workerClient, rivalClient, sponsorClient };
}

const task = (over: Record<string, unknown> = {}) => ({ description: 'Review this pull request.', required_skills: ['typescript'], max_budget_sats: 10_000, ...over });

describe('hiring an agent', () => {
  it('escalates a large hire to the sponsor, then escrow, delivery and acceptance pay the worker exactly once', async () => {
    const { ctx, hirer, worker, hirerClient, workerClient, sponsorClient } = await office();
    await setPolicy(
      ctx.db,
      ctx.clock,
      hirer.id,
      {
        level: 'SemiAutonomous',
        action_limits: { max_transaction_sats: 20_000 },
        escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
      },
      'test',
    );

    const asked = await call(hirerClient, 'marketplace_hire_agent', { task: task({ max_budget_sats: 25_000 }), agent_id: worker.id, idempotency_key: 'hire-1' });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    expect((await wallet(ctx, hirer.id)).available).toBe(100_000);

    const approved = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(approved.data).toMatchObject({ status: 'executed', result: { status: 'Proposed', escrow_sats: 25_000, agent_id: worker.id } });
    const contractId = approved.data.result.contract_id;
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 75_000 });

    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id: contractId, action: 'accept' })).data.status).toBe('InProgress');
    const delivered = await call(workerClient, 'marketplace_submit_delivery', { contract_id: contractId, result: 'LGTM with two nits.' });
    expect(delivered.data.delivery).toMatchObject({ untrusted_result: 'LGTM with two nits.' });
    const done = await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept', rating: 5 });
    expect(done.data).toMatchObject({ status: 'Completed', escrow_sats: 0, hirer_rating: 5 });

    // 25,000 less the 5% fee.
    expect((await wallet(ctx, worker.id)).balance).toBe(23_750);
    expect((await getBalance(ctx.db, PLATFORM_REVENUE.id)).balanceMsats).toBe(1_250_000);
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 75_000, available: 75_000 });
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    expect((await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept' })).data.error.code).toBe('CONFLICT');

    const audit = await call(sponsorClient, 'marketplace_audit_log', { agent_id: hirer.id, tool: 'marketplace_hire_agent' });
    expect(audit.data.items.map((e: { outcome: string; rule: string }) => [e.outcome, e.rule]).reverse()).toEqual([
      ['escalated', 'escalation_triggers.SpendingExceedsLimit→RequireApproval'],
      ['allowed', 'approval.granted'],
    ]);
    expect((await call(hirerClient, 'marketplace_get_agent', { agent_id: worker.id })).data.reputation).toBeGreaterThan(0.6);
    // The worker reads on its own profile the very reputation the directory ranks it by.
    const own = (await call(workerClient, 'marketplace_update_profile', { availability: 'busy' })).data;
    const listed = (await call(hirerClient, 'marketplace_find_agents', { skills: ['review'] })).data.items.find((a: { agent_id: string }) => a.agent_id === worker.id);
    expect(own.reputation).toBeGreaterThan(0.6);
    expect({ reputation: own.reputation, score: own.score }).toEqual({ reputation: listed.reputation, score: listed.score });
    expect((await call(workerClient, 'marketplace_rate_hirer', { contract_id: contractId, rating: 4 })).data.worker_rating).toBe(4);
    expect(await verifyLedger(ctx.db)).toMatchObject({ ok: true });
  });

  it('picks the best match when no agent is named, and lists the others', async () => {
    const { ctx, hirerClient, worker, rival } = await office();
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task({ required_skills: ['typescript'] }) });
    expect(hired.data.agent_id).toBe(worker.id); // cheaper at equal reputation
    expect(hired.data.candidates.map((c: { agent_id: string }) => c.agent_id)).toEqual([worker.id, rival.id]);
    // What other agents wrote comes back marked as theirs.
    expect(hired.data.candidates[0]).toMatchObject({ untrusted_description: 'Writes and reviews code.' });
    expect(hired.data.candidates[0]).not.toHaveProperty('description');
    const read = await call(hirerClient, 'marketplace_get_contract', { contract_id: hired.data.contract_id });
    expect(read.data).toMatchObject({ untrusted_description: 'Review this pull request.', untrusted_reject_reason: null });
    expect(read.data).not.toHaveProperty('description');
    // The same profile, marked the same way, in the directory and on its own.
    const found = (await call(hirerClient, 'marketplace_find_agents', { skills: ['review'] })).data.items;
    expect(found).toEqual([expect.objectContaining({ agent_id: worker.id, untrusted_description: 'Writes and reviews code.' })]);
    expect(found[0]).not.toHaveProperty('description');
    const profile = (await call(hirerClient, 'marketplace_get_agent', { agent_id: worker.id })).data;
    expect(profile).toMatchObject({ agent_id: worker.id, untrusted_description: 'Writes and reviews code.' });
    // Before any record: no reputation yet, and the neutral score it is ranked by, the same on every view.
    const own = (await call(await connect(ctx, worker.token), 'marketplace_update_profile', {})).data;
    for (const view of [own, profile, found[0], hired.data.candidates[0]]) expect(view).toMatchObject({ reputation: null, score: 0.6 });
    expect(profile).not.toHaveProperty('description');
    const none = await call(hirerClient, 'marketplace_hire_agent', { task: task({ required_skills: ['cobol'] }) });
    expect(none.data.error.code).toBe('NOT_FOUND');
    // "No match" names, per near candidate, each filter that excluded it: the one to loosen.
    const near = await call(hirerClient, 'marketplace_hire_agent', { task: task({ required_skills: ['review'], max_budget_sats: 6_000 }), requirements: { min_reputation: 0.7 } });
    expect(near.data.error.code).toBe('NOT_FOUND');
    expect(near.data.error.details.near_candidates).toEqual([
      { agent_id: worker.id, name: 'Worker', excluded_by: [{ filter: 'requirements.min_reputation', detail: 'its score 0.6 is below 0.7' }] },
      {
        agent_id: rival.id,
        name: 'Rival',
        excluded_by: [
          { filter: 'task.required_skills', detail: 'lacks review' },
          { filter: 'task.max_budget_sats', detail: 'its price hint 9,000 sats is above 6,000 sats' },
          { filter: 'requirements.min_reputation', detail: 'its score 0.6 is below 0.7' },
        ],
      },
    ]);
    expect(near.data.error.message).toContain(`${worker.id}: requirements.min_reputation (its score 0.6 is below 0.7)`);
    expect(near.data.error.message).toContain(`${rival.id}: task.required_skills (lacks review), task.max_budget_sats`);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('returns the escrow when the worker declines', async () => {
    const { ctx, hirer, worker, hirerClient, workerClient } = await office();
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id });
    expect((await wallet(ctx, hirer.id)).available).toBe(90_000);
    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id: hired.data.contract_id, action: 'decline' })).data.status).toBe('Cancelled');
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 100_000 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('expires undelivered work at the deadline and returns the escrow', async () => {
    const { ctx, clock, hirer, worker, hirerClient, workerClient } = await office();
    const deadline = new Date(clock.now().getTime() + DAY).toISOString();
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task({ deadline }), agent_id: worker.id });
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: hired.data.contract_id, action: 'accept' });
    clock.advance(DAY);
    expect(await settleDueContracts(ctx.db, ctx.clock)).toBe(1);
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: hired.data.contract_id })).data.status).toBe('Expired');
    expect((await wallet(ctx, hirer.id)).available).toBe(100_000);
    expect((await call(workerClient, 'marketplace_submit_delivery', { contract_id: hired.data.contract_id, result: 'late' })).data.error.code).toBe('CONFLICT');
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('reads a deadline as an instant whatever its offset, and refuses one that is not an ISO-8601 time', async () => {
    const { ctx, clock, hirer, worker, hirerClient } = await office();
    // Three hours from now, written in New York time: as text it sorts before now in UTC.
    const inThreeHours = new Date(clock.now().getTime() + 3 * HOUR);
    const newYork = `${new Date(inThreeHours.getTime() - 5 * HOUR).toISOString().slice(0, 16)}-05:00`;
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task({ deadline: newYork }), agent_id: worker.id });
    expect(hired.data.status).toBe('Proposed');
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: hired.data.contract_id })).data.deadline).toBe(inThreeHours.toISOString());

    for (const deadline of ['December 1, 2020', 'December 1, 2090', '2090-06-01', 'tomorrow']) {
      expect((await call(hirerClient, 'marketplace_hire_agent', { task: task({ deadline }), agent_id: worker.id })).data.error.code, deadline).toBe('INVALID_INPUT');
    }
    expect((await wallet(ctx, hirer.id)).available).toBe(90_000); // only the first hire holds escrow
  });

  it('accepts a delivery automatically when the hirer does not review it within 72 hours', async () => {
    const { ctx, clock, worker, hirerClient, workerClient } = await office();
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id });
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: hired.data.contract_id, action: 'accept' });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: hired.data.contract_id, sha256: 'a'.repeat(64), url: 'https://example.com/out.tar' });
    clock.advance(72 * HOUR);
    // Reading the contract settles it: nobody has to wait for the sweeper.
    expect((await call(workerClient, 'marketplace_get_contract', { contract_id: hired.data.contract_id })).data.status).toBe('Completed');
    expect((await wallet(ctx, worker.id)).balance).toBe(9_500);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('lets the worker fix a rejected delivery, and pays a counter-offer with the rest of the budget returned', async () => {
    const { ctx, hirer, worker, hirerClient, workerClient } = await office();
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id });
    const id = hired.data.contract_id;
    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id: id, action: 'counter', counter_budget_sats: 20_000 })).data.error.code).toBe(
      'INVALID_INPUT',
    );
    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id: id, action: 'counter', counter_budget_sats: 8_000 })).data).toMatchObject({
      status: 'InProgress',
      agreed_sats: 8_000,
    });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: id, result: 'v1' });
    expect((await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'reject' })).data.error.code).toBe('INVALID_INPUT');
    expect((await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'reject', reason: 'missing tests' })).data).toMatchObject({
      status: 'Rejected',
      untrusted_reject_reason: 'missing tests',
    });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: id, result: 'v2 with tests' });
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'accept' });
    expect((await wallet(ctx, worker.id)).balance).toBe(7_600);
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 92_000, available: 92_000 });
    expect((await call(workerClient, 'marketplace_list_contracts', { status: 'Completed' })).data.items).toHaveLength(1);
    // A status the contract state machine does not have is refused with the ones it has, not answered with an empty list.
    const typo = (await call(workerClient, 'marketplace_list_contracts', { status: 'completed' })).data.error;
    expect(typo.code).toBe('INVALID_INPUT');
    for (const status of CONTRACT_STATUSES) expect(typo.message).toContain(`"${status}"`);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('refuses to hire a terminated agent, and keeps strangers out of contracts', async () => {
    const { ctx, worker, rival, hirerClient, rivalClient } = await office();
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id });
    expect((await call(rivalClient, 'marketplace_get_contract', { contract_id: hired.data.contract_id })).data.error.code).toBe('NOT_FOUND');
    expect((await call(rivalClient, 'marketplace_respond_to_contract', { contract_id: hired.data.contract_id, action: 'accept' })).data.error.code).toBe('NOT_FOUND');
    await setAgentStatus(ctx.db, ctx.clock, rival.id, 'Terminated', 'test');
    expect((await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: rival.id })).data.error.code).toBe('CONFLICT');
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});

describe('withdrawing an offer', () => {
  it('lets an offer lapse unanswered after 72 hours, or at a sooner deadline, with the escrow back and nothing held against the worker', async () => {
    const { ctx, clock, hirer, worker, hirerClient, workerClient } = await office();
    // One completed job gives the worker a reputation a lapsed offer could lower.
    const first = (await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id })).data.contract_id;
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: first, action: 'accept' });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: first, result: 'done' });
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: first, decision: 'accept', rating: 5 });
    const reputation = (await call(hirerClient, 'marketplace_get_agent', { agent_id: worker.id })).data.reputation;
    expect(reputation).toBeGreaterThan(0);
    const start = (await wallet(ctx, hirer.id)).available;

    const open = (await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id })).data;
    expect(open.offer_lapses_at).toBe(new Date(clock.now().getTime() + 72 * HOUR).toISOString());
    const soon = new Date(clock.now().getTime() + HOUR).toISOString();
    const short = (await call(hirerClient, 'marketplace_hire_agent', { task: task({ deadline: soon }), agent_id: worker.id })).data;
    expect(short.offer_lapses_at).toBe(soon);
    expect((await wallet(ctx, hirer.id)).available).toBe(start - 20_000);

    clock.advance(HOUR);
    expect(await settleDueContracts(ctx.db, ctx.clock)).toBe(1);
    expect((await call(workerClient, 'marketplace_get_contract', { contract_id: short.contract_id })).data).toMatchObject({
      status: 'Cancelled',
      escrow_sats: 0,
      offer_lapses_at: null,
    });
    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id: short.contract_id, action: 'accept' })).data.error.code).toBe('CONFLICT');

    clock.advance(71 * HOUR - 1);
    expect((await call(workerClient, 'marketplace_get_contract', { contract_id: open.contract_id })).data.status).toBe('Proposed');
    clock.advance(1);
    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id: open.contract_id, action: 'accept' })).data.error).toMatchObject({
      code: 'CONFLICT',
      details: { status: 'Cancelled' },
    });
    // Reading it lapses it: nobody has to wait for the sweeper.
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: open.contract_id })).data).toMatchObject({ status: 'Cancelled', escrow_sats: 0 });
    expect((await wallet(ctx, hirer.id)).available).toBe(start);
    expect((await call(hirerClient, 'marketplace_get_agent', { agent_id: worker.id })).data.reputation).toBe(reputation);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('returns the escrow of an unanswered offer with no deadline, and the worker can no longer accept it', async () => {
    const { ctx, hirer, hirerClient, workerClient, rivalClient, worker } = await office();
    const id = (await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id })).data.contract_id;
    expect((await wallet(ctx, hirer.id)).available).toBe(90_000);
    expect((await call(workerClient, 'marketplace_cancel_contract', { contract_id: id })).data.error.code).toBe('NOT_FOUND');
    expect((await call(rivalClient, 'marketplace_cancel_contract', { contract_id: id })).data.error.code).toBe('NOT_FOUND');

    const cancelled = await call(hirerClient, 'marketplace_cancel_contract', { contract_id: id, idempotency_key: 'withdraw-1' });
    expect(cancelled.data).toMatchObject({ contract_id: id, status: 'Cancelled', escrow_sats: 0 });
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 100_000 });
    // A retry with the same key answers as the first call; a new call finds nothing left to withdraw.
    expect((await call(hirerClient, 'marketplace_cancel_contract', { contract_id: id, idempotency_key: 'withdraw-1' })).data).toEqual(cancelled.data);
    expect((await call(hirerClient, 'marketplace_cancel_contract', { contract_id: id })).data.error.code).toBe('CONFLICT');
    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id: id, action: 'accept' })).data.error.code).toBe('CONFLICT');
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 100_000 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('refuses once the worker has accepted, and the escrow stays for the work', async () => {
    const { ctx, hirer, hirerClient, workerClient, worker } = await office();
    const id = (await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id })).data.contract_id;
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: id, action: 'accept' });
    expect((await call(hirerClient, 'marketplace_cancel_contract', { contract_id: id })).data.error).toMatchObject({ code: 'CONFLICT', details: { status: 'InProgress' } });
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: id })).data).toMatchObject({ status: 'InProgress', escrow_sats: 10_000 });
    expect((await wallet(ctx, hirer.id)).available).toBe(90_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});

describe('a rejected delivery', () => {
  /** Hired at 10,000 sats with a deadline a day away, accepted and delivered an hour before it. */
  async function deliveredLate() {
    const o = await office();
    const deadline = new Date(o.clock.now().getTime() + DAY).toISOString();
    const id = (await call(o.hirerClient, 'marketplace_hire_agent', { task: task({ deadline }), agent_id: o.worker.id })).data.contract_id as string;
    await call(o.workerClient, 'marketplace_respond_to_contract', { contract_id: id, action: 'accept' });
    o.clock.advance(23 * HOUR);
    expect((await call(o.workerClient, 'marketplace_submit_delivery', { contract_id: id, result: 'the review' })).data.status).toBe('Delivered');
    return { ...o, id };
  }

  it('cannot be rejected past the deadline, when the worker could not deliver again: the review window pays the worker', async () => {
    const { ctx, clock, hirer, worker, hirerClient, workerClient, id } = await deliveredLate();
    clock.advance(2 * HOUR); // an hour past the deadline
    const refused = await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'reject', reason: 'too late for me' });
    expect(refused.data.error.code).toBe('CONFLICT');
    expect(await settleDueContracts(ctx.db, ctx.clock)).toBe(0);
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: id })).data).toMatchObject({ status: 'Delivered', escrow_sats: 10_000 });
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 90_000 });

    clock.advance(71 * HOUR); // the 72-hour review window from the delivery closes
    expect((await call(workerClient, 'marketplace_get_contract', { contract_id: id })).data.status).toBe('Completed');
    expect((await wallet(ctx, worker.id)).balance).toBe(9_500);
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 90_000, available: 90_000 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('is not refunded when the deadline passes: the worker disputes it and the operator decides its pay', async () => {
    const { ctx, clock, hirer, worker, hirerClient, workerClient, id } = await deliveredLate();
    clock.advance(30 * 60_000);
    const rejected = await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'reject', reason: 'missing tests' });
    expect(rejected.data).toMatchObject({ status: 'Rejected', rejection_stands_at: new Date(clock.now().getTime() + 72 * HOUR).toISOString() });

    clock.advance(2 * HOUR); // past the deadline, within the worker's 72 hours to answer
    expect(await settleDueContracts(ctx.db, ctx.clock)).toBe(0);
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: id })).data).toMatchObject({ status: 'Rejected', escrow_sats: 10_000 });
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 90_000 });
    expect((await call(workerClient, 'marketplace_submit_delivery', { contract_id: id, result: 'v2' })).data.error.code).toBe('CONFLICT');
    expect((await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'accept' })).data.error.code).toBe('CONFLICT');

    const filed = await call(workerClient, 'marketplace_file_dispute', {
      dispute_type: 'Other',
      subject: { kind: 'contract', id },
      amount_sats: 10_000,
      evidence: [{ description: 'Tests were not asked for.' }],
    });
    expect(filed.data).toMatchObject({ status: 'Open', claimant_id: worker.id, respondent_id: hirer.id, at_stake_sats: 10_000 });
    clock.advance(5 * DAY); // frozen: neither the window nor the deadline moves the money now
    await settleDueContracts(ctx.db, ctx.clock);
    expect((await call(workerClient, 'marketplace_get_contract', { contract_id: id })).data).toMatchObject({ status: 'Disputed', escrow_sats: 10_000 });

    const operator = await connect(ctx, await operatorToken(ctx));
    const resolved = await call(operator, 'marketplace_resolve_dispute', {
      dispute_id: filed.data.dispute_id,
      resolution: 'RefundPartial',
      refund_sats: 6_000,
      reason: 'Half the tests were implied.',
    });
    expect(resolved.data).toMatchObject({ status: 'Resolved', refund_sats: 6_000, debt_sats: 0 });
    expect((await call(workerClient, 'marketplace_get_contract', { contract_id: id })).data).toMatchObject({ status: 'Completed', escrow_sats: 0 });
    expect((await wallet(ctx, worker.id)).balance).toBe(5_700); // 6,000 less the 5% fee
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 94_000, available: 94_000 });
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('stands when the worker neither delivers again nor disputes, 72 hours after it even with no deadline', async () => {
    const { ctx, clock, hirer, worker, hirerClient, workerClient } = await office();
    const id = (await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id })).data.contract_id;
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: id, action: 'accept' });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: id, result: 'v1' });
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'reject', reason: 'wrong repository' });
    clock.advance(72 * HOUR - 1);
    expect(await settleDueContracts(ctx.db, ctx.clock)).toBe(0);
    expect((await wallet(ctx, hirer.id)).available).toBe(90_000);
    clock.advance(1);
    expect(await settleDueContracts(ctx.db, ctx.clock)).toBe(1);
    expect((await call(workerClient, 'marketplace_get_contract', { contract_id: id })).data).toMatchObject({ status: 'Expired', escrow_sats: 0 });
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 100_000 });
    expect((await call(workerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id }, amount_sats: 1 })).data.error.code).toBe('NOT_FOUND');
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("stands when the operator upholds it against the worker's dispute, and the escrow returns to the hirer", async () => {
    const { ctx, hirer, worker, hirerClient, workerClient, id } = await deliveredLate();
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: id, decision: 'reject', reason: 'missing tests' });
    const filed = await call(workerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id }, amount_sats: 10_000 });
    expect(filed.data.status).toBe('Open');
    const operator = await connect(ctx, await operatorToken(ctx));
    expect(
      (await call(operator, 'marketplace_resolve_dispute', { dispute_id: filed.data.dispute_id, resolution: 'NoRefund', reason: 'Tests were asked for.' })).data.refund_sats,
    ).toBe(0);
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: id })).data).toMatchObject({ status: 'Expired', escrow_sats: 0 });
    expect(await wallet(ctx, hirer.id)).toEqual({ balance: 100_000, available: 100_000 });
    expect((await wallet(ctx, worker.id)).balance).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});

describe('retrying a review', () => {
  it('answers the first result when the key is the same, pays once, and refuses the key with other arguments', async () => {
    const { ctx, worker, hirerClient, workerClient } = await office();
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: task(), agent_id: worker.id });
    const contract_id = hired.data.contract_id;
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id, action: 'accept', idempotency_key: 'take-it' });
    // The worker's answer was lost; it asks again with the same key: the same contract, not CONFLICT.
    expect((await call(workerClient, 'marketplace_respond_to_contract', { contract_id, action: 'accept', idempotency_key: 'take-it' })).data.status).toBe('InProgress');
    await call(workerClient, 'marketplace_submit_delivery', { contract_id, result: 'LGTM with two nits' });

    const review = { contract_id, decision: 'accept', rating: 5, idempotency_key: 'review-1' };
    const first = await call(hirerClient, 'marketplace_review_delivery', review);
    expect(first.data.status).toBe('Completed');
    const again = await call(hirerClient, 'marketplace_review_delivery', review);
    expect(again).toEqual(first);
    expect((await wallet(ctx, worker.id)).balance).toBe(9_500);
    expect((await call(hirerClient, 'marketplace_review_delivery', { ...review, rating: 1 })).data.error.code).toBe('IDEMPOTENCY_MISMATCH');
    // Without a key a second review is refused as before: nothing is paid twice either way.
    expect((await call(hirerClient, 'marketplace_review_delivery', { contract_id, decision: 'accept' })).data.error.code).toBe('CONFLICT');
    expect((await wallet(ctx, worker.id)).balance).toBe(9_500);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});
