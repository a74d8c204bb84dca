// The HTTP server on 127.0.0.1, as remote MCP clients and browsers meet it.
import http from 'node:http';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { SSEClientTransport } from '@modelcontextprotocol/sdk/client/sse.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { ResourceUpdatedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDbPath } from '../support/fixtures.js';
import { cliJson, startHttpServer, type RunningServer } from '../support/processes.js';

let server: RunningServer;
let tokens: { sponsor: string; agent: string; agentId: string; sponsorId: string };
let db: string;

beforeAll(async () => {
  db = tempDbPath();
  const { json } = await cliJson(['init', '--db', db]);
  await cliJson(['fund', '--agent', json.agent.id, '--sats', '777', '--db', db]);
  tokens = { sponsor: json.sponsor.token, agent: json.agent.token, agentId: json.agent.id, sponsorId: json.sponsor.id };
  server = await startHttpServer(['--db', db]);
});

afterAll(() => server?.stop());

const initialize = JSON.stringify({
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
});

/** A raw request, so tests control every header (fetch would not let us forge Host). */
function raw(method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  const url = new URL(path, server.origin);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      },
      (res) => {
        let data = '';
        res.on('data', (d) => (data += d));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: data }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** A legacy SSE session opened by hand: the endpoint its messages are posted to. */
function openSse(token: string): Promise<{ endpoint: string; events: () => string; close: () => void }> {
  const url = new URL('/sse', server.origin);
  return new Promise((resolve, reject) => {
    const req = http.get({ host: url.hostname, port: url.port, path: url.pathname, headers: { authorization: `Bearer ${token}`, accept: 'text/event-stream' } }, (res) => {
      let data = '';
      res.on('data', (chunk) => {
        data += chunk;
        const match = /event: endpoint\ndata: (\S+)/.exec(data);
        if (match) resolve({ endpoint: match[1]!, events: () => data, close: () => req.destroy() });
      });
    });
    req.on('error', reject);
  });
}

/** A JSON-RPC batch of tools/call messages, one per argument set. */
function batchOf(tool: string, argumentSets: Record<string, unknown>[]): string {
  return JSON.stringify(argumentSets.map((args, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: tool, arguments: args } })));
}

async function streamableClient(token: string): Promise<Client> {
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

describe('serve --http', () => {
  it('binds to loopback and answers /healthz', async () => {
    expect(new URL(server.url).hostname).toBe('127.0.0.1');
    const res = await fetch(`${server.origin}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ status: 'ok' });
  });

  it('serves Streamable HTTP at /mcp to a client with a valid bearer token', async () => {
    const client = await streamableClient(tokens.agent);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain('marketplace_check_balance');
    const result = await client.callTool({ name: 'marketplace_check_balance', arguments: {} });
    expect(result.structuredContent).toMatchObject({ agent_id: tokens.agentId, balance_sats: 777 });
    await client.close();
  });

  it('gives a sponsor token the sponsor view', async () => {
    const client = await streamableClient(tokens.sponsor);
    const result = await client.callTool({ name: 'marketplace_check_balance', arguments: {} });
    expect(result.structuredContent).toMatchObject({ agents: [expect.objectContaining({ agent_id: tokens.agentId })] });
    await client.close();
  });

  it('answers a missing or wrong token with 401 and a WWW-Authenticate challenge', async () => {
    const none = await raw('POST', '/mcp', {}, initialize);
    expect(none.status).toBe(401);
    expect(none.headers['www-authenticate']).toMatch(/^Bearer realm="agent-marketplace"/);
    const wrong = await raw('POST', '/mcp', { authorization: 'Bearer amag_not-a-real-token' }, initialize);
    expect(wrong.status).toBe(401);
    expect(wrong.headers['www-authenticate']).toContain('error="invalid_token"');
    expect(JSON.parse(wrong.body).error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a foreign Host header and a foreign Origin (DNS rebinding)', async () => {
    const auth = { authorization: `Bearer ${tokens.agent}` };
    const host = await raw('POST', '/mcp', { ...auth, host: 'evil.example:80' }, initialize);
    expect(host.status).toBe(403);
    const origin = await raw('POST', '/mcp', { ...auth, origin: 'http://evil.example' }, initialize);
    expect(origin.status).toBe(403);
    const local = await raw('POST', '/mcp', { ...auth, origin: server.origin }, initialize);
    expect(local.status).toBe(200);
    expect(JSON.parse(local.body).result.serverInfo.name).toBe('agent-marketplace');
  });

  it('compares scheme, host and port of an Origin: a page on another port of the same machine is another site', async () => {
    const auth = { authorization: `Bearer ${tokens.agent}` };
    const port = Number(new URL(server.origin).port);
    const other = port === 65535 ? port - 1 : port + 1;
    for (const origin of [`http://localhost:${other}`, `http://127.0.0.1:${other}`, 'http://localhost', `https://127.0.0.1:${port}`, 'null']) {
      const refused = await raw('POST', '/mcp', { ...auth, origin }, initialize);
      expect(refused.status, origin).toBe(403);
      expect(JSON.parse(refused.body).error.message).toContain('Origin not allowed');
    }
    for (const origin of [server.origin, `http://localhost:${port}`, `http://[::1]:${port}`]) {
      expect((await raw('POST', '/mcp', { ...auth, origin }, initialize)).status, origin).toBe(200);
    }
    // Host is taken by name (a browser always sends the address it connected to): a rebound name is refused on any port.
    for (const host of [`evil.example:${port}`, `localhost.evil.example:${port}`]) {
      const refused = await raw('POST', '/mcp', { ...auth, host }, initialize);
      expect(refused.status, host).toBe(403);
      expect(JSON.parse(refused.body).error.message).toContain('Host not allowed');
    }
    expect((await raw('POST', '/mcp', { ...auth, host: `localhost:${port}` }, initialize)).status).toBe(200);
    // /healthz and the console sit behind the same check.
    expect((await raw('GET', '/healthz', { origin: `http://localhost:${other}` })).status).toBe(403);
  });

  it('is stateless: GET and DELETE on /mcp are 405', async () => {
    const auth = { authorization: `Bearer ${tokens.agent}` };
    expect((await raw('GET', '/mcp', auth)).status).toBe(405);
    expect((await raw('DELETE', '/mcp', auth)).status).toBe(405);
  });

  it('still speaks the legacy HTTP+SSE transport for older clients', async () => {
    const headers = { Authorization: `Bearer ${tokens.agent}` };
    const client = new Client({ name: 'sse-test', version: '1.0.0' });
    const transport = new SSEClientTransport(new URL('/sse', server.origin), {
      requestInit: { headers },
      eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
    });
    await client.connect(transport);
    const result = await client.callTool({ name: 'marketplace_whoami', arguments: {} });
    expect(result.structuredContent).toMatchObject({ role: 'agent', id: tokens.agentId });

    await client.close();
  });

  it("tells a sponsor's SSE session when its inbox changes: an agent's request over /mcp arrives as an approval to decide", async () => {
    const headers = { Authorization: `Bearer ${tokens.sponsor}` };
    const sponsor = new Client({ name: 'sse-inbox', version: '1.0.0' });
    await sponsor.connect(
      new SSEClientTransport(new URL('/sse', server.origin), {
        requestInit: { headers },
        eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
      }),
    );
    const agent = new Client({ name: 'http-agent', version: '1.0.0' });
    await agent.connect(new StreamableHTTPClientTransport(new URL('/mcp', server.origin), { requestInit: { headers: { Authorization: `Bearer ${tokens.agent}` } } }));
    try {
      const updated = new Promise<string>((resolve) => sponsor.setNotificationHandler(ResourceUpdatedNotificationSchema, (n) => resolve(n.params.uri)));
      await sponsor.subscribeResource({ uri: 'marketplace://inbox' });
      const payee = (await cliJson(['agent', 'create', '--sponsor', tokens.sponsorId, '--name', 'inbox-payee', '--db', db])).json;
      const asked = await agent.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: payee.id, amount_sats: 50_000 } });
      expect(asked.structuredContent).toMatchObject({ status: 'pending_approval' });
      expect(await updated).toBe('marketplace://inbox');
      const read = await sponsor.readResource({ uri: 'marketplace://inbox' });
      const page = JSON.parse((read.contents[0] as { text: string }).text);
      expect(page.items[0]).toMatchObject({
        kind: 'approval_waiting',
        action: 'marketplace_decide_approval',
        arguments: { approval_id: (asked.structuredContent as { approval_id: string }).approval_id },
      });
    } finally {
      await agent.close();
      await sponsor.close();
    }
  });

  it('answers calls on a legacy SSE session whose token was revoked with the coded UNAUTHORIZED result', async () => {
    const agent = (await cliJson(['agent', 'create', '--sponsor', tokens.sponsorId, '--name', 'soon-revoked', '--db', db])).json;
    // The client's headers are read on every POST, as a client refreshing its token would.
    const headers: Record<string, string> = { Authorization: `Bearer ${agent.token}` };
    const client = new Client({ name: 'sse-revoked', version: '1.0.0' });
    await client.connect(
      new SSEClientTransport(new URL('/sse', server.origin), {
        requestInit: { headers },
        eventSourceInit: { fetch: (url, init) => fetch(url, { ...init, headers: { ...(init?.headers as Record<string, string>), ...headers } }) },
      }),
    );
    try {
      expect((await client.callTool({ name: 'marketplace_whoami', arguments: {} })).structuredContent).toMatchObject({ id: agent.id });
      const rotated = (await cliJson(['token', 'rotate', '--agent', agent.id, '--db', db])).json;
      // The revoked token itself is refused at the door, as on /mcp.
      await expect(client.callTool({ name: 'marketplace_whoami', arguments: {} })).rejects.toThrow(/HTTP 401/);
      // The agent's new token reaches the session, but the session was opened with the revoked one.
      headers.Authorization = `Bearer ${rotated.token}`;
      const after = await client.callTool({ name: 'marketplace_whoami', arguments: {} });
      expect(after.isError).toBe(true);
      expect(after.structuredContent).toMatchObject({ error: { code: 'UNAUTHORIZED', message: expect.stringMatching(/revoked/) } });
    } finally {
      await client.close();
    }
  });

  it('refuses JSON-RPC batches under protocol revision 2025-06-18 and later, on /mcp and on legacy SSE', async () => {
    const auth = { authorization: `Bearer ${tokens.agent}` };
    const twoCalls = batchOf('marketplace_check_balance', [{}, {}]);
    for (const version of ['2025-06-18', '2025-11-25']) {
      const refused = await raw('POST', '/mcp', { ...auth, 'mcp-protocol-version': version }, twoCalls);
      expect(refused.status).toBe(400);
      expect(JSON.parse(refused.body)).toMatchObject({ jsonrpc: '2.0', id: null, error: { code: -32600, message: expect.stringMatching(/batch/i) } });
    }
    // The legacy transport never took batches: a batch posted into an SSE session is refused and nothing runs.
    const sse = await openSse(tokens.agent);
    try {
      const posted = await raw('POST', sse.endpoint, auth, twoCalls);
      expect(posted.status).toBe(400);
      await new Promise((r) => setTimeout(r, 200));
      expect(sse.events()).not.toContain('"result"');
    } finally {
      sse.close();
    }
  });

  it('binds a legacy SSE session to the token that opened it', async () => {
    const { endpoint, close } = await openSse(tokens.agent);
    const ping = JSON.stringify({ jsonrpc: '2.0', id: 9, method: 'ping' });
    const foreign = await raw('POST', endpoint, { authorization: `Bearer ${tokens.sponsor}` }, ping);
    expect(foreign.status).toBe(404);
    const own = await raw('POST', endpoint, { authorization: `Bearer ${tokens.agent}` }, ping);
    expect(own.status).toBe(202);
    close();
    expect((await raw('GET', '/sse', {})).status).toBe(401);
  });
});

describe('serve --http --rate-limit', () => {
  it("counts every call of a JSON-RPC batch: a batch over the caller's remaining burst is refused whole and pays nothing", async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    const { json: payee } = await cliJson(['agent', 'create', '--sponsor', json.sponsor.id, '--name', 'payee', '--db', db]);
    await cliJson(['fund', '--agent', json.agent.id, '--sats', '5000', '--db', db]);
    const limited = await startHttpServer(['--db', db, '--rate-limit', '5']); // bursts of 10
    try {
      // Revision 2025-03-26 still has batches: each call in one costs what a request costs.
      const post = (token: string, body: string) =>
        fetch(limited.url, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            'mcp-protocol-version': '2025-03-26',
          },
          body,
        });
      const payments = (n: number) =>
        batchOf(
          'marketplace_send_payment',
          Array.from({ length: n }, () => ({ to_agent_id: payee.id, amount_sats: 1 })),
        );
      const received = async () => {
        const balance = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'marketplace_check_balance', arguments: {} } });
        const answer = (await (await post(payee.token, balance)).json()) as { result: { structuredContent: { balance_sats: number } } };
        return answer.result.structuredContent.balance_sats;
      };

      const hundred = await post(json.agent.token, payments(100));
      expect(hundred.status).toBe(429);
      expect(await hundred.json()).toMatchObject({ error: { code: 'RATE_LIMITED', message: expect.stringMatching(/100 calls/) } });
      expect(await received()).toBe(0);

      const five = await post(json.agent.token, payments(5));
      expect(five.status).toBe(200);
      const answers = (await five.json()) as { result: { structuredContent: { status: string } } }[];
      expect(answers.map((a) => a.result.structuredContent.status)).toEqual(Array(5).fill('completed'));
      expect(await received()).toBe(5);

      // Ten batches of ten at once, as the attack sent them: only what the bucket holds runs.
      const started = performance.now();
      const statuses = await Promise.all(Array.from({ length: 10 }, () => post(json.agent.token, payments(10)).then((r) => r.status)));
      const seconds = (performance.now() - started) / 1000;
      const ran = statuses.filter((s) => s === 200).length * 10;
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      expect(ran).toBeLessThanOrEqual(10 + Math.ceil(5 * (seconds + 1)));
      expect(await received()).toBe(5 + ran);
    } finally {
      await limited.stop();
    }
  });

  it('answers a caller past its burst with 429 and Retry-After, and leaves other callers alone', async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    const limited = await startHttpServer(['--db', db, '--rate-limit', '2']); // bursts of 4
    try {
      const post = (token: string) =>
        fetch(limited.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
          body: initialize,
        });
      const answers = await Promise.all(Array.from({ length: 12 }, () => post(json.agent.token)));
      const statuses = answers.map((a) => a.status);
      expect(statuses.filter((s) => s === 200).length).toBeGreaterThanOrEqual(4);
      expect(statuses.filter((s) => s === 200).length).toBeLessThan(12);
      expect(statuses.every((s) => s === 200 || s === 429)).toBe(true);
      const refused = answers.find((a) => a.status === 429)!;
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toMatchObject({ error: { code: 'RATE_LIMITED', details: { retry_after_seconds: expect.any(Number) } } });
      // Another caller has its own bucket.
      expect((await post(json.sponsor.token)).status).toBe(200);
    } finally {
      await limited.stop();
    }
  });
});

describe('serve --http --public-url (behind a proxy)', () => {
  it("takes the public URL's origin, scheme and port included, and still refuses other ports", async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    const proxied = await startHttpServer(['--db', db, '--public-url', 'http://127.0.0.1:1']);
    try {
      const post = (origin: string) =>
        fetch(proxied.url, {
          method: 'POST',
          headers: { authorization: `Bearer ${json.agent.token}`, 'content-type': 'application/json', accept: 'application/json, text/event-stream', origin },
          body: initialize,
        });
      expect((await post('http://127.0.0.1:1')).status).toBe(200);
      expect((await post(proxied.origin)).status).toBe(200);
      expect((await post('http://127.0.0.1:2')).status).toBe(403);
      expect((await post('https://127.0.0.1:1')).status).toBe(403);
    } finally {
      await proxied.stop();
    }
  });
});
