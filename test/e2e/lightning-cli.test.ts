// The sandbox rail from the command line: a top-up invoice made over MCP is paid with
// `sandbox pay`, and `ledger reconcile` finds wallet and ledger in agreement.
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { cliJson } from '../support/processes.js';

afterEach(closeContexts);

it('sandbox pay credits a top-up once; reconcile agrees', async () => {
  const ctx = makeContext({ clock: systemClock });
  const { agent } = fundedAgent(ctx, 0);
  const client = await connect(ctx, agent.token);
  const made = await call(client, 'marketplace_create_topup_invoice', { amount_sats: 700 });
  const db = ctx.db.path;
  const paid = await cliJson(['sandbox', 'pay', made.data.payment_hash, '--db', db]);
  expect(paid.code).toBe(0);
  expect(paid.json).toMatchObject({ status: 'credited', amount_sats: 700 });
  const again = await cliJson(['sandbox', 'pay', made.data.payment_hash, '--db', db]);
  expect(again.code).toBe(1);
  expect(again.json.error.code).toBe('NOT_FOUND');
  expect(getBalance(ctx.db, agentAccountId(agent.id)).balanceMsats).toBe(700_000);
  const report = await cliJson(['ledger', 'reconcile', '--db', db]);
  expect(report.json).toMatchObject({ ok: true, differences: [] });
});
