// A sponsor who blocks an agent means: none of my agent's money reaches it, by any path.
// Each scenario tries one path through real MCP clients (the first was a coalition whose
// coordinator was the blocked agent, which paid it the whole pool); the inventory walk
// makes every new acting tool say whether it pays anyone before it can ship.
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { AppContext } from '../../src/context.js';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { withNamedPayees } from '../../src/domain/ledger/payee-scope.js';
import { getBalance, postTransfer } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { reviewSkillVersion } from '../../src/domain/skills/catalogue.js';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { isGated } from '../../src/tools/inventory.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext, sponsor } from '../support/fixtures.js';
import { minimalTrajectory } from '../support/market-world.js';
import { canonicalHash } from '../../src/core/canonical-json.js';

afterEach(closeContexts);

const sats = async (ctx: AppContext, id: string) => (await getBalance(ctx.db, agentAccountId(id))).balanceMsats / 1000;

/** A funded payer whose sponsor blocks `mallory`; `carol` is an unrelated agent of another sponsor. */
async function world() {
  const ctx = await makeContext({ config: { autoApproveProviders: true } });
  const { agent: payer } = await fundedAgent(ctx, 100_000);
  const other = await sponsor(ctx, 'Other sponsor');
  const mallory = await agent(ctx, other.id, 'Mallory');
  const carol = await agent(ctx, other.id, 'Carol');
  const clients = new Map<string, Client>();
  for (const a of [payer, mallory, carol]) clients.set(a.id, await connect(ctx, a.token));
  const as = (id: string) => clients.get(id)!;
  const block = () => setPolicy(ctx.db, ctx.clock, payer.id, { level: 'Autonomous', counterparties: { block: [mallory.id] } }, 'test');
  return { ctx, payer, mallory, carol, as, block };
}

async function ok(client: Client, tool: string, args: Record<string, unknown>) {
  const r = await call(client, tool, args);
  expect(r.isError, `${tool}: ${JSON.stringify(r.data)}`).toBe(false);
  return r.data;
}

async function refused(client: Client, tool: string, args: Record<string, unknown>) {
  const r = await call(client, tool, args);
  expect(r.data.error?.code, `${tool}: ${JSON.stringify(r.data)}`).toBe('POLICY_DENIED');
  return r.data;
}

type World = Awaited<ReturnType<typeof world>>;

/** Every money path, tried against a blocked agent. Each ends with the blocked agent no richer. */
const SCENARIOS: Record<string, (w: World) => Promise<void>> = {
  async marketplace_send_payment({ payer, mallory, as, block }) {
    await block();
    await refused(as(payer.id), 'marketplace_send_payment', { to_agent_id: mallory.id, amount_sats: 10 });
  },
  async marketplace_propose_coalition({ ctx, payer, mallory, as, block }) {
    await block();
    // The reported hole: the blocked agent as coordinator of a one-member coalition.
    await refused(as(payer.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'Equal',
      coordinator_id: mallory.id,
      pool_sats: 5_000,
    });
    expect((await getBalance(ctx.db, agentAccountId(payer.id))).availableMsats).toBe(100_000_000);
  },
  async marketplace_complete_coalition({ payer, mallory, as, block }) {
    // Blocked after the coordinator joined: completion would pay it the pool.
    const c = await ok(as(payer.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'Equal',
      coordinator_id: mallory.id,
      pool_sats: 5_000,
    });
    await ok(as(mallory.id), 'marketplace_join_coalition', { coalition_id: c.coalition_id });
    await block();
    await refused(as(payer.id), 'marketplace_complete_coalition', { coalition_id: c.coalition_id });
    // The coordinator completing it is judged by the funder's rules too.
    await refused(as(mallory.id), 'marketplace_complete_coalition', { coalition_id: c.coalition_id });
  },
  async marketplace_invite_to_coalition({ payer, mallory, carol, as, block }) {
    await block();
    const c = await ok(as(payer.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 3,
      payment_structure: 'Equal',
      coordinator_id: carol.id,
      pool_sats: 5_000,
    });
    await refused(as(payer.id), 'marketplace_invite_to_coalition', { coalition_id: c.coalition_id, agent_id: mallory.id });
    // A coordinator of another sponsor seats members into the funder's pool only under the funder's rules.
    await ok(as(carol.id), 'marketplace_join_coalition', { coalition_id: c.coalition_id });
    await refused(as(carol.id), 'marketplace_invite_to_coalition', { coalition_id: c.coalition_id, agent_id: mallory.id });
  },
  async marketplace_join_coalition({ payer, mallory, as, block }) {
    await block();
    const c = await ok(as(payer.id), 'marketplace_propose_coalition', {
      coalition_type: 'Market',
      task_description: 'x',
      target_member_count: 2,
      payment_structure: 'Equal',
      pool_sats: 5_000,
    });
    // Market coalitions are open to anyone, but not to those the funder blocks.
    await refused(as(mallory.id), 'marketplace_join_coalition', { coalition_id: c.coalition_id });
  },
  async marketplace_assign_subtask({ payer, mallory, as, block }) {
    const c = await ok(as(payer.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'ProportionalToWork',
      pool_sats: 5_000,
      subtasks: [{ key: 'k', title: 't' }],
    });
    await ok(as(payer.id), 'marketplace_invite_to_coalition', { coalition_id: c.coalition_id, agent_id: mallory.id });
    await ok(as(mallory.id), 'marketplace_join_coalition', { coalition_id: c.coalition_id });
    await block();
    await refused(as(payer.id), 'marketplace_assign_subtask', { coalition_id: c.coalition_id, key: 'k', assignee_id: mallory.id });
  },
  async marketplace_accept_subtask({ payer, mallory, as, block }) {
    const c = await ok(as(payer.id), 'marketplace_propose_coalition', {
      coalition_type: 'AdHoc',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'ProportionalToWork',
      pool_sats: 5_000,
      subtasks: [{ key: 'k', title: 't' }],
    });
    await ok(as(payer.id), 'marketplace_invite_to_coalition', { coalition_id: c.coalition_id, agent_id: mallory.id });
    await ok(as(mallory.id), 'marketplace_join_coalition', { coalition_id: c.coalition_id });
    await ok(as(mallory.id), 'marketplace_assign_subtask', { coalition_id: c.coalition_id, key: 'k', assignee_id: mallory.id });
    await ok(as(mallory.id), 'marketplace_submit_subtask', { coalition_id: c.coalition_id, key: 'k', result: 'done' });
    await block();
    await refused(as(payer.id), 'marketplace_accept_subtask', { coalition_id: c.coalition_id, key: 'k' });
  },
  async marketplace_start_next_task({ payer, mallory, as, block }) {
    const c = await ok(as(payer.id), 'marketplace_propose_coalition', {
      coalition_type: 'Standing',
      task_description: 'x',
      target_member_count: 1,
      payment_structure: 'Equal',
      pool_sats: 0,
    });
    await ok(as(payer.id), 'marketplace_invite_to_coalition', { coalition_id: c.coalition_id, agent_id: mallory.id });
    await ok(as(mallory.id), 'marketplace_join_coalition', { coalition_id: c.coalition_id });
    await ok(as(payer.id), 'marketplace_complete_coalition', { coalition_id: c.coalition_id });
    await block();
    await refused(as(payer.id), 'marketplace_start_next_task', { coalition_id: c.coalition_id, task_description: 'y', pool_sats: 1_000 });
  },
  async marketplace_hire_agent({ payer, mallory, as, block }) {
    await block();
    await refused(as(payer.id), 'marketplace_hire_agent', { task: { description: 'x', required_skills: [], max_budget_sats: 1_000 }, agent_id: mallory.id });
  },
  async marketplace_review_delivery({ payer, mallory, as, block }) {
    const hired = await ok(as(payer.id), 'marketplace_hire_agent', { task: { description: 'x', required_skills: [], max_budget_sats: 1_000 }, agent_id: mallory.id });
    await ok(as(mallory.id), 'marketplace_respond_to_contract', { contract_id: hired.contract_id, action: 'accept' });
    await ok(as(mallory.id), 'marketplace_submit_delivery', { contract_id: hired.contract_id, result: 'done' });
    await block();
    await refused(as(payer.id), 'marketplace_review_delivery', { contract_id: hired.contract_id, decision: 'accept' });
    // Refusing the work pays nobody, so it stays open to the blocking agent.
    await ok(as(payer.id), 'marketplace_review_delivery', { contract_id: hired.contract_id, decision: 'reject', reason: 'blocked' });
  },
  async marketplace_purchase_data({ payer, mallory, as, block }) {
    const listed = await ok(as(mallory.id), 'marketplace_create_data_listing', {
      title: 't',
      description: 'd',
      listing_type: 'FullDataset',
      price_sats: 100,
      sha256: 'a'.repeat(64),
      format: 'csv',
    });
    await block();
    await refused(as(payer.id), 'marketplace_purchase_data', { listing_id: listed.listing_id });
  },
  async marketplace_confirm_purchase({ payer, mallory, as, block }) {
    const listed = await ok(as(mallory.id), 'marketplace_create_data_listing', {
      title: 't',
      description: 'd',
      listing_type: 'FullDataset',
      price_sats: 100,
      sha256: 'a'.repeat(64),
      format: 'csv',
    });
    const bought = await ok(as(payer.id), 'marketplace_purchase_data', { listing_id: listed.listing_id });
    await block();
    await refused(as(payer.id), 'marketplace_confirm_purchase', { purchase_id: bought.purchase_id, received_sha256: 'a'.repeat(64) });
  },
  async marketplace_install_skill({ ctx, payer, mallory, carol, as, block }) {
    await publishPaidSkill(ctx, as(carol.id), 'carols-skill');
    await block();
    // The creator is fine; the referrer named with the install is the blocked one.
    await refused(as(payer.id), 'marketplace_install_skill', { slug: 'carols-skill', referrer_id: mallory.id });
    await publishPaidSkill(ctx, as(mallory.id), 'mallorys-skill');
    await refused(as(payer.id), 'marketplace_install_skill', { slug: 'mallorys-skill' });
  },
  async marketplace_record_skill_usage({ ctx, payer, mallory, as, block }) {
    await publishPaidSkill(ctx, as(mallory.id), 'metered', { model: 'PerCall', per_call_sats: 10 });
    await ok(as(payer.id), 'marketplace_install_skill', { slug: 'metered' });
    await block();
    await refused(as(payer.id), 'marketplace_record_skill_usage', { slug: 'metered', calls: 1 });
  },
  async marketplace_review_submission({ payer, mallory, as, block }) {
    const bounty = await ok(as(payer.id), 'marketplace_create_bounty', {
      title: 't',
      description: 'd',
      reward_sats: 1_000,
      requirements: { min_samples: 1, required_format: 'json' },
      deadline: new Date(Date.now() + 86_400_000).toISOString(),
    });
    const sent = await ok(as(mallory.id), 'marketplace_submit_to_bounty', {
      bounty_id: bounty.bounty_id,
      data_samples: [{ text: 'a sample' }],
      metadata: { format: 'json', sample_count: 1 },
    });
    await block();
    await refused(as(payer.id), 'marketplace_review_submission', { submission_id: sent.submission_id, decision: 'accept' });
  },
  async marketplace_contribute_trajectory({ ctx, payer, mallory, as, block }) {
    // Paid at once from the creator's escrow, with no review in between: the creator's rules decide before anything moves.
    const bounty = await ok(as(payer.id), 'marketplace_create_bounty', {
      title: 't',
      description: 'd',
      reward_sats: 1_000,
      requirements: { min_samples: 1, required_format: 'trajectory' },
      deadline: new Date(Date.now() + 86_400_000).toISOString(),
    });
    await block();
    const trajectory = minimalTrajectory();
    await refused(as(mallory.id), 'marketplace_contribute_trajectory', {
      bounty_id: bounty.bounty_id,
      trajectory,
      metadata: { source: 'claude', trajectory_hash: canonicalHash(trajectory), quality_score: 0.5 },
    });
    expect((await getBalance(ctx.db, agentAccountId(payer.id))).heldMsats).toBe(1_000_000);
  },
  async marketplace_submit_compute_job({ ctx, payer, mallory, as, block }) {
    // Jobs are paid over Lightning, to the provider routing picks: it never picks one run by a refused agent.
    await ok(as(mallory.id), 'marketplace_register_provider', { name: 'm', kinds: [5050], price_sats: 1, regions: ['eu'] });
    await block();
    const r = await call(as(payer.id), 'marketplace_submit_compute_job', { kind: 5050, input: 'hi', max_price_sats: 10, timeout_seconds: 1 });
    expect(r.data.error?.code, JSON.stringify(r.data)).toBe('NOT_FOUND');
    expect((await getBalance(ctx.db, agentAccountId(payer.id))).heldMsats).toBe(0);
  },
};

async function publishPaidSkill(ctx: AppContext, client: Client, slug: string, pricing: Record<string, unknown> = { model: 'OneTime', sats: 100 }) {
  await ok(client, 'marketplace_publish_skill', { slug, name: slug, version: '1.0.0', description: 'A skill.', pricing });
  await ok(client, 'marketplace_submit_skill_for_review', { slug, version: '1.0.0' });
  await reviewSkillVersion(ctx.db, ctx.clock, { slug, version: '1.0.0', decision: 'approve' });
}

/** Acting tools that move no money to another agent, with why. A new acting tool must be put here or in SCENARIOS. */
const PAYS_NOBODY: Record<string, string> = {
  marketplace_update_profile: 'edits the caller itself',
  marketplace_respond_to_contract: 'the hired side answers; the hirer pays',
  marketplace_cancel_contract: 'the escrow returns to the hirer',
  marketplace_submit_delivery: 'the worker delivers; it is paid, it pays nobody',
  marketplace_rate_hirer: 'a rating',
  marketplace_create_bounty: 'the reward is held in escrow; review pays (review_submission)',
  marketplace_submit_to_bounty: 'the contributor is paid, it pays nobody',
  marketplace_cancel_bounty: 'the reward returns to the creator',
  marketplace_leave_coalition: 'the member leaves',
  marketplace_dissolve_coalition: 'the pool returns to the funder',
  marketplace_bid_on_subtask: 'a bid',
  marketplace_submit_subtask: 'the assignee is paid, it pays nobody',
  marketplace_return_subtask: 'work goes back; nothing is paid',
  marketplace_cancel_compute_job: 'the hold returns to the agent',
  marketplace_register_provider: 'registers the caller',
  marketplace_rate_provider: 'a rating',
  marketplace_create_data_listing: 'the seller lists',
  marketplace_delist_data: 'the seller delists',
  marketplace_file_dispute: 'a refund can only come back to the claimant',
  marketplace_respond_to_dispute: 'a response; the operator decides',
  marketplace_publish_skill: 'the creator publishes',
  marketplace_submit_skill_for_review: 'the creator asks for review',
  marketplace_uninstall_skill: 'nothing is refunded or paid',
  marketplace_rate_skill: 'a rating',
  marketplace_create_topup_invoice: 'money comes in from outside',
  marketplace_withdraw: 'money leaves to a Lightning invoice, not to an agent here',
};

describe('a blocked counterparty receives nothing from the blocking agent', () => {
  it('every acting tool either names whom it pays (and is tried below) or is known to pay nobody', () => {
    const acting = ALL_TOOLS.filter((t) => isGated(t, 'agent'))
      .map((t) => t.name)
      .sort();
    const classified = [...Object.keys(SCENARIOS), ...Object.keys(PAYS_NOBODY)].sort();
    expect(
      acting.filter((t) => !classified.includes(t)),
      'acting tools not classified',
    ).toEqual([]);
    expect(
      classified.filter((t) => !acting.includes(t)),
      'classified tools that do not exist',
    ).toEqual([]);
  });

  it.each(Object.keys(SCENARIOS))('%s', async (tool) => {
    const w = await world();
    const before = await sats(w.ctx, w.mallory.id);
    await SCENARIOS[tool]!(w);
    expect(await sats(w.ctx, w.mallory.id)).toBe(before);
    expect(await verifyLedger(w.ctx.db)).toMatchObject({ ok: true });
  });

  it('the ledger refuses, during a gated call, to credit an agent the call did not name', async () => {
    const ctx = await makeContext();
    const { agent: from } = await fundedAgent(ctx, 1_000);
    const to = await agent(ctx, (await sponsor(ctx, 'S')).id, 'To');
    const pay = (db: typeof ctx.db) =>
      postTransfer(db, ctx.clock, { debitAccountId: agentAccountId(from.id), creditAccountId: agentAccountId(to.id), amountMsats: 1_000, entryType: 'Payment' });
    await expect(ctx.db.write(async (tx) => withNamedPayees(tx, { tool: 'a_tool', callerId: from.id, counterparties: [] }, () => pay(tx)))).rejects.toThrow(
      /a_tool credited agent:.* without naming/,
    );
    expect(await sats(ctx, to.id)).toBe(0);
    // Escrow and the caller's own account are not counterparties.
    await ctx.db.write(async (tx) =>
      withNamedPayees(tx, { tool: 'a_tool', callerId: from.id, counterparties: [] }, () =>
        postTransfer(tx, ctx.clock, { debitAccountId: agentAccountId(from.id), creditAccountId: ESCROW.id, amountMsats: 1_000, entryType: 'Escrow' }),
      ),
    );
    await ctx.db.write(async (tx) => withNamedPayees(tx, { tool: 'a_tool', callerId: from.id, counterparties: [to.id] }, () => pay(tx)));
    expect(await sats(ctx, to.id)).toBe(1);
  });
});
