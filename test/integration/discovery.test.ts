// NIP-89 discovery over a real relay on loopback: a provider's kind-31990 announcement
// becomes a registry entry (waiting for the operator), and a newer one updates it; each
// round measures who is up.
import { SimplePool } from 'nostr-tools/pool';
import { nip19 } from 'nostr-tools';
import { finalizeEvent, generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { discoverProviders, HANDLER_INFO_KIND } from '../../src/nostr/discovery.js';
import { call, closeContexts, connect, fundedAgent, makeContext, operatorToken } from '../support/fixtures.js';
import { startRelay } from '../support/relay.js';

let relay: Awaited<ReturnType<typeof startRelay>>;
beforeEach(async () => {
  relay = await startRelay();
});
afterEach(async () => {
  await closeContexts();
  await relay.close();
});

async function announce(secret: Uint8Array, tags: string[][], content: object, createdAt: number) {
  const pool = new SimplePool();
  const event = finalizeEvent({ kind: HANDLER_INFO_KIND, created_at: createdAt, tags: [['d', 'dvm'], ...tags], content: JSON.stringify(content) }, secret);
  await Promise.all(pool.publish([relay.url], event));
  pool.close([relay.url]);
}

it('turns announcements into providers and follows the newest one', async () => {
  const ctx = await makeContext({ config: { relays: [relay.url] } });
  const dvm = generateSecretKey();
  const now = Math.floor(Date.now() / 1000);
  await announce(
    dvm,
    [
      ['k', '5050'],
      ['k', '5100'],
      ['amount', '15000'],
      ['region', 'eu'],
      ['residency', 'eu'],
    ],
    { name: 'Relay DVM', about: 'text generation' },
    now - 10,
  );
  await announce(generateSecretKey(), [['k', '1']], { name: 'not a job kind' }, now);
  expect(await discoverProviders(ctx, { maxWaitMs: 1_000 })).toEqual({ added: 1, updated: 0 });

  const operator = await connect(ctx, await operatorToken(ctx));
  const [p] = (await call(operator, 'marketplace_list_providers', { include_unapproved: true })).data.items;
  expect(p).toMatchObject({ name: 'Relay DVM', kinds: [5050, 5100], price_sats: 15, regions: ['eu'], data_residency: ['eu'], source: 'nip89', approved: false });

  await announce(
    dvm,
    [
      ['k', '5050'],
      ['amount', '9000'],
      ['region', 'eu'],
    ],
    { name: 'Relay DVM v2' },
    now,
  );
  expect((await discoverProviders(ctx, { maxWaitMs: 1_000 })).updated).toBe(1);
  const after = (await call(operator, 'marketplace_get_provider', { provider_id: p.provider_id })).data;
  expect(after).toMatchObject({ name: 'Relay DVM v2', kinds: [5050], price_sats: 9, data_residency: [] });
});

it('measures uptime each round: announced or active since the last round is up, silent is down', async () => {
  const ctx = await makeContext({ config: { relays: [relay.url] } });
  const announced = generateSecretKey();
  await announce(announced, [['k', '5050']], { name: 'Announced DVM' }, Math.floor(Date.now() / 1000));
  // A provider registered by its agent, which never announces itself on the relays.
  const quiet = generateSecretKey();
  const { agent } = await fundedAgent(ctx, 0);
  ctx.db.sqlite!.prepare('UPDATE agents SET npub = ? WHERE id = ?').run(nip19.npubEncode(getPublicKey(quiet)), agent.id);
  const local = (await call(await connect(ctx, agent.token), 'marketplace_register_provider', { name: 'Quiet DVM', kinds: [5050], price_sats: 1, regions: ['eu'] })).data;

  await discoverProviders(ctx, { maxWaitMs: 1_000 });
  const operator = await connect(ctx, await operatorToken(ctx));
  const view = async (id: string) => (await call(operator, 'marketplace_get_provider', { provider_id: id })).data;
  const [a] = (await call(operator, 'marketplace_list_providers', { include_unapproved: true, kind: 5050 })).data.items.filter((p: { name: string }) => p.name === 'Announced DVM');
  expect((await view(a.provider_id)).reputation).toMatchObject({ uptime_checks: 1, uptime_seen: 1, components: { uptime: 1 } });
  expect((await view(local.provider_id)).reputation).toMatchObject({ uptime_checks: 1, uptime_seen: 0, components: { uptime: 0 } });

  // A heartbeat (any event it signs) counts as a sign of life in the next round.
  const pool = new SimplePool();
  await Promise.all(pool.publish([relay.url], finalizeEvent({ kind: 1, created_at: Math.floor(Date.now() / 1000), tags: [], content: 'alive' }, quiet)));
  pool.close([relay.url]);
  await discoverProviders(ctx, { maxWaitMs: 1_000 });
  const after = await view(local.provider_id);
  expect(after.reputation).toMatchObject({ uptime_checks: 2, uptime_seen: 1, components: { uptime: 0.5 } });
});
