// The operator's governance commands: policies from YAML, the approval queue, decisions
// (twice at once from two processes: one runs), agent status and webhooks.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { cliJson, runCli } from '../support/processes.js';

afterEach(closeContexts);

const POLICY_YAML = `# pay up to 100 sats alone; more needs the sponsor
level: SemiAutonomous
action_limits:
  max_transaction_sats: 100
  max_daily_spend_sats: 5000
  requires_approval: [Withdraw]
escalation_triggers:
  - condition: SpendingExceedsLimit
    action: RequireApproval
budgets:
  - period: Monthly
    limit_sats: 20000
    overage_policy: Block
    alert_threshold_pct: 80
`;

describe('governance from the command line', () => {
  it('sets a policy from YAML, lists the approval queue and decides it', async () => {
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 10_000);
    const payee = await agent(ctx, sponsor.id, 'Payee');
    const db = ctx.db.path;
    const file = path.join(path.dirname(db), 'policy.yaml');
    fs.writeFileSync(file, POLICY_YAML);

    expect((await cliJson(['policy', 'set', '--agent', a.id, '--file', file, '--db', db])).json).toEqual({ agent_id: a.id, version: 2 });
    const shown = await cliJson(['policy', 'show', '--agent', a.id, '--db', db]);
    expect(shown.json).toMatchObject({ version: 2, policy: { action_limits: { max_transaction_sats: 100 }, budgets: [{ period: 'Monthly', limit_sats: 20000 }] } });
    fs.writeFileSync(file, 'level: Reckless\n');
    expect((await cliJson(['policy', 'set', '--agent', a.id, '--file', file, '--db', db])).json.error).toMatchObject({ code: 'INVALID_INPUT' });

    const client = await connect(ctx, a.token);
    const first = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 500 });
    const second = await call(client, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 700 });
    const queue = await cliJson(['approvals', 'list', '--status', 'pending', '--db', db]);
    expect(queue.json.items.map((i: { approval_id: string }) => i.approval_id).sort()).toEqual([first.data.approval_id, second.data.approval_id].sort());

    // Two operators approve at the same moment: the payment runs once.
    const racers = await Promise.all([0, 1].map(() => cliJson(['approvals', 'approve', first.data.approval_id, '--db', db])));
    expect(racers.map((r) => r.code).sort()).toEqual([0, 1]);
    expect(racers.find((r) => r.code === 0)!.json).toMatchObject({ status: 'executed', result: { amount_sats: 500 } });
    expect(racers.find((r) => r.code === 1)!.json.error.code).toBe('CONFLICT');
    expect((await getBalance(ctx.db, agentAccountId(payee.id))).balanceMsats).toBe(500_000);

    expect((await runCli(['approvals', 'deny', second.data.approval_id, '--db', db])).code).toBe(2);
    const denied = await cliJson(['approvals', 'deny', second.data.approval_id, '--reason', 'too much', '--db', db]);
    expect(denied.json).toMatchObject({ status: 'denied', decision_reason: 'too much' });
    expect((await call(client, 'marketplace_get_approval', { approval_id: second.data.approval_id })).data.status).toBe('denied');
  });

  it('suspends and reactivates agents and points notifications at a webhook', async () => {
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: a } = await fundedAgent(ctx, 0);
    const db = ctx.db.path;
    expect((await cliJson(['agent', 'suspend', '--agent', a.id, '--reason', 'audit', '--db', db])).json).toEqual({ agent_id: a.id, status: 'Suspended' });
    expect((await cliJson(['agent', 'reactivate', '--agent', a.id, '--db', db])).json.status).toBe('Active');
    const hook = await cliJson(['sponsor', 'webhook', '--sponsor', sponsor.id, '--url', 'https://example.com/hooks', '--db', db]);
    const file = path.join(path.dirname(db), 'default.json');
    fs.writeFileSync(file, JSON.stringify({ level: 'Supervised' }));
    expect((await cliJson(['policy', 'default', '--sponsor', sponsor.id, '--file', file, '--db', db])).json.policy.level).toBe('Supervised');
    const { json: newcomer } = await cliJson(['agent', 'create', '--sponsor', sponsor.id, '--name', 'Newcomer', '--db', db]);
    expect((await cliJson(['policy', 'show', '--agent', newcomer.id, '--db', db])).json).toMatchObject({ version: 1, policy: { level: 'Supervised' } });
    expect((await cliJson(['policy', 'show', '--agent', a.id, '--db', db])).json.policy.level).toBe('SemiAutonomous');
    expect(hook.json).toEqual({ sponsor_id: sponsor.id, url: 'https://example.com/hooks', secret: expect.stringMatching(/^whsec_/) });
    expect((await cliJson(['sponsor', 'webhook', '--sponsor', sponsor.id, '--url', 'ftp://x', '--db', db])).json.error.code).toBe('INVALID_INPUT');
  });
});
