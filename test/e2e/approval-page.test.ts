// The sponsor's approval page over real HTTP: a person signs in with the sponsor token,
// reads exactly what the agent asked for (escaped: agents write those words) and
// approves once; agents, other sponsors and forged forms are turned away.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { systemClock } from '../../src/domain/clock.js';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { tempDbPath } from '../support/fixtures.js';
import { cliJson, startHttpServer, type RunningServer } from '../support/processes.js';

const SCRIPT = '<script>alert(1)</script>';

let server: RunningServer;
let agentClient: Client;
let ids: { sponsor: string; agent: string; payee: string };
let dbPath: string;
let tokens: { sponsor: string; agent: string; otherSponsor: string };

beforeAll(async () => {
  const db = (dbPath = tempDbPath());
  const { json: init } = await cliJson(['init', '--db', db]);
  await cliJson(['fund', '--agent', init.agent.id, '--sats', '10000', '--db', db]);
  const { json: payee } = await cliJson(['agent', 'create', '--sponsor', init.sponsor.id, '--name', 'B', '--db', db]);
  const { json: other } = await cliJson(['sponsor', 'create', '--name', 'Someone else', '--db', db]);
  ids = { sponsor: init.sponsor.id, agent: init.agent.id, payee: payee.id };
  tokens = { sponsor: init.sponsor.token, agent: init.agent.token, otherSponsor: other.token };

  // Anything over 100 sats waits for the sponsor.
  const handle = await openDatabase(db);
  try {
    await setPolicy(
      handle,
      systemClock,
      ids.agent,
      {
        level: 'SemiAutonomous',
        action_limits: { max_transaction_sats: 100, requires_approval: [] },
        escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
      },
      `sponsor:${ids.sponsor}`,
    );
  } finally {
    await handle.close();
  }

  server = await startHttpServer(['--db', db]);
  agentClient = new Client({ name: 'approval-page-test', version: '1.0.0' });
  await agentClient.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${tokens.agent}` } } }));
});

afterAll(async () => {
  await agentClient?.close();
  await server?.stop();
});

/** The agent asks to pay 500 sats to B; the policy makes it wait. */
async function pendingApproval(memo: string): Promise<string> {
  const result = await agentClient.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: ids.payee, amount_sats: 500, memo } });
  expect(result.structuredContent).toMatchObject({ status: 'pending_approval', approval_id: expect.stringMatching(/^ap_/) });
  return (result.structuredContent as { approval_id: string }).approval_id;
}

async function approvalState(approvalId: string): Promise<Record<string, any>> {
  return (await agentClient.callTool({ name: 'marketplace_get_approval', arguments: { approval_id: approvalId } })).structuredContent as Record<string, any>;
}

async function balance(): Promise<number> {
  return ((await agentClient.callTool({ name: 'marketplace_check_balance', arguments: {} })).structuredContent as { balance_sats: number }).balance_sats;
}

function get(path: string, cookie?: string): Promise<Response> {
  return fetch(new URL(path, server.origin), { redirect: 'manual', headers: cookie ? { cookie } : {} });
}

function post(path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(new URL(path, server.origin), {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Signs in; returns the `name=value` pair to send back as Cookie, as a browser would. */
async function signIn(token: string, next = ''): Promise<{ cookie: string; response: Response }> {
  const response = await post('/console/login', { token, next });
  const setCookie = response.headers.get('set-cookie') ?? '';
  return { cookie: setCookie.split(';')[0]!, response };
}

function csrfOf(page: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(page);
  if (!match) throw new Error(`no csrf field in:\n${page}`);
  return match[1]!;
}

describe('the approval page', () => {
  it('asks for a sign-in first, and sends its pages with the protective headers', async () => {
    const approvalId = await pendingApproval('for the dataset');
    const res = await get(`/approvals/${approvalId}`);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('action="/console/login"');
    expect(page).toContain('name="token"');
    expect(page).toContain(`name="next" value="/approvals/${approvalId}"`);
    expect(page).not.toContain('500 sats');
    expect(res.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'");
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get('referrer-policy')).toBe('same-origin');
  });

  it('refuses an agent token: an agent can never decide its own request', async () => {
    const { response } = await signIn(tokens.agent, '/approvals/ap_x');
    expect(response.status).toBe(403);
    expect(response.headers.get('set-cookie')).toBeNull();
    expect(await response.text()).toContain('An agent can never decide its own request');
    expect((await signIn('amsp_not-a-real-token')).response.status).toBe(401);
  });

  it('signs the sponsor in with an HttpOnly, SameSite=Strict cookie and shows the request with every agent-written word escaped', async () => {
    const approvalId = await pendingApproval(`pay ${SCRIPT} now`);
    const { response, cookie } = await signIn(tokens.sponsor, `/approvals/${approvalId}`);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe(`/approvals/${approvalId}`);
    const setCookie = response.headers.get('set-cookie')!;
    expect(setCookie).toMatch(/^am_session=[A-Za-z0-9_-]{43};/);
    expect(setCookie).toContain('HttpOnly');
    expect(setCookie).toContain('SameSite=Strict');
    expect(setCookie).toContain('Path=/');
    expect(setCookie).toContain('Max-Age=43200');

    const res = await get(`/approvals/${approvalId}`, cookie);
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('500 sats');
    expect(page).toContain('marketplace_send_payment');
    expect(page).toContain(ids.agent);
    expect(page).toContain('<strong class="status">pending</strong>');
    expect(page).toContain('&quot;memo&quot;: &quot;pay &lt;script&gt;alert(1)&lt;/script&gt; now&quot;');
    expect(page).not.toContain(SCRIPT);
    expect(page).not.toMatch(/<script/i);
    expect(page).toContain('value="approve"');
    expect(page).toContain('value="deny"');
  });

  it('refuses a decision without the csrf token, then with it runs the payment exactly once', async () => {
    const approvalId = await pendingApproval('the approved one');
    const { cookie } = await signIn(tokens.sponsor);
    const csrf = csrfOf(await (await get(`/approvals/${approvalId}`, cookie)).text());
    const before = await balance();

    const decide = (fields: Record<string, string>) => post(`/approvals/${approvalId}/decision`, fields, { cookie });
    expect((await decide({ decision: 'approve' })).status).toBe(403);
    expect((await decide({ decision: 'approve', csrf: `${csrf}x` })).status).toBe(403);
    expect((await post(`/approvals/${approvalId}/decision`, { decision: 'approve', csrf })).status).toBe(403);
    expect((await approvalState(approvalId)).status).toBe('pending');
    expect(await balance()).toBe(before);

    const approved = await decide({ decision: 'approve', reason: 'expected purchase', csrf });
    expect(approved.status).toBe(303);
    expect(approved.headers.get('location')).toBe(`/approvals/${approvalId}`);
    const page = await (await get(`/approvals/${approvalId}`, cookie)).text();
    expect(page).toContain('<strong class="status">executed</strong>');
    expect(page).toContain('expected purchase');
    expect(page).not.toContain('value="approve"');
    expect(await approvalState(approvalId)).toMatchObject({ status: 'executed', result: { status: 'completed', amount_sats: 500 } });
    expect(await balance()).toBe(before - 500);

    const again = await decide({ decision: 'approve', csrf });
    expect(again.status).toBe(409);
    expect(await again.text()).toContain('already executed');
    expect(await balance()).toBe(before - 500);
  });

  it('denies: the call never runs', async () => {
    const approvalId = await pendingApproval('not this one');
    const { cookie } = await signIn(tokens.sponsor);
    const csrf = csrfOf(await (await get(`/approvals/${approvalId}`, cookie)).text());
    const before = await balance();
    const denied = await post(`/approvals/${approvalId}/decision`, { decision: 'deny', reason: `no ${SCRIPT}`, csrf }, { cookie });
    expect(denied.status).toBe(303);
    const page = await (await get(`/approvals/${approvalId}`, cookie)).text();
    expect(page).toContain('<strong class="status">denied</strong>');
    expect(page).toContain('no &lt;script&gt;');
    expect(page).not.toContain(SCRIPT);
    expect(await approvalState(approvalId)).toMatchObject({ status: 'denied' });
    expect(await balance()).toBe(before);
  });

  it("shows another sponsor a 404 for this sponsor's approval, and lets it decide nothing", async () => {
    const approvalId = await pendingApproval('not yours');
    const { cookie } = await signIn(tokens.otherSponsor);
    const res = await get(`/approvals/${approvalId}`, cookie);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('500 sats');
    const csrf = csrfOf(await (await get('/console', cookie)).text());
    expect((await post(`/approvals/${approvalId}/decision`, { decision: 'approve', csrf }, { cookie })).status).toBe(404);
    expect((await approvalState(approvalId)).status).toBe('pending');
  });

  it('never redirects a sign-in off-site', async () => {
    for (const next of ['https://evil.example', '//evil.example', '/\\evil.example', '/approvals/../../evil']) {
      const { response } = await signIn(tokens.sponsor, next);
      expect(response.status).toBe(303);
      expect(response.headers.get('location')).toBe('/console');
    }
    for (const next of ['/console/./agents', '/console/approvals/..', 'https:/\\evil.example', '/console\\@evil.example']) {
      expect((await signIn(tokens.sponsor, next)).response.headers.get('location'), next).toBe('/console');
    }
    // A page of the console itself is where the sign-in goes on to.
    expect((await signIn(tokens.sponsor, '/console/approvals?status=denied')).response.headers.get('location')).toBe('/console/approvals?status=denied');
  });

  it('refuses a decision posted from a foreign origin', async () => {
    const approvalId = await pendingApproval('cross-site');
    const { cookie } = await signIn(tokens.sponsor);
    const csrf = csrfOf(await (await get(`/approvals/${approvalId}`, cookie)).text());
    const res = await post(`/approvals/${approvalId}/decision`, { decision: 'approve', csrf }, { cookie, origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect((await approvalState(approvalId)).status).toBe('pending');
  });

  it('refuses a decision posted by a page on another port of the same machine, and takes one from its own page', async () => {
    // Cookies and SameSite ignore the port: a page on localhost:<other port> is "same site" and its form carries the session.
    const approvalId = await pendingApproval('another port');
    const { cookie } = await signIn(tokens.sponsor);
    const csrf = csrfOf(await (await get(`/approvals/${approvalId}`, cookie)).text());
    const port = Number(new URL(server.origin).port);
    const other = port === 65535 ? port - 1 : port + 1;
    for (const origin of [`http://127.0.0.1:${other}`, `http://localhost:${other}`]) {
      const res = await post(`/approvals/${approvalId}/decision`, { decision: 'approve', csrf }, { cookie, origin });
      expect(res.status, origin).toBe(403);
      expect((await approvalState(approvalId)).status).toBe('pending');
    }
    const own = await post(`/approvals/${approvalId}/decision`, { decision: 'deny', csrf }, { cookie, origin: server.origin });
    expect(own.status).toBe(303);
    expect((await approvalState(approvalId)).status).toBe('denied');
  });

  it('takes an opaque origin ("null") only from its own page as the browser vouches for it, and /mcp never takes one', async () => {
    // Browsers send `Origin: null` for a page's own post under strict referrer settings; a hostile page can make its posts carry it too.
    const approvalId = await pendingApproval('opaque origin');
    const { cookie } = await signIn(tokens.sponsor);
    const csrf = csrfOf(await (await get(`/approvals/${approvalId}`, cookie)).text());
    for (const site of [undefined, 'same-site', 'cross-site', 'none']) {
      const res = await post(`/approvals/${approvalId}/decision`, { decision: 'approve', csrf }, { cookie, origin: 'null', ...(site ? { 'sec-fetch-site': site } : {}) });
      expect(res.status, String(site)).toBe(403);
      expect(await res.text()).toContain('did not come from a page of this console');
    }
    // Sec-Fetch-Site refuses a post from another site even when it names no origin at all.
    expect((await post(`/approvals/${approvalId}/decision`, { decision: 'approve', csrf }, { cookie, 'sec-fetch-site': 'cross-site' })).status).toBe(403);
    expect((await approvalState(approvalId)).status).toBe('pending');

    const mcp = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.agent}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        origin: 'null',
        'sec-fetch-site': 'same-origin',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'ping' }),
    });
    expect(mcp.status).toBe(403);

    const own = await post(`/approvals/${approvalId}/decision`, { decision: 'deny', csrf }, { cookie, origin: 'null', 'sec-fetch-site': 'same-origin' });
    expect(own.status).toBe(303);
    expect((await approvalState(approvalId)).status).toBe('denied');
  });

  it('signs out: the old cookie no longer opens the page', async () => {
    const approvalId = await pendingApproval('after sign-out');
    const { cookie } = await signIn(tokens.sponsor);
    const csrf = csrfOf(await (await get(`/approvals/${approvalId}`, cookie)).text());
    const out = await post('/console/logout', { csrf }, { cookie });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toMatch(/^am_session=; .*Max-Age=0/);
    const page = await (await get(`/approvals/${approvalId}`, cookie)).text();
    expect(page).toContain('action="/console/login"');
    expect((await post(`/approvals/${approvalId}/decision`, { decision: 'approve', csrf }, { cookie })).status).toBe(403);
  });

  it('ends the session when the sponsor token is rotated', async () => {
    const approvalId = await pendingApproval('after rotation');
    const { cookie } = await signIn(tokens.sponsor);
    expect(await (await get(`/approvals/${approvalId}`, cookie)).text()).toContain('name="csrf"');
    const { json } = await cliJson(['token', 'rotate', '--sponsor', ids.sponsor, '--db', dbPath]);
    tokens.sponsor = json.token;
    expect(await (await get(`/approvals/${approvalId}`, cookie)).text()).toContain('action="/console/login"');
  });
});
