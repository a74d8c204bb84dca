// The operator reviews compute providers from the command line: new ones wait until
// approved, and a suspended one is no longer offered to agents.
import { afterEach, expect, it } from 'vitest';
import { systemClock } from '../../src/domain/clock.js';
import { call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { cliJson, runCli } from '../support/processes.js';

afterEach(closeContexts);

it('lists waiting providers, approves and suspends them', async () => {
  const ctx = await makeContext({ clock: systemClock });
  const { agent } = await fundedAgent(ctx, 0);
  const client = await connect(ctx, agent.token);
  const registered = await call(client, 'marketplace_register_provider', { name: 'GPU box', kinds: [5050], price_sats: 3, regions: ['eu'] });
  const id = registered.data.provider_id;
  const db = ctx.db.path;

  expect((await cliJson(['providers', 'list', '--db', db])).json.items).toEqual([]);
  expect((await cliJson(['providers', 'list', '--all', '--db', db])).json.items).toEqual([expect.objectContaining({ provider_id: id, approved: false, tier: 'New' })]);
  expect((await cliJson(['providers', 'approve', id, '--db', db])).json).toMatchObject({ provider_id: id, approved: true });
  expect((await call(client, 'marketplace_list_providers', {})).data.items.map((p: { provider_id: string }) => p.provider_id)).toEqual([id]);

  const suspended = await runCli(['providers', 'suspend', id, '--db', db]);
  expect(suspended.stdout).toMatch(/suspended/);
  expect((await call(client, 'marketplace_list_providers', {})).data.items).toEqual([]);
  expect((await runCli(['providers', 'approve', 'pv_nobody', '--db', db])).code).not.toBe(0);
});
