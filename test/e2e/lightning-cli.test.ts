// The sandbox rail from the command line: a top-up invoice made over MCP is paid with
// `sandbox pay`, and after a payout `ledger reconcile` finds wallet and ledger in agreement.
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { cliJson } from '../support/processes.js';
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
