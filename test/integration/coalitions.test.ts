// Teams of agents through real MCP clients: the pool waits in escrow, work is assigned
// and accepted per subtask, and completion pays every member from the pool exactly once.
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { AppContext } from '../../src/context.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext, ManualClock } from '../support/fixtures.js';
import { mapInOrder } from '../../src/core/in-order.js';

afterEach(closeContexts);

const sats = async (ctx: AppContext, id: string) => (await getBalance(ctx.db, agentAccountId(id))).balanceMsats / 1000;

async function team() {
  const ctx = await makeContext();
  const { sponsor, agent: funder } = await fundedAgent(ctx, 100_000);
  const names = ['Lead', 'Ada', 'Bo'];
  const members = await mapInOrder(names, async (n) => agent(ctx, sponsor.id, n));
  const clients = new Map<string, Client>();
  for (const a of [funder, ...members]) clients.set(a.id, await connect(ctx, a.token));
  const as = (id: string) => clients.get(id)!;
  return { ctx, sponsor, funder, lead: members[0]!, ada: members[1]!, bo: members[2]!, as };
}

async function ok(client: Client, tool: string, args: Record<string, unknown>) {
  const r = await call(client, tool, args);
  expect(r.isError, `${tool}: ${JSON.stringify(r.data)}`).toBe(false);
  return r.data;
}

describe('coalitions', () => {
  it('a Hierarchical coalition of three completes a three-subtask task and settles ProportionalToWork', async () => {
    const { ctx, funder, lead, ada, bo, as } = await team();
    const proposed = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Hierarchical',
      task_description: 'Write, test and document a parser.',
      target_member_count: 3,
      payment_structure: 'ProportionalToWork',
      coordinator_id: lead.id,
      pool_sats: 10_000,
      aggregation: 'Concatenate',
      subtasks: [
        { key: 'write', title: 'Write the parser', weight: 5 },
        { key: 'test', title: 'Test it', weight: 3, depends_on: ['write'] },
        { key: 'docs', title: 'Document it', weight: 2, depends_on: ['write'] },
      ],
    });
    const id = proposed.coalition_id;
    expect(proposed).toMatchObject({ status: 'Forming', untrusted_task_description: 'Write, test and document a parser.' });
    expect(proposed.subtasks.find((s: { key: string }) => s.key === 'write')).toMatchObject({ untrusted_title: 'Write the parser' });
    expect(proposed).not.toHaveProperty('task_description');
    expect((await getBalance(ctx.db, agentAccountId(funder.id))).availableMsats / 1000).toBe(90_000);

    await ok(as(lead.id), 'marketplace_join_coalition', { coalition_id: id });
    expect((await call(as(ada.id), 'marketplace_join_coalition', { coalition_id: id })).data.error.code).toBe('NOT_FOUND');
    for (const m of [ada, bo]) await ok(as(lead.id), 'marketplace_invite_to_coalition', { coalition_id: id, agent_id: m.id });
    await ok(as(ada.id), 'marketplace_join_coalition', { coalition_id: id });
    expect((await ok(as(bo.id), 'marketplace_join_coalition', { coalition_id: id })).status).toBe('Active');

    // Only the coordinator assigns in a Hierarchical coalition.
    expect((await call(as(ada.id), 'marketplace_assign_subtask', { coalition_id: id, key: 'write', assignee_id: ada.id })).data.error.code).toBe('FORBIDDEN');
    await ok(as(lead.id), 'marketplace_assign_subtask', { coalition_id: id, key: 'write', assignee_id: ada.id });
    await ok(as(lead.id), 'marketplace_assign_subtask', { coalition_id: id, key: 'test', assignee_id: bo.id });
    await ok(as(lead.id), 'marketplace_assign_subtask', { coalition_id: id, key: 'docs', assignee_id: ada.id });
    // Testing waits for the parser.
    expect((await call(as(bo.id), 'marketplace_submit_subtask', { coalition_id: id, key: 'test', result: 'tests' })).data.error.code).toBe('CONFLICT');
    await ok(as(ada.id), 'marketplace_submit_subtask', { coalition_id: id, key: 'write', result: 'parser.ts' });
    await ok(as(lead.id), 'marketplace_accept_subtask', { coalition_id: id, key: 'write' });
    await ok(as(bo.id), 'marketplace_submit_subtask', { coalition_id: id, key: 'test', result: 'parser.test.ts' });
    await ok(as(ada.id), 'marketplace_submit_subtask', { coalition_id: id, key: 'docs', result: 'README.md' });
    expect((await call(as(funder.id), 'marketplace_complete_coalition', { coalition_id: id })).data.error.code).toBe('CONFLICT');
    await ok(as(lead.id), 'marketplace_accept_subtask', { coalition_id: id, key: 'test' });
    await ok(as(lead.id), 'marketplace_accept_subtask', { coalition_id: id, key: 'docs' });

    const done = await ok(as(funder.id), 'marketplace_complete_coalition', { coalition_id: id });
    expect(done.status).toBe('Dissolved');
    // The answer says who got what, in member order, and it adds up to the pool.
    expect(done.payouts).toEqual([
      { agent_id: lead.id, amount_sats: 0 },
      { agent_id: ada.id, amount_sats: 7_000 },
      { agent_id: bo.id, amount_sats: 3_000 },
    ]);
    expect(done.payouts.reduce((sum: number, p: { amount_sats: number }) => sum + p.amount_sats, 0)).toBe(proposed.pool_sats);
    expect(done.untrusted_result.split('\n\n').sort()).toEqual(['README.md', 'parser.test.ts', 'parser.ts']);
    // Weights: Ada 5 + 2 = 7, Bo 3, the coordinator 0 → 7,000 / 3,000 / 0.
    expect([await sats(ctx, ada.id), await sats(ctx, bo.id), await sats(ctx, lead.id)]).toEqual([7_000, 3_000, 0]);
    expect(await sats(ctx, funder.id)).toBe(90_000);
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    expect((await call(as(funder.id), 'marketplace_complete_coalition', { coalition_id: id })).data.error.code).toBe('CONFLICT');
    expect(await verifyLedger(ctx.db)).toMatchObject({ ok: true });
  });

  it('splits Equal with the remainder to the coordinator, and Fixed by the agreed amounts', async () => {
    const { ctx, funder, lead, ada, bo, as } = await team();
    const equal = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 3,
      payment_structure: 'Equal',
      coordinator_id: lead.id,
      pool_sats: 1_000,
    });
    await ok(as(lead.id), 'marketplace_join_coalition', { coalition_id: equal.coalition_id });
    for (const m of [ada, bo]) {
      await ok(as(lead.id), 'marketplace_invite_to_coalition', { coalition_id: equal.coalition_id, agent_id: m.id });
      await ok(as(m.id), 'marketplace_join_coalition', { coalition_id: equal.coalition_id });
    }
    const settled = await ok(as(lead.id), 'marketplace_complete_coalition', { coalition_id: equal.coalition_id });
    const msats = async (id: string) => (await getBalance(ctx.db, agentAccountId(id))).balanceMsats;
    // Shares are whole sats, so what each member is told is exactly what it holds, and the three add up to the pool.
    expect(settled.payouts).toEqual([
      { agent_id: lead.id, amount_sats: 334 },
      { agent_id: ada.id, amount_sats: 333 },
      { agent_id: bo.id, amount_sats: 333 },
    ]);
    expect([await msats(lead.id), await msats(ada.id), await msats(bo.id)]).toEqual([334_000, 333_000, 333_000]);

    const fixed = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Standing',
      task_description: 'y',
      target_member_count: 2,
      payment_structure: 'Fixed',
      pool_sats: 500,
    });
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { coalition_id: fixed.coalition_id, agent_id: ada.id, fixed_sats: 300 });
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { coalition_id: fixed.coalition_id, agent_id: bo.id, fixed_sats: 150 });
    await ok(as(ada.id), 'marketplace_join_coalition', { coalition_id: fixed.coalition_id });
    await ok(as(bo.id), 'marketplace_join_coalition', { coalition_id: fixed.coalition_id });
    const before = [await msats(ada.id), await msats(bo.id)];
    const fixedDone = await ok(as(funder.id), 'marketplace_complete_coalition', { coalition_id: fixed.coalition_id });
    expect(fixedDone.status).toBe('Settled');
    expect(fixedDone.payouts).toEqual([
      { agent_id: ada.id, amount_sats: 350 },
      { agent_id: bo.id, amount_sats: 150 },
    ]);
    // 300 and 150 as agreed; the 50 left goes to the first member (no coordinator).
    expect([(await msats(ada.id)) - before[0]!, (await msats(bo.id)) - before[1]!]).toEqual([350_000, 150_000]);

    // A Standing coalition takes its next task with the same members; members take subtasks themselves.
    const next = await ok(as(funder.id), 'marketplace_start_next_task', {
      coalition_id: fixed.coalition_id,
      task_description: 'the next one',
      pool_sats: 600,
      subtasks: [{ key: 'again', title: 'Again' }],
    });
    expect(next).toMatchObject({ status: 'Active', round: 2, pool_sats: 600, subtasks: [expect.objectContaining({ key: 'again', status: 'open' })] });
    await ok(as(bo.id), 'marketplace_assign_subtask', { coalition_id: fixed.coalition_id, key: 'again', assignee_id: bo.id });
    await ok(as(bo.id), 'marketplace_submit_subtask', { coalition_id: fixed.coalition_id, key: 'again', result: 'done again' });
    await ok(as(funder.id), 'marketplace_accept_subtask', { coalition_id: fixed.coalition_id, key: 'again' });
    const second = [await msats(ada.id), await msats(bo.id)];
    expect((await ok(as(funder.id), 'marketplace_complete_coalition', { coalition_id: fixed.coalition_id })).untrusted_result).toBe('done again');
    expect([(await msats(ada.id)) - second[0]!, (await msats(bo.id)) - second[1]!]).toEqual([450_000, 150_000]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('runs a Market coalition on bids, and dissolving returns the pool', async () => {
    const { ctx, funder, lead, ada, bo, as } = await team();
    const market = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Market',
      task_description: 'z',
      target_member_count: 2,
      payment_structure: 'ProportionalToWork',
      coordinator_id: lead.id,
      pool_sats: 2_000,
      subtasks: [{ key: 'only', title: 'The job', weight: 1 }],
    });
    await ok(as(lead.id), 'marketplace_join_coalition', { coalition_id: market.coalition_id });
    await ok(as(ada.id), 'marketplace_join_coalition', { coalition_id: market.coalition_id }); // Market: open
    await ok(as(ada.id), 'marketplace_bid_on_subtask', { coalition_id: market.coalition_id, key: 'only', price_sats: 900 });
    expect((await call(as(lead.id), 'marketplace_assign_subtask', { coalition_id: market.coalition_id, key: 'only', assignee_id: lead.id })).data.error.code).toBe('CONFLICT');
    await ok(as(lead.id), 'marketplace_assign_subtask', { coalition_id: market.coalition_id, key: 'only', assignee_id: ada.id });
    await ok(as(ada.id), 'marketplace_submit_subtask', { coalition_id: market.coalition_id, key: 'only', result: 'done' });
    await ok(as(lead.id), 'marketplace_accept_subtask', { coalition_id: market.coalition_id, key: 'only' });
    await ok(as(lead.id), 'marketplace_complete_coalition', { coalition_id: market.coalition_id });
    expect(await sats(ctx, ada.id)).toBe(2_000);

    const gone = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'w',
      target_member_count: 5,
      payment_structure: 'Equal',
      pool_sats: 5_000,
    });
    expect((await getBalance(ctx.db, agentAccountId(funder.id))).availableMsats / 1000).toBe(93_000);
    expect((await call(as(bo.id), 'marketplace_dissolve_coalition', { coalition_id: gone.coalition_id })).data.error.code).toBe('NOT_FOUND');
    expect((await ok(as(funder.id), 'marketplace_dissolve_coalition', { coalition_id: gone.coalition_id })).status).toBe('Dissolved');
    expect((await getBalance(ctx.db, agentAccountId(funder.id))).availableMsats / 1000).toBe(98_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('keeps the pool for the members once work is handed in: the funder cannot dissolve after a submission', async () => {
    const { ctx, funder, ada, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'Equal',
      pool_sats: 1_000,
      subtasks: [{ key: 'a', title: 'A' }],
    });
    const id = { coalition_id: c.coalition_id };
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: ada.id });
    await ok(as(ada.id), 'marketplace_join_coalition', id);
    await ok(as(ada.id), 'marketplace_assign_subtask', { ...id, key: 'a', assignee_id: ada.id });
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: 'a', result: 'the work' });
    expect((await ok(as(funder.id), 'marketplace_get_coalition', id)).subtasks[0].untrusted_result).toBe('the work');

    const submitted = await call(as(funder.id), 'marketplace_dissolve_coalition', id);
    expect(submitted.data.error.code).toBe('CONFLICT');
    expect(submitted.data.error.message).toMatch(/work was handed in on subtask a/);
    await ok(as(funder.id), 'marketplace_accept_subtask', { ...id, key: 'a' });
    expect((await call(as(funder.id), 'marketplace_dissolve_coalition', id)).data.error.code).toBe('CONFLICT');
    expect((await getBalance(ctx.db, agentAccountId(funder.id))).availableMsats / 1000).toBe(99_000);

    await ok(as(funder.id), 'marketplace_complete_coalition', id);
    expect(await sats(ctx, ada.id)).toBe(1_000);
    expect(await sats(ctx, funder.id)).toBe(99_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('lets the coordinator send work back to redo or to another member, so a bad or missing result still reaches completion', async () => {
    const { ctx, funder, lead, ada, bo, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Hierarchical',
      task_description: 'x',
      target_member_count: 3,
      payment_structure: 'ProportionalToWork',
      coordinator_id: lead.id,
      pool_sats: 1_000,
      subtasks: [
        { key: 'a', title: 'A' },
        { key: 'b', title: 'B' },
      ],
    });
    const id = { coalition_id: c.coalition_id };
    await ok(as(lead.id), 'marketplace_join_coalition', id);
    for (const m of [ada, bo]) {
      await ok(as(lead.id), 'marketplace_invite_to_coalition', { ...id, agent_id: m.id });
      await ok(as(m.id), 'marketplace_join_coalition', id);
    }
    await ok(as(lead.id), 'marketplace_assign_subtask', { ...id, key: 'a', assignee_id: ada.id });
    await ok(as(lead.id), 'marketplace_assign_subtask', { ...id, key: 'b', assignee_id: bo.id });
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: 'a', result: 'draft' });
    const subtask = async (viewer: string, key: string) => (await ok(as(viewer), 'marketplace_get_coalition', id)).subtasks.find((s: { key: string }) => s.key === key);

    // Only the coordinator reviews; a returned result goes back to its assignee with the reason.
    expect((await call(as(ada.id), 'marketplace_return_subtask', { ...id, key: 'a', reason: 'mine is fine' })).data.error.code).toBe('FORBIDDEN');
    await ok(as(lead.id), 'marketplace_return_subtask', { ...id, key: 'a', reason: 'missing tests', idempotency_key: 'ret-a' });
    expect(await subtask(ada.id, 'a')).toMatchObject({ status: 'assigned', assignee_id: ada.id, untrusted_result: null, untrusted_return_reason: 'missing tests' });
    // A retry with the same key is the same return, not a second one that would reopen the subtask.
    expect((await call(as(lead.id), 'marketplace_return_subtask', { ...id, key: 'a', reason: 'missing tests', idempotency_key: 'ret-a' })).isError).toBe(false);
    expect((await subtask(lead.id, 'a')).status).toBe('assigned');
    // The funder has seen the draft: the pool stays with the members.
    expect((await call(as(funder.id), 'marketplace_dissolve_coalition', id)).data.error.code).toBe('CONFLICT');
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: 'a', result: 'draft with tests' });
    await ok(as(lead.id), 'marketplace_accept_subtask', { ...id, key: 'a' });

    // Bo never delivers: returning work that is not in yet needs reassign, which frees Bo and the subtask.
    expect((await call(as(lead.id), 'marketplace_return_subtask', { ...id, key: 'b', reason: 'late' })).data.error).toMatchObject({
      code: 'CONFLICT',
      details: { status: 'assigned' },
    });
    expect((await call(as(bo.id), 'marketplace_leave_coalition', id)).data.error.code).toBe('CONFLICT');
    await ok(as(lead.id), 'marketplace_return_subtask', { ...id, key: 'b', reason: 'no word for a week', reassign: true });
    expect(await subtask(lead.id, 'b')).toMatchObject({ status: 'open', assignee_id: null, untrusted_return_reason: 'no word for a week' });
    await ok(as(bo.id), 'marketplace_leave_coalition', id);
    await ok(as(lead.id), 'marketplace_assign_subtask', { ...id, key: 'b', assignee_id: ada.id });
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: 'b', result: 'b done' });
    await ok(as(lead.id), 'marketplace_accept_subtask', { ...id, key: 'b' });
    expect((await call(as(lead.id), 'marketplace_return_subtask', { ...id, key: 'b', reason: 'changed my mind', reassign: true })).data.error.code).toBe('CONFLICT');

    const done = await ok(as(funder.id), 'marketplace_complete_coalition', id);
    expect(done.untrusted_result).toBe('draft with tests\n\nb done');
    expect([await sats(ctx, ada.id), await sats(ctx, bo.id), await sats(ctx, funder.id)]).toEqual([1_000, 0, 99_000]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('shows a Market subtask result only to the funder, the coordinator and its assignee', async () => {
    const { ctx, sponsor, funder, lead, ada, bo, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Market',
      task_description: 'x',
      target_member_count: 3,
      payment_structure: 'ProportionalToWork',
      coordinator_id: lead.id,
      pool_sats: 1_000,
      subtasks: [
        { key: 'a', title: 'A' },
        { key: 'b', title: 'B', depends_on: ['a'] },
      ],
    });
    const id = { coalition_id: c.coalition_id };
    for (const m of [lead, ada, bo]) await ok(as(m.id), 'marketplace_join_coalition', id);
    await ok(as(ada.id), 'marketplace_bid_on_subtask', { ...id, key: 'a', price_sats: 10 });
    await ok(as(lead.id), 'marketplace_assign_subtask', { ...id, key: 'a', assignee_id: ada.id });
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: 'a', result: 'secret work' });
    const resultOf = async (viewer: string, key: string) =>
      (await ok(as(viewer), 'marketplace_get_coalition', id)).subtasks.find((s: { key: string }) => s.key === key).untrusted_result;

    expect(await resultOf(funder.id, 'a')).toBe('secret work');
    expect(await resultOf(lead.id, 'a')).toBe('secret work');
    expect(await resultOf(ada.id, 'a')).toBe('secret work');
    // Bo, a rival member, and Cy, who has not even joined, see that work was submitted but not the work.
    expect(await resultOf(bo.id, 'a')).toBeNull();
    const cy = await connect(ctx, (await agent(ctx, sponsor.id, 'Cy')).token);
    expect((await ok(cy, 'marketplace_get_coalition', id)).subtasks[0]).toMatchObject({ key: 'a', status: 'submitted', untrusted_result: null });
    const bid = await ok(as(bo.id), 'marketplace_bid_on_subtask', { ...id, key: 'b', price_sats: 5 });
    expect(bid.subtasks.find((s: { key: string }) => s.key === 'a')).toMatchObject({ status: 'submitted', untrusted_result: null });
    // Bo, once given the subtask that builds on a, reads what it builds on.
    await ok(as(lead.id), 'marketplace_accept_subtask', { ...id, key: 'a' });
    await ok(as(lead.id), 'marketplace_assign_subtask', { ...id, key: 'b', assignee_id: bo.id });
    expect(await resultOf(bo.id, 'a')).toBe('secret work');
  });

  it('refuses Fixed amounts the pool cannot pay when inviting and when starting a next task, not after the work', async () => {
    const { ctx, funder, ada, bo, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Standing',
      task_description: 'x',
      target_member_count: 2,
      payment_structure: 'Fixed',
      pool_sats: 500,
    });
    const id = { coalition_id: c.coalition_id };
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: ada.id, fixed_sats: 300 });
    const over = await call(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: bo.id, fixed_sats: 250 });
    expect(over.data.error.code).toBe('INVALID_INPUT');
    expect(over.data.error.message).toMatch(/agreed amounts to 550 sats, but the pool holds 500 sats: offer at most 200 sats/);
    // Inviting Ada again replaces her amount rather than adding to it.
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: ada.id, fixed_sats: 250 });
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: bo.id, fixed_sats: 250 });
    for (const m of [ada, bo]) await ok(as(m.id), 'marketplace_join_coalition', id);
    await ok(as(funder.id), 'marketplace_complete_coalition', id);
    expect([await sats(ctx, ada.id), await sats(ctx, bo.id)]).toEqual([250, 250]);

    const next = await call(as(funder.id), 'marketplace_start_next_task', { ...id, task_description: 'again', pool_sats: 400 });
    expect(next.data.error.code).toBe('INVALID_INPUT');
    expect(next.data.error.message).toMatch(/pool_sats 400 is less than the 500 sats the members were promised/);
    expect((await getBalance(ctx.db, agentAccountId(funder.id))).availableMsats / 1000).toBe(99_500);
    expect((await ok(as(funder.id), 'marketplace_start_next_task', { ...id, task_description: 'again', pool_sats: 500 })).status).toBe('Active');
  });

  it('checks Merge results when they are submitted, and settles a Vote without a majority all the same', async () => {
    const { ctx, funder, ada, bo, as } = await team();
    const merge = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'Equal',
      pool_sats: 100,
      aggregation: 'Merge',
      subtasks: [{ key: 'a', title: 'A' }],
    });
    const m = { coalition_id: merge.coalition_id };
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...m, agent_id: ada.id });
    await ok(as(ada.id), 'marketplace_join_coalition', m);
    await ok(as(ada.id), 'marketplace_assign_subtask', { ...m, key: 'a', assignee_id: ada.id });
    for (const bad of ['plain text', '[1, 2]', 'null']) {
      expect((await call(as(ada.id), 'marketplace_submit_subtask', { ...m, key: 'a', result: bad })).data.error.code).toBe('INVALID_INPUT');
    }
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...m, key: 'a', result: '{"a": 1}' });
    await ok(as(funder.id), 'marketplace_accept_subtask', { ...m, key: 'a' });
    expect((await ok(as(funder.id), 'marketplace_complete_coalition', m)).untrusted_result).toBe('{"a":1}');

    const vote = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'y',
      target_member_count: 2,
      payment_structure: 'ProportionalToWork',
      pool_sats: 1_000,
      aggregation: 'Vote',
      subtasks: [
        { key: 'a', title: 'A' },
        { key: 'b', title: 'B' },
      ],
    });
    const v = { coalition_id: vote.coalition_id };
    const before = [await sats(ctx, ada.id), await sats(ctx, bo.id)];
    for (const member of [ada, bo]) {
      await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...v, agent_id: member.id });
      await ok(as(member.id), 'marketplace_join_coalition', v);
    }
    for (const [member, key, answer] of [
      [ada, 'a', 'yes'],
      [bo, 'b', 'no'],
    ] as const) {
      await ok(as(member.id), 'marketplace_assign_subtask', { ...v, key, assignee_id: member.id });
      await ok(as(member.id), 'marketplace_submit_subtask', { ...v, key, result: answer });
      await ok(as(funder.id), 'marketplace_accept_subtask', { ...v, key });
    }
    const done = await ok(as(funder.id), 'marketplace_complete_coalition', v);
    expect(done).toMatchObject({ status: 'Dissolved', untrusted_result: null, aggregation_error: expect.stringMatching(/no majority/) });
    expect([(await sats(ctx, ada.id)) - before[0]!, (await sats(ctx, bo.id)) - before[1]!]).toEqual([500, 500]);
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('pays a Market pool to the members who won accepted work, not to an agent who joins afterwards', async () => {
    const { ctx, funder, lead, ada, bo, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Market',
      task_description: 'x',
      target_member_count: 2,
      payment_structure: 'Equal',
      coordinator_id: lead.id,
      pool_sats: 1_000,
      subtasks: [{ key: 'only', title: 'The job' }],
    });
    const id = { coalition_id: c.coalition_id };
    for (const m of [lead, ada]) await ok(as(m.id), 'marketplace_join_coalition', id);
    await ok(as(ada.id), 'marketplace_bid_on_subtask', { ...id, key: 'only', price_sats: 1 });
    await ok(as(lead.id), 'marketplace_assign_subtask', { ...id, key: 'only', assignee_id: ada.id });
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: 'only', result: 'done' });
    await ok(as(lead.id), 'marketplace_accept_subtask', { ...id, key: 'only' });
    // Bo may still join an Active Market (there could be open subtasks to bid on), but wins nothing here.
    await ok(as(bo.id), 'marketplace_join_coalition', id);
    await ok(as(lead.id), 'marketplace_complete_coalition', id);
    expect([await sats(ctx, ada.id), await sats(ctx, lead.id), await sats(ctx, bo.id)]).toEqual([500, 500, 0]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('gives the remainder to the member who joined first, whatever the order of invitation or of agent ids', async () => {
    const { ctx, funder, lead, ada, bo, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 3,
      payment_structure: 'Equal',
      pool_sats: 1_000,
    });
    const id = { coalition_id: c.coalition_id };
    for (const m of [lead, ada, bo]) await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: m.id });
    for (const m of [bo, ada, lead]) {
      await ok(as(m.id), 'marketplace_join_coalition', id);
      (ctx.clock as ManualClock).advance(1_000);
    }
    expect((await ok(as(funder.id), 'marketplace_get_coalition', id)).members.map((m: { agent_id: string }) => m.agent_id)).toEqual([bo.id, ada.id, lead.id]);
    await ok(as(funder.id), 'marketplace_complete_coalition', id);
    const msats = async (a: { id: string }) => (await getBalance(ctx.db, agentAccountId(a.id))).balanceMsats;
    expect([await msats(bo), await msats(ada), await msats(lead)]).toEqual([334_000, 333_000, 333_000]);
  });

  it('refuses subtask cycles', async () => {
    const { funder, as } = await team();
    const cyclic = await call(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'Equal',
      subtasks: [
        { key: 'a', title: 'A', depends_on: ['b'] },
        { key: 'b', title: 'B', depends_on: ['a'] },
      ],
    });
    expect(cyclic.data.error.code).toBe('INVALID_INPUT');
  });

  it('bounds subtask weights at input, so a pool with work handed in can always be settled', async () => {
    const { ctx, funder, ada, as } = await team();
    const huge = await call(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'ProportionalToWork',
      pool_sats: 1_000,
      subtasks: [
        { key: 'a', title: 'A', weight: Number.MAX_SAFE_INTEGER },
        { key: 'b', title: 'B', weight: Number.MAX_SAFE_INTEGER },
      ],
    });
    expect(huge.data.error).toMatchObject({ code: 'INVALID_INPUT', details: { issues: [{ path: 'subtasks.0.weight' }, { path: 'subtasks.1.weight' }] } });
    expect((await getBalance(ctx.db, agentAccountId(funder.id))).availableMsats / 1000).toBe(100_000);

    // At the bound: completion settles, to the millisat.
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'ProportionalToWork',
      pool_sats: 1_000,
      subtasks: Array.from({ length: 2 }, (_, i) => ({ key: `k${i}`, title: 'T', weight: 1_000_000 })),
    });
    const id = { coalition_id: c.coalition_id };
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: ada.id });
    await ok(as(ada.id), 'marketplace_join_coalition', id);
    for (let i = 0; i < 2; i++) {
      await ok(as(ada.id), 'marketplace_assign_subtask', { ...id, key: `k${i}`, assignee_id: ada.id });
      await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: `k${i}`, result: 'r' });
      await ok(as(funder.id), 'marketplace_accept_subtask', { ...id, key: `k${i}` });
    }
    await ok(as(funder.id), 'marketplace_complete_coalition', id);
    expect(await sats(ctx, ada.id)).toBe(1_000);
  });

  it('makes the proposer the coordinator of a Hierarchical coalition proposed without coordinator_id', async () => {
    const { ctx, funder, ada, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Hierarchical',
      task_description: 'x',
      target_member_count: 2,
      payment_structure: 'ProportionalToWork',
      pool_sats: 1_000,
      subtasks: [{ key: 'k', title: 'The job' }],
    });
    expect(c).toMatchObject({ coordinator_id: funder.id, members: [{ agent_id: funder.id, status: 'joined' }], status: 'Forming' });
    const id = { coalition_id: c.coalition_id };
    await ok(as(funder.id), 'marketplace_invite_to_coalition', { ...id, agent_id: ada.id });
    expect((await ok(as(ada.id), 'marketplace_join_coalition', id)).status).toBe('Active');
    // Only the coordinator assigns, and that is the proposer.
    expect((await call(as(ada.id), 'marketplace_assign_subtask', { ...id, key: 'k', assignee_id: ada.id })).data.error.code).toBe('FORBIDDEN');
    await ok(as(funder.id), 'marketplace_assign_subtask', { ...id, key: 'k', assignee_id: ada.id });
    await ok(as(ada.id), 'marketplace_submit_subtask', { ...id, key: 'k', result: 'done' });
    await ok(as(funder.id), 'marketplace_accept_subtask', { ...id, key: 'k' });
    const done = await ok(as(funder.id), 'marketplace_complete_coalition', id);
    expect(done.payouts).toEqual([
      { agent_id: funder.id, amount_sats: 0 },
      { agent_id: ada.id, amount_sats: 1_000 },
    ]);
    expect(await sats(ctx, ada.id)).toBe(1_000);
  });

  it('lets a named coordinator act only once it accepted, and shows a private coalition to nobody else', async () => {
    const { funder, lead, ada, bo, as } = await team();
    const c = await ok(as(funder.id), 'marketplace_propose_coalition', {
      coalition_type: 'Hierarchical',
      task_description: 'x',
      target_member_count: 2,
      payment_structure: 'Equal',
      coordinator_id: lead.id,
      pool_sats: 1_000,
    });
    const id = { coalition_id: c.coalition_id };
    const early = await call(as(lead.id), 'marketplace_invite_to_coalition', { ...id, agent_id: ada.id });
    expect(early.data.error.code).toBe('FORBIDDEN');
    expect(early.data.error.message).toMatch(/join it .* before inviting/);
    await ok(as(lead.id), 'marketplace_join_coalition', id);
    await ok(as(lead.id), 'marketplace_invite_to_coalition', { ...id, agent_id: ada.id });

    // An outsider hears of it exactly as of a coalition that does not exist, whatever it asks.
    const missing = (await call(as(bo.id), 'marketplace_get_coalition', { coalition_id: 'co_does_not_exist' })).data.error;
    const asks: [string, Record<string, unknown>][] = [
      ['marketplace_get_coalition', id],
      ['marketplace_join_coalition', id],
      ['marketplace_leave_coalition', id],
      ['marketplace_complete_coalition', id],
      ['marketplace_dissolve_coalition', id],
      ['marketplace_invite_to_coalition', { ...id, agent_id: bo.id }],
      ['marketplace_bid_on_subtask', { ...id, key: 'k', price_sats: 1 }],
      ['marketplace_assign_subtask', { ...id, key: 'k', assignee_id: bo.id }],
      ['marketplace_start_next_task', { ...id, task_description: 'y' }],
    ];
    for (const [tool, args] of asks) {
      const error = (await call(as(bo.id), tool, args)).data.error;
      expect(error, tool).toMatchObject({ code: 'NOT_FOUND', message: missing.message.replace('co_does_not_exist', c.coalition_id) });
    }
  });
});
