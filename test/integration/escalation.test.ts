// A sponsor in the payment path: over-limit spends wait for the sponsor, run once when
// approved, never when denied or expired, and every step is in the audit log.
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, fundedAgent, HOUR, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

async function scene(clock = new ManualClock()) {
  const ctx = await makeContext({ clock });
  const { sponsor, agent: payer } = await fundedAgent(ctx, 100_000);
  const payee = await agent(ctx, sponsor.id, 'Payee');
  const agentClient = await connect(ctx, payer.token);
  const sponsorClient = await connect(ctx, sponsor.token);
  const balance = async (id: string) => (await getBalance(ctx.db, agentAccountId(id))).balanceMsats / 1000;
  return { ctx, clock, sponsor, payer, payee, agentClient, sponsorClient, balance };
}

describe('escalation to the sponsor', () => {
  it('an over-limit payment waits, the sponsor approves, it is paid exactly once, and the audit log shows every step', async () => {
    const { payee, payer, agentClient, sponsorClient, balance } = await scene();
    const pay = { to_agent_id: payee.id, amount_sats: 15_000, memo: 'for the dataset', idempotency_key: 'order-42' };

    const asked = await call(agentClient, 'marketplace_send_payment', pay);
    expect(asked.isError).toBe(false);
    expect(asked.data).toMatchObject({ status: 'pending_approval', approval_id: expect.stringMatching(/^ap_/), expires_at: expect.any(String) });
    expect(asked.data.reason).toMatch(/15,000 sats is over the 10,000 sats per-transaction limit/);
    expect(await balance(payee.id)).toBe(0);

    // The agent retries: still the same pending approval, still nothing paid.
    expect((await call(agentClient, 'marketplace_send_payment', pay)).data).toMatchObject({ status: 'pending_approval', approval_id: asked.data.approval_id });

    const queue = await call(sponsorClient, 'marketplace_list_approvals', { status: 'pending' });
    expect(queue.data.items).toEqual([
      expect.objectContaining({
        approval_id: asked.data.approval_id,
        tool: 'marketplace_send_payment',
        amount_sats: 15_000,
        agent_id: payer.id,
        arguments: { to_agent_id: payee.id, amount_sats: 15_000, memo: 'for the dataset' },
      }),
    ]);

    const decided = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve', reason: 'expected purchase' });
    expect(decided.data).toMatchObject({ status: 'executed', result: { status: 'completed', amount_sats: 15_000 } });
    expect(await balance(payee.id)).toBe(15_000);
    expect(await balance(payer.id)).toBe(85_000);

    // Approving again changes nothing; the agent's retry now gets the payment's result.
    expect((await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' })).data.error.code).toBe('CONFLICT');
    const retried = await call(agentClient, 'marketplace_send_payment', pay);
    expect(retried.data).toEqual(decided.data.result);
    expect((await call(agentClient, 'marketplace_get_approval', { approval_id: asked.data.approval_id })).data.status).toBe('executed');
    expect(await balance(payee.id)).toBe(15_000);

    const audit = await call(sponsorClient, 'marketplace_audit_log', { agent_id: payer.id });
    const steps = audit.data.items.reverse().map((e: Record<string, unknown>) => [e.tool, e.outcome, e.rule, e.approval_id]);
    expect(steps).toEqual([
      ['marketplace_send_payment', 'escalated', 'escalation_triggers.SpendingExceedsLimit→RequireApproval', asked.data.approval_id],
      ['marketplace_decide_approval', 'allowed', 'sponsor.decision.approve', asked.data.approval_id],
      ['marketplace_send_payment', 'allowed', 'approval.granted', asked.data.approval_id],
    ]);
  });

  it('refuses a replay of an approved request with changed arguments', async () => {
    const { payee, agentClient, sponsorClient } = await scene();
    const asked = await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 15_000, idempotency_key: 'k' });
    await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    const changed = await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 50_000, idempotency_key: 'k' });
    expect(changed).toMatchObject({ isError: true, data: { error: { code: 'IDEMPOTENCY_MISMATCH' } } });
  });

  it('a denied request never runs, and the agent is told why', async () => {
    const { payee, agentClient, sponsorClient, balance } = await scene();
    const pay = { to_agent_id: payee.id, amount_sats: 20_000, idempotency_key: 'deny-me' };
    const asked = await call(agentClient, 'marketplace_send_payment', pay);
    const denied = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'deny', reason: 'not in the plan' });
    expect(denied.data).toMatchObject({ status: 'denied', decision_reason: 'not in the plan' });
    expect(await balance(payee.id)).toBe(0);
    const retried = await call(agentClient, 'marketplace_send_payment', pay);
    expect(retried.data.error).toMatchObject({ code: 'POLICY_DENIED' });
    expect(retried.data.error.message).toMatch(/not in the plan/);
  });

  it('an expired request never runs, even if approved afterwards', async () => {
    const { clock, payee, agentClient, sponsorClient, balance } = await scene();
    const asked = await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 20_000, idempotency_key: 'late' });
    clock.advance(24 * HOUR);
    const late = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(late.data.error.code).toBe('APPROVAL_EXPIRED');
    expect(await balance(payee.id)).toBe(0);
    expect((await call(agentClient, 'marketplace_get_approval', { approval_id: asked.data.approval_id })).data.status).toBe('expired');
    expect((await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 20_000, idempotency_key: 'late' })).data.error.code).toBe('APPROVAL_EXPIRED');
  });

  it('an approval executes once when approved twice at the same moment', async () => {
    const { ctx, sponsor, payee, agentClient, balance } = await scene();
    const asked = await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 12_000 });
    const [a, b] = [await connect(ctx, sponsor.token), await connect(ctx, sponsor.token)];
    const results = await Promise.all([a, b, a, b].map((c) => call(c, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' })));
    expect(results.filter((r) => !r.isError)).toHaveLength(1);
    expect(results.filter((r) => r.data.error?.code === 'CONFLICT')).toHaveLength(3);
    expect(await balance(payee.id)).toBe(12_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("an agent cannot decide its own request, and a sponsor only its own agents'", async () => {
    const { ctx, payee, agentClient } = await scene();
    const asked = await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 12_000 });
    await expect(agentClient.callTool({ name: 'marketplace_decide_approval', arguments: { approval_id: asked.data.approval_id, decision: 'approve' } })).rejects.toThrow(
      /Unknown tool/,
    );
    const { sponsor: stranger } = await fundedAgent(ctx, 0);
    const foreign = await call(await connect(ctx, stranger.token), 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(foreign.data.error.code).toBe('NOT_FOUND');
  });

  it('an approved call that can no longer be paid fails cleanly and changes nothing', async () => {
    const { ctx, payer, payee, agentClient, sponsorClient, balance } = await scene();
    const asked = await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 60_000 });
    // Meanwhile the agent spends most of its money.
    for (let i = 0; i < 5; i++) await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 9_000 });
    const decided = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(decided.data).toMatchObject({ status: 'failed', result: { error: { code: 'INSUFFICIENT_FUNDS' } } });
    expect(await balance(payer.id)).toBe(55_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});

describe('the approval as a resource', () => {
  it('lets the agent read its approval and hear when the sponsor decides', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: payer } = await fundedAgent(ctx, 100_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const client = await connect(ctx, payer.token, { watchIntervalMs: 20 });
    const asked = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 15_000 });
    const uri = `marketplace://approvals/${asked.data.approval_id}`;

    const before = await client.readResource({ uri });
    expect(JSON.parse(String((before.contents[0] as { text: string }).text))).toMatchObject({ status: 'pending', amount_sats: 15_000 });

    const updated = new Promise<string>((resolve) => client.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)));
    await client.subscribeResource({ uri });
    await call(await connect(ctx, sponsor.token), 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(await updated).toBe(uri);
    const after = await client.readResource({ uri });
    expect(JSON.parse(String((after.contents[0] as { text: string }).text))).toMatchObject({ status: 'executed', result: { status: 'completed' } });

    // Another sponsor's agent cannot read it.
    const { agent: stranger } = await fundedAgent(ctx, 0);
    await expect((await connect(ctx, stranger.token)).readResource({ uri })).rejects.toThrow(/No approval/);
  });
});

describe('pointing the human to the approval page', () => {
  it('adds the page of the request when the server has a public address', async () => {
    const ctx = await makeContext({ config: { publicUrl: 'https://market.example/' } });
    const { sponsor, agent: payer } = await fundedAgent(ctx, 100_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const asked = await call(await connect(ctx, payer.token), 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 15_000 });
    expect(asked.data.approval_url).toBe(`https://market.example/approvals/${asked.data.approval_id}`);
    expect(asked.data).not.toHaveProperty('how_to_approve');
  });

  it('says how the sponsor approves when there is no page to link: the command (with this database), the sponsor tool, the console', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: payer } = await fundedAgent(ctx, 100_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const asked = await call(await connect(ctx, payer.token), 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 15_000 });
    const id = asked.data.approval_id;
    expect(asked.data).not.toHaveProperty('approval_url');
    expect(asked.data.how_to_approve).toContain(`agent-marketplace approvals approve ${id} --db ${JSON.stringify(ctx.config.dbPath)}`);
    expect(asked.data.how_to_approve).toMatch(/marketplace_decide_approval.*serve --http.*\/approvals\//);
  });
});
