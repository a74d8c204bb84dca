// Three stateless `serve --http` processes on one PostgreSQL, as an operator scales out:
// agents spread over them at once must never pass a limit, overdraw, pay twice under one
// idempotency key, or have one approval run twice.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { tempDir } from '../support/fixtures.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';
import { cliJson, startHttpServer, type RunningServer } from '../support/processes.js';

let cluster: PostgresCluster;
let servers: RunningServer[] = [];
const clients: Client[] = [];
let url: string;
const env = { MARKETPLACE_SECRET_KEY_FILE: `${tempDir()}/shared.key` };

async function connect(server: RunningServer, token: string): Promise<Client> {
  const client = new Client({ name: 'scale-out test', version: '1' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}) {
  const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 })) as CallToolResult;
  return { isError: result.isError === true, data: result.structuredContent as any };
}

beforeAll(async () => {
  cluster = await startPostgres();
  url = cluster.url;
  const init = await cliJson(['init', '--db', url, '--json'], env);
  expect(init.code, init.stderr).toBe(0);
  // Three servers start at once on the fresh database: they migrate once between them.
  servers = await Promise.all([0, 1, 2].map(() => startHttpServer(['--db', url, '--rate-limit', '100000'], env)));
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
  await Promise.all(servers.map((s) => s.stop()));
  cluster?.stop();
});

async function fundedAgent(sponsorId: string, name: string, sats: number): Promise<{ id: string; token: string }> {
  const made = await cliJson(['agent', 'create', '--sponsor', sponsorId, '--name', name, '--db', url, '--json'], env);
  expect(made.code, made.stderr).toBe(0);
  if (sats === 0) return { id: made.json.id, token: made.json.token };
  const funded = await cliJson(['fund', '--agent', made.json.id, '--sats', String(sats), '--db', url, '--json'], env);
  expect(funded.code, funded.stderr).toBe(0);
  return { id: made.json.id, token: made.json.token };
}

async function sponsor(): Promise<{ id: string; token: string }> {
  const made = await cliJson(['sponsor', 'create', '--name', `S${Math.random()}`, '--db', url, '--json'], env);
  expect(made.code, made.stderr).toBe(0);
  return { id: made.json.id, token: made.json.token };
}

async function policy(agentId: string, document: Record<string, unknown>): Promise<void> {
  const file = `${tempDir()}/policy.json`;
  (await import('node:fs')).writeFileSync(file, JSON.stringify(document));
  const set = await cliJson(['policy', 'set', '--agent', agentId, '--file', file, '--db', url, '--json'], env);
  expect(set.code, set.stderr).toBe(0);
}

describe('three servers on one PostgreSQL', () => {
  it('never let concurrent payments pass a daily limit or overdraw a wallet', async () => {
    const s = await sponsor();
    const payer = await fundedAgent(s.id, 'Payer', 5_000);
    const payee = await fundedAgent(s.id, 'Payee', 0);
    await policy(payer.id, { level: 'SemiAutonomous', action_limits: { max_daily_spend_sats: 1_000 } });
    const onEach = await Promise.all(servers.map((server) => Promise.all([0, 1, 2, 3].map(() => connect(server, payer.token)))));
    // 60 payments of 30 sats at once, over 12 connections on 3 servers: the limit lets 33 through.
    const results = await Promise.all(
      Array.from({ length: 60 }, (_, i) => call(onEach[i % 3]![Math.floor(i / 3) % 4]!, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 30 })),
    );
    const paid = results.filter((r) => !r.isError);
    expect(paid.length).toBe(33);
    for (const r of results.filter((x) => x.isError)) expect(r.data.error.code).toBe('LIMIT_EXCEEDED');
    const balance = await call(onEach[1]![0]!, 'marketplace_check_balance');
    expect(balance.data.balance_sats).toBe(5_000 - 33 * 30);
  });

  it('give one effect per idempotency key, whichever servers the retries reach', async () => {
    const s = await sponsor();
    const payer = await fundedAgent(s.id, 'Retrier', 10_000);
    const payee = await fundedAgent(s.id, 'Receiver', 0);
    await policy(payer.id, { level: 'SemiAutonomous' });
    const onEach = await Promise.all(servers.map((server) => connect(server, payer.token)));
    const keys = ['k1', 'k2', 'k3', 'k4', 'k5'];
    const results = await Promise.all(
      keys.flatMap((key) => [0, 1, 2, 0, 1, 2].map((i) => call(onEach[i]!, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 7, idempotency_key: key }))),
    );
    for (const r of results) expect(r.isError, JSON.stringify(r.data)).toBe(false);
    for (const key of keys) {
      const ids = new Set(results.filter((_, n) => keys[Math.floor(n / 6)] === key).map((r) => r.data.transfer_id));
      expect(ids.size).toBe(1);
    }
    const receiver = await connect(servers[2]!, payee.token);
    expect((await call(receiver, 'marketplace_check_balance')).data.balance_sats).toBe(keys.length * 7);
  });

  it('run an approved call once when its sponsor approves it on every server at once', async () => {
    const s = await sponsor();
    // The default policy asks the sponsor about a payment over 10,000 sats.
    const payer = await fundedAgent(s.id, 'Asker', 20_000);
    const payee = await fundedAgent(s.id, 'Paid', 0);
    const agentClient = await connect(servers[0]!, payer.token);
    const asked = await call(agentClient, 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 15_000, idempotency_key: 'big' });
    expect(asked.data.status).toBe('pending_approval');
    const deciders = await Promise.all(servers.flatMap((server) => [connect(server, s.token), connect(server, s.token)]));
    const decisions = await Promise.all(deciders.map((c) => call(c, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' })));
    expect(decisions.filter((d) => !d.isError)).toHaveLength(1);
    for (const d of decisions.filter((x) => x.isError)) expect(d.data.error.code).toBe('CONFLICT');
    // The agent's retry, on another server, answers what the approval did.
    const retried = await call(await connect(servers[2]!, payer.token), 'marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 15_000, idempotency_key: 'big' });
    expect(retried.data).toMatchObject({ amount_sats: 15_000 });
    expect((await call(await connect(servers[1]!, payee.token), 'marketplace_check_balance')).data.balance_sats).toBe(15_000);
  });

  it('leave a ledger that verifies', async () => {
    const db = await openDatabase(url, { secretKeyFile: env.MARKETPLACE_SECRET_KEY_FILE });
    try {
      expect(await verifyLedger(db)).toMatchObject({ ok: true, problems: [] });
    } finally {
      await db.close();
    }
  });
});
