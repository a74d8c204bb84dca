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
import { cliJson, startHttpServer } from '../support/processes.js';
import { startRelay } from '../support/relay.js';
import { testInvoice } from '../support/bolt11.js';

afterEach(closeContexts);

it('sandbox pay credits a top-up once; after a payout too, reconcile agrees', async () => {
  const ctx = makeContext({ clock: systemClock });
  const { sponsor, agent } = fundedAgent(ctx, 0);
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
  expect(getBalance(ctx.db, agentAccountId(agent.id)).balanceMsats).toBe(700_000);
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
