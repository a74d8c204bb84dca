// The sponsor's console in a real browser (Chromium): what a person sees and can do,
// and what a hostile page, agent or other sponsor cannot. The server is the built
// command over HTTP; agents are real MCP clients; the browser is Debian's chromium.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { sendPayment } from '../../src/domain/agents/payments.js';
import { systemClock } from '../../src/domain/clock.js';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { DAY, ManualClock, tempDbPath } from '../support/fixtures.js';
import { cliJson, startHttpServer, type RunningServer } from '../support/processes.js';

const HOSTILE = '<script>window.pwned=1</script><img src=x onerror="window.pwned=2">';

let server: RunningServer;
let browser: TestBrowser;
let attacker: { origin: string; close(): Promise<void>; pages: Map<string, { html: string; headers?: Record<string, string> }> };
const clients: Client[] = [];
let researcher: Client;
let courier: Client;
let ids: { sponsor: string; researcher: string; payee: string; courier: string; otherAgent: string };
let tokens: { sponsor: string; researcher: string; otherSponsor: string };
/** The sponsor, signed in once in its own browser context. */
let sponsorContext: BrowserContext;

beforeAll(async () => {
  const db = tempDbPath();
  const { json: init } = await cliJson(['init', '--db', db, '--sponsor-name', 'Acme', '--agent-name', 'Researcher']);
  const [{ json: payee }, { json: courierAgent }, { json: other }] = await Promise.all([
    cliJson(['agent', 'create', '--sponsor', init.sponsor.id, '--name', 'Payee', '--db', db]),
    cliJson(['agent', 'create', '--sponsor', init.sponsor.id, '--name', 'Courier', '--db', db]),
    cliJson(['sponsor', 'create', '--name', 'Someone else', '--db', db]),
  ]);
  const { json: otherAgent } = await cliJson(['agent', 'create', '--sponsor', other.id, '--name', 'Their bot', '--db', db]);
  ids = { sponsor: init.sponsor.id, researcher: init.agent.id, payee: payee.id, courier: courierAgent.id, otherAgent: otherAgent.id };
  tokens = { sponsor: init.sponsor.token, researcher: init.agent.token, otherSponsor: other.token };
  await cliJson(['fund', '--agent', ids.researcher, '--sats', '100000', '--db', db]);
  await cliJson(['fund', '--agent', ids.courier, '--sats', '1000', '--db', db]);

  const handle = await openDatabase(db);
  try {
    // Over 300 sats a payment waits for the sponsor; the Daily budget warns from 1,000 sats.
    await setPolicy(
      handle,
      systemClock,
      ids.researcher,
      {
        level: 'SemiAutonomous',
        action_limits: { max_transaction_sats: 300, max_daily_spend_sats: 5000 },
        escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
        budgets: [
          { period: 'Daily', limit_sats: 4000, alert_threshold_pct: 25 },
          { period: 'Monthly', limit_sats: 200000 },
        ],
      },
      `sponsor:${ids.sponsor}`,
    );
    // Four weeks of history: 100 + 10·d sats on each of the last 29 days, then 1,200 today.
    for (let d = 29; d >= 1; d--) {
      await sendPayment(handle, new ManualClock(new Date(Date.now() - d * DAY).toISOString()), {
        fromAgentId: ids.researcher,
        toAgentId: ids.payee,
        amountMsats: (100 + 10 * d) * 1000,
      });
    }
    await sendPayment(handle, systemClock, { fromAgentId: ids.researcher, toAgentId: ids.payee, amountMsats: 1_200_000, memo: 'today so far' });
  } finally {
    await handle.close();
  }

  [server, browser, attacker] = await Promise.all([startHttpServer(['--db', db]), launchBrowser(), startAttacker()]);
  researcher = await mcpClient(tokens.researcher);
  courier = await mcpClient(courierAgent.token);
  sponsorContext = await browser.newContext();
  await signIn(await sponsorContext.newPage(), tokens.sponsor);
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await browser?.close();
  await attacker?.close();
  await server?.stop();
});

async function mcpClient(token: string): Promise<Client> {
  const client = new Client({ name: 'console-browser-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  clients.push(client);
  return client;
}

async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ isError: boolean; data: any }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  return { isError: result.isError === true, data: result.structuredContent };
}

async function pay(client: Client, amount: number, memo?: string) {
  return call(client, 'marketplace_send_payment', { to_agent_id: ids.payee, amount_sats: amount, ...(memo ? { memo } : {}) });
}

async function pendingPayment(memo: string, amount = 500): Promise<string> {
  const { data } = await pay(researcher, amount, memo);
  expect(data).toMatchObject({ status: 'pending_approval' });
  return data.approval_id;
}

async function approvalStatus(approvalId: string): Promise<string> {
  return (await call(researcher, 'marketplace_get_approval', { approval_id: approvalId })).data.status;
}

async function balance(): Promise<number> {
  return (await call(researcher, 'marketplace_check_balance')).data.balance_sats;
}

async function signIn(page: Page, token: string): Promise<void> {
  await page.goto(`${server.origin}/console`);
  await page.getByLabel('Sponsor token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

/** A page on another loopback origin: what a hostile site open in the same browser can do. */
function startAttacker(): Promise<typeof attacker> {
  const pages = new Map<string, { html: string; headers?: Record<string, string> }>();
  const web = http.createServer((req, res) => {
    const page = pages.get(req.url ?? '');
    res.writeHead(page ? 200 : 404, { 'content-type': 'text/html', ...page?.headers });
    res.end(page?.html ?? 'not found');
  });
  return new Promise((resolve) =>
    web.listen(0, '127.0.0.1', () => {
      const origin = `http://127.0.0.1:${(web.address() as AddressInfo).port}`;
      resolve({ origin, pages, close: () => new Promise((done) => web.close(() => done())) });
    }),
  );
}

describe('signing in and deciding in Chromium', () => {
  it('signs in from the approval link of a pending payment, approves, and the payment runs exactly once', async () => {
    const approvalId = await pendingPayment('for the dataset');
    const before = await balance();
    const context = await browser.newContext();
    const page = await context.newPage();

    await page.goto(`${server.origin}/approvals/${approvalId}`);
    await page.getByLabel('Sponsor token').fill(tokens.sponsor);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.locator('.status', { hasText: 'pending' }).waitFor();
    expect(page.url()).toBe(`${server.origin}/approvals/${approvalId}`);
    // A second tab on the same request, still showing its buttons.
    const second = await context.newPage();
    await second.goto(page.url());

    await page.getByRole('button', { name: 'Approve' }).click();
    await page.locator('.status', { hasText: 'executed' }).waitFor();
    await browser.screenshot(page, 'approved');
    expect(await balance()).toBe(before - 500);
    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
    expect(await page.locator('dd', { hasText: `sponsor:${ids.sponsor}` }).count()).toBe(1);

    // Approving again from the other tab changes nothing.
    await second.getByRole('button', { name: 'Approve' }).click();
    await second.getByRole('alert').waitFor();
    expect(await second.getByRole('alert').textContent()).toContain('already executed');
    expect(await balance()).toBe(before - 500);
  });

  it('denies with a reason: the call never runs, and the approvals page shows who decided, when and why', async () => {
    const approvalId = await pendingPayment('not this one');
    const before = await balance();
    const page = await sponsorContext.newPage();
    await page.goto(`${server.origin}/console/approvals`);
    const waiting = page.locator(`[data-table="waiting"] [data-approval="${approvalId}"]`);
    await expect.poll(() => waiting.locator('.num').textContent()).toBe('500 sats');
    await waiting.getByRole('link', { name: approvalId }).click();
    await page.getByLabel('Reason').fill('not in the plan');
    await page.getByRole('button', { name: 'Deny' }).click();
    await page.locator('.status', { hasText: 'denied' }).waitFor();
    expect(await approvalStatus(approvalId)).toBe('denied');
    expect(await balance()).toBe(before);

    await page.goto(`${server.origin}/console/approvals?status=denied`);
    const row = page.locator(`[data-table="history"] [data-approval="${approvalId}"]`);
    expect(await row.textContent()).toContain(`sponsor:${ids.sponsor}`);
    expect(await row.textContent()).toContain('not in the plan');
    expect(await page.locator(`[data-table="waiting"] [data-approval="${approvalId}"]`).count()).toBe(0);
    await browser.screenshot(page, 'approvals');
  });

  it('refuses an agent token at sign-in, sets no cookie, and keeps another sponsor out of these agents', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${server.origin}/console`);
    await page.getByLabel('Sponsor token').fill(tokens.researcher);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toContain('An agent can never decide its own request');
    expect(await context.cookies()).toEqual([]);

    const approvalId = await pendingPayment('not theirs');
    await signIn(page, tokens.otherSponsor);
    expect(await page.locator('main').textContent()).toContain('Their bot');
    expect(await page.locator('main').textContent()).not.toContain('Researcher');
    for (const path of [`/console/agents/${ids.researcher}`, `/approvals/${approvalId}`]) {
      const response = await page.goto(`${server.origin}${path}`);
      expect(response?.status(), path).toBe(404);
      expect(await page.locator('main').textContent()).not.toContain('500 sats');
    }
    expect(await approvalStatus(approvalId)).toBe('pending');
  });

  it('never sends the browser off-site after sign-in, whatever next= says', async () => {
    const approvalId = await pendingPayment('redirect');
    const page = await (await browser.newContext()).newPage();
    await page.goto(`${server.origin}/approvals/${approvalId}`);
    await page.locator('input[name="next"]').evaluate((input, value) => ((input as unknown as { value: string }).value = value), 'https://evil.example/');
    await page.getByLabel('Sponsor token').fill(tokens.sponsor);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
    expect(page.url()).toBe(`${server.origin}/console`);
  });
});

describe('the home page and an agent page', () => {
  it("shows each of the sponsor's agents by name with its money, spend, gauges and a 30-day chart", async () => {
    const page = await sponsorContext.newPage();
    await page.goto(`${server.origin}/console`);
    const card = page.locator(`[data-agent="${ids.researcher}"]`);
    expect(await card.locator('h2').textContent()).toBe('Researcher');
    for (const name of ['Payee', 'Courier']) expect(await page.locator('.card h2', { hasText: name }).count()).toBe(1);
    expect(await page.locator('main').textContent()).not.toContain('Their bot');
    expect(await card.locator('[data-field="spent-30"]').textContent()).toMatch(/^[\d,]+ sats$/);
    expect(await card.locator('[data-field="available"]').textContent()).toMatch(/^[\d,]+ sats$/);
    expect(await card.locator('[data-field="runway"]').textContent()).toMatch(/days \(to \d{4}-\d\d-\d\d\)/);
    // 1,200+ sats today against a 4,000 sat Daily budget alerting at 25%: the warning colour.
    expect(await card.locator('[data-gauge="budget-Daily"] svg').getAttribute('class')).toBe('gauge gauge-warning');
    expect(await card.locator('[data-gauge="budget-Monthly"] svg').getAttribute('class')).toBe('gauge gauge-ok');
    expect(await card.locator('svg.chart rect.bar').count()).toBe(30);
    await browser.screenshot(page, 'home');
  });

  it("draws the agent's spend per day for 30 days as SVG on the server, and lists its ledger and audit log", async () => {
    const page = await sponsorContext.newPage();
    await page.goto(`${server.origin}/console/agents/${ids.researcher}`);
    const bars = page.locator('main > svg.chart rect.bar');
    expect(await bars.count()).toBe(30);
    const days = await bars.evaluateAll((rects) => rects.map((r) => ({ day: r.getAttribute('data-day'), height: Number(r.getAttribute('height')), title: r.textContent })));
    expect(days[29]!.day).toBe(new Date().toISOString().slice(0, 10));
    expect(days[0]!.title).toBe(`${days[0]!.day}: 390 sats`);
    // Taller bars further back (100 + 10·d sats), and today's the tallest.
    expect(days[0]!.height).toBeGreaterThan(days[28]!.height);
    expect(Math.max(...days.map((d) => d.height))).toBe(days[29]!.height);

    expect(await page.locator('[data-table="ledger"] tbody tr').count()).toBe(20);
    await page.locator('[data-pager="ledger"] a[rel="next"]').click();
    await page.locator('[data-table="ledger"]').waitFor();
    expect(page.url()).toContain('ledger_cursor=');
    await page.getByLabel('Entry type').selectOption('TopUp');
    await page.locator('form[action$="#ledger"] button').click();
    await expect.poll(() => page.locator('[data-table="ledger"] tbody tr').count()).toBe(1);
    expect(page.url()).not.toContain('ledger_cursor=');

    await page.getByLabel('Outcome').selectOption('escalated');
    await page.locator('form[action$="#audit"] button').click();
    await expect.poll(() => page.url()).toContain('outcome=escalated');
    const outcomes = await page.locator('[data-table="audit"] tbody tr td:nth-child(5)').allTextContents();
    expect(outcomes.length).toBeGreaterThan(0);
    expect(new Set(outcomes)).toEqual(new Set(['escalated']));
    await browser.screenshot(page, 'agent');
  });

  it('shows what an agent wrote in a memo as text, and never runs it', async () => {
    const paid = await pay(researcher, 10, HOSTILE);
    expect(paid.data).toMatchObject({ status: 'completed' });
    const approvalId = await pendingPayment(HOSTILE);
    const page = await sponsorContext.newPage();
    const dialogs: string[] = [];
    page.on('dialog', (d) => void dialogs.push(d.message()));
    await page.goto(`${server.origin}/console/agents/${ids.researcher}`);
    expect(await page.locator('[data-table="ledger"] td.memo').first().textContent()).toBe(HOSTILE);
    await page.goto(`${server.origin}/approvals/${approvalId}`);
    expect(await page.locator('pre').first().textContent()).toContain(HOSTILE.replaceAll('"', '\\"'));
    expect(await page.evaluate(() => (globalThis as unknown as { pwned?: number }).pwned)).toBeUndefined();
    expect(await page.locator('main img').count()).toBe(0);
    expect(dialogs).toEqual([]);
  });
});

describe('steering an agent', () => {
  it("edits the policy as YAML in the page, and the agent's next call is judged by the new version", async () => {
    expect((await pay(researcher, 200)).data).toMatchObject({ status: 'completed' });
    const page = await sponsorContext.newPage();
    await page.goto(`${server.origin}/console/agents/${ids.researcher}`);
    const heading = (await page.locator('#policy').textContent())!;
    const version = Number(/v(\d+)/.exec(heading)![1]);
    const editor = page.getByLabel(/Edit as YAML or JSON/);

    // A mistyped level is refused with the same words `policy set` uses; nothing changes.
    const yaml = await editor.inputValue();
    expect(yaml).toContain('max_transaction_sats: 300');
    await editor.fill(yaml.replace('level: SemiAutonomous', 'level: Reckless'));
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.locator('#policy ~ form [role="alert"]').waitFor();
    expect(await page.locator('#policy ~ form [role="alert"]').textContent()).toMatch(/^Invalid policy: level: /);
    expect(await editor.inputValue()).toContain('level: Reckless');
    expect(await page.locator('#policy').textContent()).toBe(`Policy v${version}`);

    await editor.fill(yaml.replace('max_transaction_sats: 300', 'max_transaction_sats: 100'));
    await page.getByRole('button', { name: 'Save policy' }).click();
    await page.getByRole('status').waitFor();
    expect(await page.getByRole('status').textContent()).toBe(`Policy v${version + 1} now governs this agent.`);
    expect(await page.locator('dl.policy').textContent()).toContain('Per transaction100 sats');

    // The same 200 sats now waits for the sponsor.
    const next = await pay(researcher, 200);
    expect(next.data).toMatchObject({ status: 'pending_approval' });
    expect(next.data.reason).toContain('100 sats per-transaction limit');
  });

  it('suspends an agent with a reason: the page shows it paused and why, and its next call is refused', async () => {
    const page = await sponsorContext.newPage();
    await page.goto(`${server.origin}/console/agents/${ids.courier}`);
    await page.getByLabel(/^Reason/).fill('spending in a loop');
    await page.getByRole('button', { name: 'Suspend' }).click();
    await page.locator('.status', { hasText: 'Suspended' }).waitFor();
    expect(await page.locator('.status-reason').first().textContent()).toBe('spending in a loop');
    const refused = await pay(courier, 10);
    expect(refused.isError).toBe(true);
    expect(refused.data.error.code).toBe('POLICY_DENIED');

    await page.getByRole('button', { name: 'Reactivate' }).click();
    await page.locator('.status', { hasText: 'Active' }).waitFor();
    expect((await pay(courier, 10)).data).toMatchObject({ status: 'completed' });
  });
});

describe('attacks from other pages', () => {
  it('refuses a form another loopback origin posts to the console, with or without an Origin, even carrying the real CSRF token', async () => {
    const approvalId = await pendingPayment('cross-site');
    const page = await sponsorContext.newPage();
    await page.goto(`${server.origin}/approvals/${approvalId}`);
    const csrf = (await page.locator('input[name="csrf"]').first().getAttribute('value'))!;
    const form = `<form method="post" action="${server.origin}/approvals/${approvalId}/decision"><input name="decision" value="approve"><input name="csrf" value="${csrf}"></form><script>document.forms[0].submit()</script>`;
    attacker.pages.set('/post', { html: form });
    // Under no-referrer the browser sends `Origin: null`: the hostile page's way to hide where it is.
    attacker.pages.set('/post-no-origin', { html: form, headers: { 'referrer-policy': 'no-referrer' } });
    const before = await balance();
    for (const path of ['/post', '/post-no-origin']) {
      const refused = page.waitForResponse((r) => r.url().endsWith('/decision'));
      await page.goto(`${attacker.origin}${path}`);
      expect((await refused).status(), path).toBe(403);
      await page.getByRole('alert').waitFor();
      expect(await page.getByRole('alert').textContent()).toContain('did not come from a page of this console');
    }
    expect(await approvalStatus(approvalId)).toBe('pending');
    expect(await balance()).toBe(before);
  });

  it('will not be framed by another origin', async () => {
    attacker.pages.set('/frame', { html: `<h1>Win a prize</h1><iframe src="${server.origin}/console" width="800" height="600"></iframe>` });
    const page = await sponsorContext.newPage();
    const framed = page.waitForResponse((r) => r.url() === `${server.origin}/console`);
    await page.goto(`${attacker.origin}/frame`);
    const response = await framed;
    expect(response.headers()['x-frame-options']).toBe('DENY');
    const frame = page.frames().find((f) => f !== page.mainFrame())!;
    await expect.poll(() => frame.url()).not.toBe(`${server.origin}/console`);
    expect(await frame.locator('text=Sign out').count()).toBe(0);
  });
});
