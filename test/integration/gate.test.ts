// The gate: no acting tool escapes it, limits hold under concurrency, holds count as
// spend, and Suspended or Terminated agents can only read.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { createHold } from '../../src/domain/ledger/holds.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { setAgentStatus } from '../../src/domain/agents/lifecycle.js';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { defineTool } from '../../src/tools/inventory.js';
import { testInvoice } from '../support/bolt11.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, HOUR, makeContext, ManualClock } from '../support/fixtures.js';
import { CLI } from '../support/processes.js';
import { minimalTrajectory } from '../support/market-world.js';
import { openDatabase } from '../../src/db/open.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { systemClock } from '../../src/domain/clock.js';
import { publishSkill, reviewSkillVersion, submitForReview } from '../../src/domain/skills/catalogue.js';
import { installSkill } from '../../src/domain/skills/installs.js';

afterEach(closeContexts);

const DAILY_LIMIT = { level: 'SemiAutonomous', action_limits: { max_daily_spend_sats: 50_000 } };

/** Arguments that pass each acting tool's input schema, so the gate is what answers. */
const SAMPLE_ARGS: Record<string, (payee: string) => Record<string, unknown>> = {
  marketplace_send_payment: (payee) => ({ to_agent_id: payee, amount_sats: 1 }),
  marketplace_publish_skill: () => ({ slug: 'mine', name: 'Mine', description: 'x', version: '1.0.0', pricing: { model: 'Free' } }),
  marketplace_submit_skill_for_review: () => ({ slug: 'sample', version: '1.0.0' }),
  marketplace_install_skill: () => ({ slug: 'sample' }),
  marketplace_record_skill_usage: () => ({ slug: 'sample' }),
  marketplace_uninstall_skill: () => ({ slug: 'sample' }),
  marketplace_rate_skill: () => ({ slug: 'sample', rating: 5 }),
  marketplace_update_profile: () => ({ description: 'x' }),
  marketplace_hire_agent: (payee) => ({ task: { description: 'x', required_skills: [], max_budget_sats: 1 }, agent_id: payee }),
  marketplace_respond_to_contract: () => ({ contract_id: 'ct_any', action: 'accept' }),
  marketplace_submit_delivery: () => ({ contract_id: 'ct_any', result: 'x' }),
  marketplace_review_delivery: () => ({ contract_id: 'ct_any', decision: 'accept' }),
  marketplace_cancel_contract: () => ({ contract_id: 'ct_any' }),
  marketplace_rate_hirer: () => ({ contract_id: 'ct_any', rating: 5 }),
  marketplace_propose_coalition: () => ({ coalition_type: 'AdHoc', task_description: 'x', target_member_count: 1, payment_structure: 'Equal' }),
  marketplace_invite_to_coalition: (payee) => ({ coalition_id: 'co_any', agent_id: payee }),
  marketplace_join_coalition: () => ({ coalition_id: 'co_any' }),
  marketplace_leave_coalition: () => ({ coalition_id: 'co_any' }),
  marketplace_dissolve_coalition: () => ({ coalition_id: 'co_any' }),
  marketplace_bid_on_subtask: () => ({ coalition_id: 'co_any', key: 'k', price_sats: 1 }),
  marketplace_assign_subtask: (payee) => ({ coalition_id: 'co_any', key: 'k', assignee_id: payee }),
  marketplace_submit_subtask: () => ({ coalition_id: 'co_any', key: 'k', result: 'x' }),
  marketplace_accept_subtask: () => ({ coalition_id: 'co_any', key: 'k' }),
  marketplace_return_subtask: () => ({ coalition_id: 'co_any', key: 'k', reason: 'redo' }),
  marketplace_complete_coalition: () => ({ coalition_id: 'co_any' }),
  marketplace_start_next_task: () => ({ coalition_id: 'co_any', task_description: 'x' }),
  marketplace_file_dispute: () => ({ dispute_type: 'Other', subject: { kind: 'contract', id: 'ct_any' }, amount_sats: 1 }),
  marketplace_respond_to_dispute: () => ({ dispute_id: 'dp_any', response: 'x' }),
  marketplace_create_data_listing: () => ({ title: 't', description: 'd', listing_type: 'Sample', price_sats: 1, sha256: 'a'.repeat(64) }),
  marketplace_delist_data: () => ({ listing_id: 'dl_any' }),
  marketplace_purchase_data: () => ({ listing_id: 'dl_any' }),
  marketplace_confirm_purchase: () => ({ purchase_id: 'pu_any' }),
  marketplace_create_bounty: () => ({ title: 't', description: 'd', reward_sats: 1, requirements: { min_samples: 1, required_format: 'json' } }),
  marketplace_submit_to_bounty: () => ({ bounty_id: 'bo_any', data_samples: [{}], metadata: { format: 'json', sample_count: 1 } }),
  marketplace_review_submission: () => ({ submission_id: 'bs_any', decision: 'accept' }),
  marketplace_cancel_bounty: () => ({ bounty_id: 'bo_any' }),
  marketplace_contribute_trajectory: () => ({
    bounty_id: 'bo_any',
    trajectory: minimalTrajectory(),
    metadata: { source: 'claude', trajectory_hash: '0'.repeat(64), quality_score: 0.5 },
  }),
  marketplace_create_topup_invoice: () => ({ amount_sats: 1 }),
  marketplace_register_provider: () => ({ name: 'p', kinds: [5050], price_sats: 1, regions: ['eu'] }),
  marketplace_rate_provider: () => ({ provider_id: 'pv_any', rating: 5 }),
  marketplace_submit_compute_job: () => ({ kind: 5050, input: 'x', max_price_sats: 1 }),
  marketplace_cancel_compute_job: () => ({ job_id: 'jb_missing' }),
  marketplace_withdraw: () => ({ bolt11: testInvoice({ sats: 1, createdAt: new ManualClock().now() }).bolt11 }),
};

describe('every acting tool passes the gate', () => {
  it('refuses to define an agent tool that acts without declaring its action', () => {
    expect(() =>
      defineTool({
        name: 'marketplace_sneaky',
        title: 'Sneaky',
        description: 'x',
        toolset: 'wallet',
        roles: ['agent'],
        input: z.object({}),
        output: z.object({}),
        annotations: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
        handler: () => ({}),
      }),
    ).toThrow(/bypass the policy gate/);
  });

  it('denies every acting tool to a suspended agent and audits each refusal', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 1_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    // A published metered skill the agent has installed, so every skill tool has something to act on.
    const sample = { slug: 'sample', version: '1.0.0', listing: { name: 'Sample', description: 'x', tags: [], icon_url: null, required_mcp_servers: [] } };
    await publishSkill(ctx.db, ctx.clock, { id: payee.id, kind: 'agent' }, { ...sample, pricing: { model: 'PerCall', per_call_sats: 1 } });
    await submitForReview(ctx.db, payee.id, 'sample', '1.0.0');
    await reviewSkillVersion(ctx.db, ctx.clock, { slug: 'sample', version: '1.0.0', decision: 'approve' });
    await installSkill(ctx.db, ctx.clock, { agentId: a.id, slug: 'sample' });
    await setAgentStatus(ctx.db, ctx.clock, a.id, 'Suspended', 'test');
    const client = await connect(ctx, a.token);
    const acting = ALL_TOOLS.filter((t) => t.roles.includes('agent') && !t.annotations.readOnlyHint);
    expect(acting.length).toBeGreaterThan(0);
    for (const tool of acting) {
      const args = SAMPLE_ARGS[tool.name];
      expect(args, `${tool.name} needs sample arguments in this test`).toBeDefined();
      const result = await call(client, tool.name, args!(payee.id));
      expect(result.data.error, tool.name).toMatchObject({ code: 'POLICY_DENIED', details: { rule: 'agent.status.Suspended' } });
    }
    const sponsorClient = await connect(ctx, sponsor.token);
    const audit = await call(sponsorClient, 'marketplace_audit_log', { agent_id: a.id, outcome: 'denied', limit: 100 });
    expect(audit.data.items.map((e: { tool: string }) => e.tool).sort()).toEqual(acting.map((t) => t.name).sort());
    // Reading still works.
    expect((await call(client, 'marketplace_check_balance')).data.status).toBe('Suspended');
  });
});

describe('limits under concurrency', () => {
  it('40 concurrent spends never pass one daily limit', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 200_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await setPolicy(ctx.db, ctx.clock, a.id, DAILY_LIMIT, 'test');
    const clients = await Promise.all(Array.from({ length: 4 }, () => connect(ctx, a.token)));
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => call(clients[i % 4]!, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 2_000 })));
    expect(results.filter((r) => !r.isError)).toHaveLength(25);
    expect(results.filter((r) => r.data.error?.code === 'LIMIT_EXCEEDED')).toHaveLength(15);
    expect((await getBalance(ctx.db, agentAccountId(payee.id))).balanceMsats).toBe(50_000_000);
  });

  it('across two server processes on one database file, too', async () => {
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 200_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await setPolicy(ctx.db, ctx.clock, a.id, DAILY_LIMIT, 'test');
    const dbPath = ctx.db.path;
    await closeContexts();

    const servers = await Promise.all(
      [0, 1].map(async () => {
        const client = new Client({ name: 'race', version: '1' });
        await client.connect(
          new StdioClientTransport({
            command: process.execPath,
            args: [CLI, 'serve', '--db', dbPath],
            env: { ...process.env, MARKETPLACE_TOKEN: a.token },
          }),
        );
        return client;
      }),
    );
    try {
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => call(servers[i % 2]!, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 2_000 })));
      expect(results.filter((r) => !r.isError)).toHaveLength(25);
    } finally {
      await Promise.all(servers.map((c) => c.close()));
    }
    const db = await openDatabase(dbPath);
    try {
      expect((await getBalance(db, agentAccountId(payee.id))).balanceMsats).toBe(50_000_000);
      expect((await verifyLedger(db)).ok).toBe(true);
    } finally {
      await db.close();
    }
  });

  it('counts held funds as spend', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 100_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await setPolicy(ctx.db, ctx.clock, a.id, DAILY_LIMIT, 'test');
    await createHold(ctx.db, ctx.clock, { debitAccountId: agentAccountId(a.id), creditAccountId: ESCROW.id, amountMsats: 45_000_000, entryType: 'Escrow' });
    const client = await connect(ctx, a.token);
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 5_000 })).isError).toBe(false);
    const over = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 });
    expect(over.data.error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { rule: 'action_limits.max_daily_spend_sats' } });
  });

  it('the daily limit starts afresh at UTC midnight', async () => {
    const clock = new ManualClock('2026-11-23T23:00:00.000Z');
    const ctx = await makeContext({ clock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 100_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await setPolicy(ctx.db, ctx.clock, a.id, DAILY_LIMIT, 'test');
    const client = await connect(ctx, a.token);
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 50_000 })).isError).toBe(false);
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 })).isError).toBe(true);
    clock.advance(HOUR);
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 })).isError).toBe(false);
  });
});

describe('triggers with side effects, end to end', () => {
  it('RepeatedFailures → SuspendAgent suspends the agent; the sponsor reactivates it', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 1_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await setPolicy(
      ctx.db,
      ctx.clock,
      a.id,
      {
        level: 'SemiAutonomous',
        action_limits: { max_transaction_sats: 10 },
        escalation_triggers: [{ condition: 'RepeatedFailures', action: 'SuspendAgent', threshold: 2, window_minutes: 60 }],
      },
      'test',
    );
    const client = await connect(ctx, a.token);
    for (let i = 0; i < 2; i++) expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 11 })).data.error.code).toBe('LIMIT_EXCEEDED');
    const third = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 });
    expect(third.data.error.message).toMatch(/suspended/);
    expect((await call(client, 'marketplace_check_balance')).data.status).toBe('Suspended');
    const sponsorClient = await connect(ctx, sponsor.token);
    await call(sponsorClient, 'marketplace_set_agent_status', { agent_id: a.id, action: 'reactivate' });
    await call(sponsorClient, 'marketplace_set_policy', { agent_id: a.id, policy: { level: 'Autonomous' } });
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 })).isError).toBe(false);
  });

  it('NewCounterparty → RequireApproval asks only for the first payment to someone', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 1_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await setPolicy(ctx.db, ctx.clock, a.id, { level: 'SemiAutonomous', escalation_triggers: [{ condition: 'NewCounterparty', action: 'RequireApproval' }] }, 'test');
    const client = await connect(ctx, a.token);
    const first = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 5 });
    expect(first.data.status).toBe('pending_approval');
    await call(await connect(ctx, sponsor.token), 'marketplace_decide_approval', { approval_id: first.data.approval_id, decision: 'approve' });
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 5 })).data.status).toBe('completed');
  });

  it('a budget warning reaches the agent as text and the sponsor once per period', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: a } = await fundedAgent(ctx, 10_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    await setPolicy(ctx.db, ctx.clock, a.id, { level: 'SemiAutonomous', budgets: [{ period: 'Monthly', limit_sats: 1_000, alert_threshold_pct: 50 }] }, 'test');
    const client = await connect(ctx, a.token);
    const result = await client.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: payee.id, amount_sats: 600 } });
    expect((result.content as { text: string }[])[1]!.text).toMatch(/^Warning: 600 sats of the 1,000 sats monthly budget used/);
    const blocked = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 401 });
    expect(blocked.data.error).toMatchObject({ code: 'LIMIT_EXCEEDED', details: { rule: 'budgets.Monthly' } });
    const alerts = ctx.db.sqlite!.prepare('SELECT count(*) AS n FROM budget_alerts WHERE agent_id = ?').get(a.id) as { n: number };
    expect(alerts.n).toBe(1);
  });
});

describe('agent lifecycle as money moves', () => {
  it('terminates an agent whose balance stayed at zero past 72 hours; reactivation restarts the grace period', async () => {
    const clock = new ManualClock();
    const ctx = await makeContext({ clock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 100);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const client = await connect(ctx, a.token);
    await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 100 });
    clock.advance(71 * HOUR);
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 })).data.error.code).toBe('INSUFFICIENT_FUNDS');
    clock.advance(2 * HOUR);
    const after = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 });
    expect(after.data.error).toMatchObject({ code: 'POLICY_DENIED', details: { rule: 'agent.status.Terminated' } });
    const sponsorClient = await connect(ctx, sponsor.token);
    await call(sponsorClient, 'marketplace_set_agent_status', { agent_id: a.id, action: 'reactivate' });
    expect((await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 })).data.error.code).toBe('INSUFFICIENT_FUNDS');
    expect((await call(client, 'marketplace_check_balance')).data.status).toBe('LowBalance');
    clock.advance(3 * DAY);
    expect((await call(client, 'marketplace_check_balance')).data.status).toBe('Terminated');
  });
});
