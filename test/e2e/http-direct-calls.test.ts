// Plain tool calls over HTTP take a direct path (src/http/direct-calls.ts) that builds no
// MCP server per request. What a client must not notice: the answer is the SDK's answer,
// a revoked token stops working at once (from this process or from a terminal), and
// everything the direct path does not take still gets the SDK's own reply.
import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDbPath } from '../support/fixtures.js';
import { cliJson, startHttpServer, type RunningServer } from '../support/processes.js';

let server: RunningServer;
let db: string;
let agent: { id: string; token: string };
let payee: string;

beforeAll(async () => {
  db = tempDbPath();
  const { json } = await cliJson(['init', '--db', db]);
  await cliJson(['fund', '--agent', json.agent.id, '--sats', '1000', '--db', db]);
  agent = { id: json.agent.id, token: json.agent.token };
  payee = (await cliJson(['agent', 'create', '--sponsor', json.sponsor.id, '--name', 'Payee', '--db', db])).json.id;
  server = await startHttpServer(['--db', db, '--rate-limit', '0']);
});

afterAll(() => server?.stop());

function post(body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; type: string; body: string }> {
  const url = new URL('/mcp', server.origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: '/mcp',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          'mcp-protocol-version': '2025-06-18',
          authorization: `Bearer ${agent.token}`,
          ...headers,
        },
      },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode!, type: String(res.headers['content-type']), body: data }));
      },
    );
    req.on('error', reject);
    req.end(typeof body === 'string' ? body : JSON.stringify(body));
  });
}

const call = (id: number, name: string, args: Record<string, unknown>, meta?: Record<string, unknown>) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta ? { _meta: meta } : {}) },
});

/** The JSON-RPC answer in an SSE reply (the SDK's path, taken when a call asks for progress). */
function fromSse(body: string): unknown {
  const messages = [...body.matchAll(/^data: (.+)$/gm)].map((m) => JSON.parse(m[1]!));
  return messages.find((m) => 'result' in m || 'error' in m);
}

describe('plain tool calls over HTTP', () => {
  it('answer exactly as the SDK transport answers the same call', async () => {
    const calls: [string, Record<string, unknown>][] = [
      ['marketplace_check_balance', {}],
      ['marketplace_send_payment', { to_agent_id: payee, amount_sats: 2, idempotency_key: 'same-answer' }],
      ['marketplace_send_payment', { to_agent_id: payee, amont_sats: 2 }], // misspelt: INVALID_INPUT
      ['marketplace_send_payment', { to_agent_id: 'ag_nobody', amount_sats: 1 }], // NOT_FOUND
    ];
    for (const [i, [name, args]] of calls.entries()) {
      const direct = await post(call(i, name, args));
      expect(direct.status).toBe(200);
      expect(direct.type).toMatch(/^application\/json/);
      // With a progress token the SDK's own transport answers, as an SSE stream.
      const sdk = await post(call(i, name, args, { progressToken: `p${i}` }));
      expect(sdk.type).toMatch(/^text\/event-stream/);
      const ours = JSON.parse(direct.body);
      const theirs = fromSse(sdk.body) as typeof ours;
      // The keyed payment's second run is a retry: it answers the first result again.
      expect(ours, name).toEqual(theirs);
    }
    const balance = JSON.parse((await post(call(9, 'marketplace_check_balance', {}))).body).result.structuredContent;
    expect(balance.balance_sats).toBe(998); // the keyed payment ran once, through both paths
  });

  it('refuse a token revoked from a terminal at once, and a missing one with the same 401', async () => {
    const other = await cliJson(['agent', 'create', '--sponsor', (await cliJson(['sponsor', 'create', '--name', 'S2', '--db', db])).json.id, '--name', 'Short-lived', '--db', db]);
    const token = other.json.token as string;
    const before = await post(call(1, 'marketplace_check_balance', {}), { authorization: `Bearer ${token}` });
    expect(before.status).toBe(200);
    await cliJson(['token', 'rotate', '--agent', other.json.id, '--db', db]);
    const after = await post(call(2, 'marketplace_check_balance', {}), { authorization: `Bearer ${token}` });
    expect(after.status).toBe(401);
    expect(JSON.parse(after.body).error.code).toBe('UNAUTHORIZED');
    const missing = await post(call(3, 'marketplace_check_balance', {}), { authorization: '' });
    expect(missing.status).toBe(401);
    // Even a malformed call is answered only once its caller is known.
    const malformed = await post({ jsonrpc: '2.0', id: 4, method: 'tools/call', params: { name: 'marketplace_check_balance', arguments: [1] } }, { authorization: '' });
    expect(malformed.status).toBe(401);
  });

  it('leave the SDK to answer what they do not take: an unknown tool, a batch, an unsupported revision, a missing Accept', async () => {
    const unknown = await post(call(1, 'marketplace_no_such_tool', {}));
    expect(JSON.parse(unknown.body)).toMatchObject({ jsonrpc: '2.0', id: 1, error: { code: -32602, message: expect.stringContaining('Unknown tool') } });
    const listArgs = await post({ jsonrpc: '2.0', id: 6, method: 'tools/call', params: { name: 'marketplace_check_balance', arguments: [1] } });
    // Named, where the SDK would say "Internal error".
    expect(JSON.parse(listArgs.body)).toMatchObject({ jsonrpc: '2.0', id: 6, error: { code: -32602, message: expect.stringContaining('params.arguments must be an object') } });
    const revision = await post(call(2, 'marketplace_check_balance', {}), { 'mcp-protocol-version': '1999-01-01' });
    expect(revision.status).toBe(400);
    const accept = await post(call(3, 'marketplace_check_balance', {}), { accept: 'application/json' });
    expect(accept.status).toBe(406);
    const batch = await post([call(4, 'marketplace_check_balance', {})]);
    expect(batch.status).toBe(400); // 2025-06-18 has no batches
    const tooBig = await post(`{"jsonrpc":"2.0","id":5,"method":"tools/call","params":{"name":"marketplace_check_balance","arguments":{"x":"${'9'.repeat(1_100_000)}"}}}`);
    expect(tooBig.status).toBe(413);
    const broken = await post('{"jsonrpc":"2.0",');
    expect(broken.status).toBe(400);
    expect(JSON.parse(broken.body).error.code).toBe(-32700);
  });
});
