// The sponsor's console in a real browser (Chromium): what a person sees and can do,
// and what a hostile page or agent cannot. The server is the built command over HTTP;
// the agent is a real MCP client; the browser is Debian's chromium.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/connection.js';
import { systemClock } from '../../src/domain/clock.js';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { launchBrowser, type TestBrowser } from '../support/browser.js';
import { tempDbPath } from '../support/fixtures.js';
import { cliJson, startHttpServer, type RunningServer } from '../support/processes.js';

let server: RunningServer;
let browser: TestBrowser;
let agentClient: Client;
let ids: { sponsor: string; agent: string; payee: string };
let tokens: { sponsor: string; agent: string };

beforeAll(async () => {
  const db = tempDbPath();
  const { json: init } = await cliJson(['init', '--db', db, '--sponsor-name', 'Acme', '--agent-name', 'Researcher']);
  await cliJson(['fund', '--agent', init.agent.id, '--sats', '10000', '--db', db]);
  const { json: payee } = await cliJson(['agent', 'create', '--sponsor', init.sponsor.id, '--name', 'Payee', '--db', db]);
  ids = { sponsor: init.sponsor.id, agent: init.agent.id, payee: payee.id };
  tokens = { sponsor: init.sponsor.token, agent: init.agent.token };

  // Anything over 100 sats waits for the sponsor.
  const handle = openDatabase(db);
  try {
    setPolicy(
      handle,
      systemClock,
      ids.agent,
      { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 100 }, escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }] },
      `sponsor:${ids.sponsor}`,
    );
  } finally {
    handle.close();
  }

  [server, browser] = await Promise.all([startHttpServer(['--db', db]), launchBrowser()]);
  agentClient = new Client({ name: 'console-browser-test', version: '1.0.0' });
  await agentClient.connect(new StreamableHTTPClientTransport(new URL(server.url), { requestInit: { headers: { Authorization: `Bearer ${tokens.agent}` } } }));
});

afterAll(async () => {
  await agentClient?.close();
  await browser?.close();
  await server?.stop();
});

async function pendingPayment(memo: string, amount = 500): Promise<string> {
  const result = await agentClient.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: ids.payee, amount_sats: amount, memo } });
  expect(result.structuredContent).toMatchObject({ status: 'pending_approval' });
  return (result.structuredContent as { approval_id: string }).approval_id;
}

async function balance(): Promise<number> {
  return ((await agentClient.callTool({ name: 'marketplace_check_balance', arguments: {} })).structuredContent as { balance_sats: number }).balance_sats;
}

describe('the approval link in Chromium', () => {
  it('signs in from the link of a pending payment, approves, and the payment runs exactly once', async () => {
    const approvalId = await pendingPayment('for the dataset');
    const before = await balance();
    const page = await (await browser.newContext()).newPage();

    await page.goto(`${server.origin}/approvals/${approvalId}`);
    await page.getByLabel('Sponsor token').fill(tokens.sponsor);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.url()).toBe(`${server.origin}/approvals/${approvalId}`);
    await expect.poll(() => page.locator('.status').textContent()).toBe('pending');

    await page.getByRole('button', { name: 'Approve' }).click();
    await expect.poll(() => page.locator('.status').textContent()).toBe('executed');
    await browser.screenshot(page, 'approved');
    expect(await balance()).toBe(before - 500);

    expect(await page.getByRole('button', { name: 'Approve' }).count()).toBe(0);
  });
});
