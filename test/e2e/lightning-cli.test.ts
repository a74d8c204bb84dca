// Lightning from the command line. The sandbox rail: a top-up invoice made over MCP is paid
// with `sandbox pay`, and after a payout `ledger reconcile` finds wallet and ledger in
// agreement. The nwc rail: `serve --http` against a wallet on a real relay.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, expect, it, vi } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { call, closeContexts, connect, fundedAgent, makeContext, tempDbPath } from '../support/fixtures.js';
import { startSimulatedWallet } from '../support/lightning-wallet.js';
import { spawn } from 'node:child_process';
import { CLI, cliJson, startHttpServer } from '../support/processes.js';
import { startRelay } from '../support/relay.js';
import { testInvoice } from '../support/bolt11.js';

afterEach(closeContexts);

it('sandbox pay credits a top-up once; after a payout too, reconcile agrees', async () => {
  const ctx = await makeContext({ clock: systemClock });
  const { sponsor, agent } = await fundedAgent(ctx, 0);
  const client = await connect(ctx, agent.token);
  const sponsorClient = await connect(ctx, sponsor.token);
  const made = await call(client, 'marketplace_create_topup_invoice', { amount_sats: 700 });
  const db = ctx.db.path;
  const paid = await cliJson(['sandbox', 'pay', made.data.payment_hash, '--db', db]);
  expect(paid.code).toBe(0);
  expect(paid.json).toMatchObject({ status: 'credited', amount_sats: 700 });
  const again = await cliJson(['sandbox', 'pay', made.data.payment_hash, '--db', db]);
  expect(again.code).toBe(1);
  expect(again.json.error.code).toBe('NOT_FOUND');
  expect((await getBalance(ctx.db, agentAccountId(agent.id))).balanceMsats).toBe(700_000);
  // A sandbox payout is remembered as a wallet would remember it.
  await call(sponsorClient, 'marketplace_set_policy', { agent_id: agent.id, policy: { level: 'SemiAutonomous' } });
  const paidOut = await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 200 }).bolt11 });
  expect(paidOut.data.status).toBe('completed');
  const report = await cliJson(['ledger', 'reconcile', '--db', db]);
  expect(report.json).toMatchObject({ ok: true, differences: [] });
});

it('serve --http on the nwc rail credits a paid top-up nobody checks; library logs are JSON lines on stderr, none on stdout', async () => {
  const relay = await startRelay();
  const wallet = await startSimulatedWallet({ relayUrl: relay.url });
  const db = tempDbPath();
  const { json } = await cliJson(['init', '--db', db]);
  const server = await startHttpServer(['--db', db, '--nwc-url', wallet.nwcUrl, '--network', 'regtest'], { MARKETPLACE_LOG_LEVEL: 'debug' });
  let stdout = '';
  let stderr = '';
  server.process.stdout!.on('data', (d) => (stdout += d));
  server.process.stderr!.on('data', (d) => (stderr += d));
  const client = new Client({ name: 'e2e', version: '1.0.0' });
  try {
    await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${json.agent.token}` } } }));
    const made = await call(client, 'marketplace_create_topup_invoice', { amount_sats: 321 });
    expect(made.data).toMatchObject({ status: 'pending' });
    wallet.settleIncoming(made.data.payment_hash);
    await vi.waitFor(async () => expect((await call(client, 'marketplace_check_balance', {})).data.balance_sats).toBe(321), { timeout: 15_000, interval: 300 });
    expect(stdout).toBe('');
    const lines = stderr.trim().split('\n');
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((line) => JSON.parse(line).source === 'library')).toBe(true);
  } finally {
    await client.close();
    await server.stop();
    await wallet.close();
    await relay.close();
  }
}, 60_000);

it('approvals approve on the nwc rail pays the approved withdrawal and exits as soon as it is done', async () => {
  const relay = await startRelay();
  const wallet = await startSimulatedWallet({ relayUrl: relay.url });
  try {
    const db = tempDbPath();
    const ctx = await makeContext({ clock: systemClock, config: { db, nwcUrl: wallet.nwcUrl, network: 'regtest' } });
    const { sponsor, agent } = await fundedAgent(ctx, 10_000);
    await call(await connect(ctx, sponsor.token), 'marketplace_set_policy', {
      agent_id: agent.id,
      policy: { level: 'SemiAutonomous', action_limits: { requires_approval: ['Withdraw'] } },
    });
    const invoice = wallet.externalInvoice({ amountSats: 2_000 });
    const asked = await call(await connect(ctx, agent.token), 'marketplace_withdraw', { bolt11: invoice.bolt11 });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    await closeContexts();

    const started = Date.now();
    const child = spawn(process.execPath, [CLI, 'approvals', 'approve', asked.data.approval_id, '--db', db, '--nwc-url', wallet.nwcUrl, '--network', 'regtest', '--json'], {
      env: { ...process.env, MARKETPLACE_LOG_LEVEL: 'warn' },
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    // Killed after 30 s: the issue saw it hang for 150 s.
    const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
    clearTimeout(killer);
    expect(code).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(JSON.parse(stdout)).toMatchObject({ approval_id: asked.data.approval_id, status: 'executed' });
    // The payment was made before it exited, once.
    expect(wallet.requests.filter((r) => r.method === 'pay_invoice')).toHaveLength(1);
    const after = await makeContext({ clock: systemClock, config: { db } });
    expect(await getBalance(after.db, agentAccountId(agent.id))).toMatchObject({ balanceMsats: 8_000_000, heldMsats: 0 });
  } finally {
    await wallet.close();
    await relay.close();
  }
}, 60_000);
