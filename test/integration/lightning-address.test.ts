// Paying a lightning address: its LNURL-pay service is asked for an invoice only after the
// gate allowed the withdrawal, only at public addresses (or a host:port the operator
// exempted), redirects included, and nothing the service answers reaches the agent but
// the invoice. A retried call answers the first result. Over NWC on loopback: a real relay,
// the SDK's wallet service, a LUD-16 server and an "internal" service an attacker aims at.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { call, closeContexts, connect, fundedAgent, makeContext, ManualClock, tempDbPath } from '../support/fixtures.js';
import { startSimulatedWallet, type SimulatedWallet } from '../support/lightning-wallet.js';
import { startInternalService, startLnurlServer, type LnurlOptions } from '../support/lnurl-server.js';
import { startRelay } from '../support/relay.js';

let relay: Awaited<ReturnType<typeof startRelay>>;
let wallet: SimulatedWallet;
let internal: Awaited<ReturnType<typeof startInternalService>>;
const closing: (() => Promise<void>)[] = [];

beforeEach(async () => {
  relay = await startRelay();
  wallet = await startSimulatedWallet({ relayUrl: relay.url });
  internal = await startInternalService();
});

afterEach(async () => {
  await closeContexts();
  for (const close of closing.splice(0)) await close();
  await internal.close();
  await wallet.close();
  await relay.close();
});

const MAY_WITHDRAW = {
  level: 'SemiAutonomous',
  action_limits: { max_transaction_sats: 10_000 },
  escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
};

/** A funded agent on a server that exempts this LNURL server (and nothing else) from the public-address rule. */
async function setup(o: LnurlOptions = {}) {
  const lnurl = await startLnurlServer(wallet, o);
  closing.push(lnurl.close);
  const ctx = await makeContext({
    clock: new ManualClock(new Date().toISOString()),
    config: { db: tempDbPath(), nwcUrl: wallet.nwcUrl, network: 'regtest', paymentTimeoutMs: 1_500, allowFetchHosts: [lnurl.host] },
  });
  const { sponsor, agent } = await fundedAgent(ctx, 10_000);
  const sponsorClient = await connect(ctx, sponsor.token);
  await call(sponsorClient, 'marketplace_set_policy', { agent_id: agent.id, policy: MAY_WITHDRAW });
  return { ctx, lnurl, agent, sponsorClient, client: await connect(ctx, agent.token) };
}

const balance = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id));
const paid = () => wallet.requests.filter((r) => r.method === 'pay_invoice').length;

describe('withdrawals to a lightning address', () => {
  it('pay through its LNURL-pay service; an amount it does not accept fails and releases the hold', async () => {
    const { ctx, lnurl, agent, client } = await setup({ maxSats: 5_000 });
    const done = await call(client, 'marketplace_withdraw', { lightning_address: lnurl.address('alice'), amount_sats: 1_500 });
    expect(done.data).toMatchObject({ status: 'completed', amount_sats: 1_500, max_fee_sats: 15, lightning_address: lnurl.address('alice') });
    expect(done.data.preimage).toMatch(/^[0-9a-f]{64}$/);
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 8_500_000, heldMsats: 0 });

    const tooMuch = await call(client, 'marketplace_withdraw', { lightning_address: lnurl.address('alice'), amount_sats: 6_000 });
    expect(tooMuch.data).toMatchObject({ status: 'failed', error: expect.stringMatching(/1–5000 sats/) });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 8_500_000, heldMsats: 0 });
    expect((await call(client, 'marketplace_withdraw', { lightning_address: lnurl.address('alice') })).data.error.code).toBe('INVALID_INPUT');
    expect(paid()).toBe(1);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('retried with the same key and arguments answer the first result and pay once', async () => {
    const { ctx, lnurl, agent, client } = await setup();
    const args = { lightning_address: lnurl.address('alice'), amount_sats: 700, idempotency_key: 'pay-alice-1' };
    const first = await call(client, 'marketplace_withdraw', args);
    expect(first.data).toMatchObject({ status: 'completed', amount_sats: 700 });
    const again = await call(client, 'marketplace_withdraw', args);
    expect(again.data).toEqual(first.data);
    expect(paid()).toBe(1);
    expect(lnurl.requests.filter((r) => r.startsWith('/callback'))).toHaveLength(1);
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 9_300_000, heldMsats: 0 });
    // The same key with other arguments is still a mismatch.
    expect((await call(client, 'marketplace_withdraw', { ...args, amount_sats: 701 })).data.error.code).toBe('IDEMPOTENCY_MISMATCH');
  });

  it('never fetch a callback at a private address, and never show the agent what it answered', async () => {
    const { ctx, agent, lnurl, client } = await setup({ callback: () => internal.url('/admin') });
    const refused = await call(client, 'marketplace_withdraw', { lightning_address: lnurl.address('mallory'), amount_sats: 100 });
    expect(refused.data).toMatchObject({ status: 'failed', error: expect.stringMatching(/not a public internet address/) });
    expect(JSON.stringify(refused)).not.toMatch(/INTERNAL-SECRET|admin_token/);
    expect(internal.hits).toEqual([]);
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 10_000_000, heldMsats: 0 });
    expect(paid()).toBe(0);
  });

  it('never follow a redirect to a private address', async () => {
    const { lnurl, client } = await setup({ redirectTo: internal.url('/.well-known/lnurlp/x') });
    const refused = await call(client, 'marketplace_withdraw', { lightning_address: lnurl.address('mallory'), amount_sats: 100 });
    expect(refused.data).toMatchObject({ status: 'failed', error: expect.stringMatching(/not a public internet address/) });
    expect(internal.hits).toEqual([]);
  });

  it('never reach a loopback or private host the operator did not exempt', async () => {
    const { client } = await setup();
    // A port is only accepted for an exempted host:port; the internal service is not one.
    expect((await call(client, 'marketplace_withdraw', { lightning_address: `x@127.0.0.1:${internal.port}`, amount_sats: 100 })).data.error.code).toBe('INVALID_INPUT');
    for (const address of ['x@127.0.0.1', 'x@localhost.localdomain', 'x@169.254.169.254', 'x@10.0.0.1']) {
      const refused = await call(client, 'marketplace_withdraw', { lightning_address: address, amount_sats: 100 });
      expect(refused.data).toMatchObject({ status: 'failed', error: expect.stringMatching(/not a public internet address|does not resolve/) });
    }
    expect(internal.hits).toEqual([]);
  });

  it('are not asked for an invoice when the gate refuses or escalates; the approval shows the fee reserve', async () => {
    const { ctx, lnurl, agent, client, sponsorClient } = await setup();
    await call(sponsorClient, 'marketplace_set_agent_status', { agent_id: agent.id, action: 'suspend', reason: 'hostile' });
    const suspended = await call(client, 'marketplace_withdraw', { lightning_address: lnurl.address('alice'), amount_sats: 100 });
    expect(suspended.data.error.code).toMatch(/POLICY_DENIED|FORBIDDEN/);
    expect(lnurl.requests).toEqual([]);

    await call(sponsorClient, 'marketplace_set_agent_status', { agent_id: agent.id, action: 'reactivate' });
    await call(sponsorClient, 'marketplace_set_policy', {
      agent_id: agent.id,
      policy: { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 1_000 }, escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }] },
    });
    // 995 sats and the 10-sat default reserve: over the 1,000-sat limit, so it waits.
    const asked = await call(client, 'marketplace_withdraw', { lightning_address: lnurl.address('alice'), amount_sats: 995 });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    expect(lnurl.requests).toEqual([]);
    const decided = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(decided.data).toMatchObject({ status: 'executed', amount_sats: 1_005, fee_reserve_sats: 10 });
    let w: { status: string } | undefined;
    for (let i = 0; i < 60 && w?.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      [w] = (await call(client, 'marketplace_list_withdrawals', {})).data.items;
    }
    expect(w).toMatchObject({ status: 'completed', amount_sats: 995 });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 9_005_000, heldMsats: 0 });
  });
});
