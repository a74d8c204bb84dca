// Lightning over Nostr Wallet Connect, end to end on loopback: a real relay, the SDK's
// real NWC client in the marketplace, and the SDK's wallet service in front of a
// simulated Lightning backend that signs real regtest invoices and returns real preimages.
import { createHash } from 'node:crypto';
import { NWCClient } from '@getalby/sdk';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { creditAnnouncedDeposits } from '../../src/background.js';
import type { AppContext } from '../../src/context.js';
import { watchDeposits } from '../../src/domain/payments/deposits.js';
import { settleComputePayments } from '../../src/domain/compute/payments.js';
import { reconcile } from '../../src/domain/payments/reconcile.js';
import { settleWithdrawals } from '../../src/domain/payments/withdrawals.js';
import { agentAccountId, EXTERNAL_LIGHTNING, OPERATOR_COSTS } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { call, closeContexts, connect, fundedAgent, makeContext, ManualClock, tempDbPath } from '../support/fixtures.js';
import { startSimulatedWallet, type SimulatedWallet } from '../support/lightning-wallet.js';
import { startDvm, type Behaviour } from '../support/dvm.js';
import { startRelay } from '../support/relay.js';

let relay: Awaited<ReturnType<typeof startRelay>>;
let wallet: SimulatedWallet;
const dvms: Awaited<ReturnType<typeof startDvm>>[] = [];

beforeEach(async () => {
  relay = await startRelay();
  wallet = await startSimulatedWallet({ relayUrl: relay.url });
});

afterEach(async () => {
  await closeContexts();
  for (const d of dvms.splice(0)) d.close();
  await wallet.close();
  await relay.close();
});

const MAY_WITHDRAW = {
  level: 'SemiAutonomous',
  action_limits: { max_transaction_sats: 10_000 },
  escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
};

function lightningContext(db = tempDbPath(), clock = new ManualClock(new Date().toISOString())) {
  return makeContext({ clock, config: { db, nwcUrl: wallet.nwcUrl, network: 'regtest', paymentTimeoutMs: 1_500 } });
}

async function withdrawingAgent(ctx: AppContext, sats = 10_000) {
  const { sponsor, agent } = await fundedAgent(ctx, sats);
  const sponsorClient = await connect(ctx, sponsor.token);
  await call(sponsorClient, 'marketplace_set_policy', { agent_id: agent.id, policy: MAY_WITHDRAW });
  return { agent, sponsorClient, client: await connect(ctx, agent.token) };
}

const balance = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id));

describe('deposits over NWC', () => {
  it('are credited once, under concurrent checks and across a restart', async () => {
    const db = tempDbPath();
    const first = await lightningContext(db);
    const { agent } = await fundedAgent(first, 0);
    const made = await call(await connect(first, agent.token), 'marketplace_create_topup_invoice', { amount_sats: 3_000, memo: 'top up' });
    expect(made.data).toMatchObject({ status: 'pending', amount_sats: 3_000 });
    expect(made.data.bolt11).toMatch(/^lnbcrt30u1/);
    await closeContexts(); // the server stops before the payment arrives

    wallet.settleIncoming(made.data.payment_hash);
    const second = await lightningContext(db);
    const client = await connect(second, agent.token);
    const [checks, watched] = await Promise.all([
      Promise.all(Array.from({ length: 5 }, () => call(client, 'marketplace_check_topup', { payment_hash: made.data.payment_hash }))),
      watchDeposits(second.db, second.clock, second.rail),
    ]);
    expect(checks.map((c) => c.data.status)).toEqual(Array(5).fill('credited'));
    expect(watched).toBeLessThanOrEqual(1);
    expect((await balance(second, agent.id)).balanceMsats).toBe(3_000_000);
    expect(await watchDeposits(second.db, second.clock, second.rail)).toBe(0);
    expect((await reconcile(second.db, second.clock, second.rail, { fix: false })).differences).toEqual([]);
    expect((await verifyLedger(second.db)).ok).toBe(true);
  });

  it('are checked again when the wallet leaves a lookup unanswered, not reported unavailable', async () => {
    const ctx = await lightningContext();
    const { agent } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, agent.token);
    const made = await call(client, 'marketplace_create_topup_invoice', { amount_sats: 500 });
    let dropped = 0;
    wallet.script = (method) => (method === 'lookup_invoice' && dropped++ === 0 ? { drop: true } : undefined);
    const checked = await call(client, 'marketplace_check_topup', { payment_hash: made.data.payment_hash });
    expect(checked.data).toMatchObject({ status: 'pending' });
    expect(wallet.requests.filter((r) => r.method === 'lookup_invoice')).toHaveLength(2);
  });

  it('are credited as the wallet announces them (NIP-47 notifications), once, with no read of its history', async () => {
    const ctx = await lightningContext();
    const { agent } = await fundedAgent(ctx, 0);
    const stop = creditAnnouncedDeposits(ctx);
    try {
      const made = (await call(await connect(ctx, agent.token), 'marketplace_create_topup_invoice', { amount_sats: 700 })).data;
      const asked = wallet.requests.length;
      wallet.settleIncoming(made.payment_hash);
      // Announced again until heard: the subscription may not have reached the relay before the first.
      await vi.waitFor(
        async () => {
          if ((await balance(ctx, agent.id)).balanceMsats === 0) wallet.announceReceived(made.payment_hash);
          expect((await balance(ctx, agent.id)).balanceMsats).toBe(700_000);
        },
        { timeout: 10_000, interval: 250 },
      );
      wallet.announceReceived(made.payment_hash);
      await new Promise((r) => setTimeout(r, 300));
      expect((await balance(ctx, agent.id)).balanceMsats).toBe(700_000);
      expect(wallet.requests.slice(asked)).toEqual([]);
      expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
    } finally {
      stop();
    }
  });

  it('are found by the watcher in one wallet request a round, and unpaid ones expire', async () => {
    const clock = new ManualClock(new Date().toISOString());
    const ctx = await lightningContext(tempDbPath(), clock);
    const { agent } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, agent.token);
    const made = [];
    for (let i = 0; i < 5; i++) made.push((await call(client, 'marketplace_create_topup_invoice', { amount_sats: 100 + i })).data);
    wallet.settleIncoming(made[1].payment_hash);
    wallet.settleIncoming(made[3].payment_hash);

    const asked = wallet.requests.length;
    expect(await watchDeposits(ctx.db, ctx.clock, ctx.rail)).toBe(2);
    expect(wallet.requests.slice(asked).map((r) => r.method)).toEqual(['list_transactions']);
    expect((await balance(ctx, agent.id)).balanceMsats).toBe(204_000);

    clock.advance(3_601_000);
    expect(await watchDeposits(ctx.db, ctx.clock, ctx.rail)).toBe(0);
    const statuses = [];
    for (const m of made) statuses.push((await call(client, 'marketplace_check_topup', { payment_hash: m.payment_hash })).data.status);
    expect(statuses).toEqual(['expired', 'credited', 'expired', 'credited', 'expired']);
    expect(await watchDeposits(ctx.db, ctx.clock, ctx.rail)).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});

describe('reconcile over NWC', () => {
  it('reports a payment the ledger missed, and credits it once with fix', async () => {
    const ctx = await lightningContext();
    const { agent } = await fundedAgent(ctx, 0);
    const made = await call(await connect(ctx, agent.token), 'marketplace_create_topup_invoice', { amount_sats: 1_200 });
    wallet.settleIncoming(made.data.payment_hash);
    const seen = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false });
    expect(seen).toMatchObject({ ok: false, differences: [{ kind: 'deposit_not_credited', payment_hash: made.data.payment_hash, fixed: false }] });
    expect((await balance(ctx, agent.id)).balanceMsats).toBe(0);
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: true })).ok).toBe(true);
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: true })).differences).toEqual([]);
    expect((await balance(ctx, agent.id)).balanceMsats).toBe(1_200_000);
  });

  it('reads a history longer than one encrypted wallet answer can carry', async () => {
    const ctx = await lightningContext();
    const { agent } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, agent.token);
    // ~130 invoices with long memos: well past the 64 KB a NIP-44 message holds.
    const hashes: string[] = [];
    for (let i = 0; i < 130; i++) {
      const made = await call(client, 'marketplace_create_topup_invoice', { amount_sats: 10, memo: `top up ${i} ${'x'.repeat(180)}` });
      expect(made.data, JSON.stringify(made.data)).toMatchObject({ status: 'pending' });
      hashes.push(made.data.payment_hash);
    }
    for (const hash of hashes) wallet.settleIncoming(hash);
    const fixed = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: true });
    expect(fixed).toMatchObject({ ok: true, checked: 130 });
    expect(fixed.differences.filter((d) => d.kind === 'deposit_not_credited' && d.fixed)).toHaveLength(130);
    expect((await balance(ctx, agent.id)).balanceMsats).toBe(1_300_000);
  }, 60_000);
});

describe('withdrawals over NWC', () => {
  it('pay a real invoice: the preimage proves it, the real fee is charged and the reserve returns', async () => {
    const ctx = await lightningContext();
    const { agent, client } = await withdrawingAgent(ctx);
    wallet.feeMsats = 2_000;
    const invoice = wallet.externalInvoice({ amountSats: 1_000 });
    const paid = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11, max_fee_sats: 20 });
    expect(paid.data).toMatchObject({ status: 'completed', amount_sats: 1_000, fee_sats: 2, preimage: invoice.preimage });
    expect(createHash('sha256').update(Buffer.from(paid.data.preimage, 'hex')).digest('hex')).toBe(invoice.paymentHash);
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 8_998_000, heldMsats: 0 });
    // Already paid: refused, and the wallet is not asked again.
    expect((await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 })).data.error.code).toBe('CONFLICT');
    expect(wallet.requests.filter((r) => r.method === 'pay_invoice')).toHaveLength(1);
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("charge the agent no more than its fee reserve; a fee beyond it is the operator's recorded cost", async () => {
    const ctx = await lightningContext();
    const { agent, client } = await withdrawingAgent(ctx);
    const walletBefore = wallet.balanceMsats;
    wallet.feeMsats = 25_000;
    const invoice = wallet.externalInvoice({ amountSats: 1_000 });
    const paid = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11, max_fee_sats: 10 });
    expect(paid.data).toMatchObject({ status: 'completed', amount_sats: 1_000, fee_sats: 25, max_fee_sats: 10 });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 8_990_000, heldMsats: 0 });
    expect((await getBalance(ctx.db, OPERATOR_COSTS.id)).balanceMsats).toBe(-15_000);
    // The ledger's Lightning account moved exactly as the wallet's balance did.
    expect((await getBalance(ctx.db, EXTERNAL_LIGHTNING.id)).balanceMsats).toBe(walletBefore - wallet.balanceMsats);
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('release the hold when the wallet refuses', async () => {
    const ctx = await lightningContext();
    const { agent, client } = await withdrawingAgent(ctx);
    for (const failure of ['PAYMENT_FAILED', 'INSUFFICIENT_BALANCE', 'QUOTA_EXCEEDED'] as const) {
      wallet.payFailures = [failure];
      const failed = await call(client, 'marketplace_withdraw', { bolt11: wallet.externalInvoice({ amountSats: 500 }).bolt11 });
      expect(failed.data).toMatchObject({ status: 'failed' });
      expect(failed.data.error).toMatch(new RegExp(failure === 'PAYMENT_FAILED' ? '' : '.'));
    }
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 10_000_000, heldMsats: 0 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('keep the money held when the wallet does not answer, until reconcile settles it', async () => {
    const clock = new ManualClock(new Date().toISOString());
    const ctx = await lightningContext(tempDbPath(), clock);
    const { agent, client } = await withdrawingAgent(ctx);
    wallet.payFailures = ['NO_ANSWER'];
    const invoice = wallet.externalInvoice({ amountSats: 800 });
    const sent = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 });
    expect(sent.data).toMatchObject({ status: 'pending' });
    expect((await balance(ctx, agent.id)).heldMsats).toBe(810_000); // 800 and the 10-sat minimum fee reserve
    // The watcher leaves it: the wallet has no record either way.
    await settleWithdrawals(ctx.db, ctx.clock, ctx.rail);
    expect((await balance(ctx, agent.id)).heldMsats).toBe(810_000);
    const report = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false });
    expect(report.ok).toBe(false);
    expect(report.differences).toEqual([expect.objectContaining({ kind: 'payout_outcome_unknown', payment_hash: invoice.paymentHash, fixed: false })]);
    clock.advance(11 * 60_000);
    const fixed = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: true });
    expect(fixed.ok).toBe(true);
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 10_000_000, heldMsats: 0 });
    expect((await call(client, 'marketplace_list_withdrawals', {})).data.items[0].status).toBe('failed');
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("settle many payouts of unknown outcome from one read of the wallet's history, not a search per payout", async () => {
    const clock = new ManualClock(new Date().toISOString());
    const ctx = await lightningContext(tempDbPath(), clock);
    const { agent, client } = await withdrawingAgent(ctx);
    // Three payments the wallet never makes and three it makes: no answer for any of them.
    wallet.payFailures = ['NO_ANSWER', 'NO_ANSWER', 'NO_ANSWER'];
    wallet.payButNoAnswer = true;
    const invoices = Array.from({ length: 6 }, () => wallet.externalInvoice({ amountSats: 100 }));
    const sent = await Promise.all(invoices.map((i) => call(client, 'marketplace_withdraw', { bolt11: i.bolt11 })));
    expect(sent.map((s) => s.data.status)).toEqual(Array(6).fill('pending'));
    const requests = (method: string) => wallet.requests.filter((r) => r.method === method).length;
    const asked = (work: () => Promise<unknown>) => async () => {
      const [list, lookups] = [requests('list_transactions'), requests('lookup_invoice')];
      await work();
      return { list: requests('list_transactions') - list, lookups: requests('lookup_invoice') - lookups };
    };
    // A watcher round: the three the wallet paid settle from one page of its history.
    expect(await asked(() => settleWithdrawals(ctx.db, ctx.clock, ctx.rail))()).toEqual({ list: 1, lookups: 0 });
    expect((await balance(ctx, agent.id)).heldMsats).toBe(3 * 110_000);
    // Its frequent rounds skip payouts sent before the grace: nothing is asked.
    clock.advance(11 * 60_000);
    const recent = { sentSince: new Date(clock.now().getTime() - 10 * 60_000).toISOString() };
    expect(await asked(() => settleWithdrawals(ctx.db, ctx.clock, ctx.rail, recent))()).toEqual({ list: 0, lookups: 0 });
    // Reconcile reads the history once; --fix asks by hash only about the three it lacks.
    const plain = await asked(() => reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false }))();
    let fixed: Awaited<ReturnType<typeof reconcile>> | undefined;
    expect(await asked(async () => (fixed = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: true })))()).toEqual({ list: plain.list, lookups: 3 });
    expect(fixed!.ok).toBe(true);
    const statuses = (await call(client, 'marketplace_list_withdrawals', {})).data.items.map((w: { status: string }) => w.status).sort();
    expect(statuses).toEqual(['completed', 'completed', 'completed', 'failed', 'failed', 'failed']);
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 10_000_000 - 3 * 100_000, heldMsats: 0 });
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("settle from the wallet's record when the payment went through but the answer was lost", async () => {
    const ctx = await lightningContext();
    const { agent, client } = await withdrawingAgent(ctx);
    wallet.payButNoAnswer = true;
    wallet.feeMsats = 1_000;
    const invoice = wallet.externalInvoice({ amountSats: 2_000 });
    const sent = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 });
    expect(sent.data.status).toBe('pending');
    expect((await balance(ctx, agent.id)).heldMsats).toBe(2_020_000);
    // The watcher finds the payment in the wallet's history and completes it with the real fee.
    expect(await settleWithdrawals(ctx.db, ctx.clock, ctx.rail)).toBe(1);
    const [w] = (await call(client, 'marketplace_list_withdrawals', {})).data.items;
    expect(w).toMatchObject({ status: 'completed', fee_sats: 1, preimage: invoice.preimage });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 7_999_000, heldMsats: 0 });
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('settle from the attempt the wallet paid, not an earlier failed attempt at the same invoice', async () => {
    // A wallet of our own here, on a clock the test moves: the failed attempt must be the older record.
    let walletNow = Date.now();
    const own = await startSimulatedWallet({ relayUrl: relay.url, now: () => walletNow });
    try {
      const ctx = await makeContext({ config: { db: tempDbPath(), nwcUrl: own.nwcUrl, network: 'regtest', paymentTimeoutMs: 1_500 } });
      const { agent, client } = await withdrawingAgent(ctx);
      const invoice = own.externalInvoice({ amountSats: 1_000 });
      own.payFailures = ['PAYMENT_FAILED'];
      expect((await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 })).data.status).toBe('failed');
      // The agent tries the same invoice again; this time the wallet pays, and the answer is lost.
      walletNow += 60_000;
      own.payButNoAnswer = true;
      expect((await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 })).data.status).toBe('pending');
      expect(
        own
          .transactions()
          .filter((t) => t.payment_hash === invoice.paymentHash)
          .map((t) => t.state),
      ).toEqual(['failed', 'settled']);
      expect(await settleWithdrawals(ctx.db, ctx.clock, ctx.rail)).toBe(1);
      const statuses = (await call(client, 'marketplace_list_withdrawals', {})).data.items.map((w: { status: string }) => w.status);
      expect(statuses).toEqual(['completed', 'failed']);
      expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 9_000_000, heldMsats: 0 });
      expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
      expect((await verifyLedger(ctx.db)).ok).toBe(true);
    } finally {
      await own.close();
    }
  });

  it('do not take an earlier failed attempt at the same invoice for the outcome of one the wallet never answered', async () => {
    const own = await startSimulatedWallet({ relayUrl: relay.url });
    try {
      const clock = new ManualClock(new Date().toISOString());
      const ctx = await makeContext({ clock, config: { db: tempDbPath(), nwcUrl: own.nwcUrl, network: 'regtest', paymentTimeoutMs: 1_500 } });
      const { agent, client } = await withdrawingAgent(ctx);
      const invoice = own.externalInvoice({ amountSats: 1_000 });
      own.payFailures = ['PAYMENT_FAILED', 'NO_ANSWER'];
      expect((await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 })).data.status).toBe('failed');
      expect((await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 })).data.status).toBe('pending');
      // The wallet's history holds only the first attempt's failure: the second may still be paid.
      expect(await settleWithdrawals(ctx.db, ctx.clock, ctx.rail)).toBe(0);
      expect((await balance(ctx, agent.id)).heldMsats).toBe(1_010_000);
      clock.advance(11 * 60_000);
      expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: true })).ok).toBe(true);
      const [latest] = (await call(client, 'marketplace_list_withdrawals', {})).data.items;
      expect(latest).toMatchObject({ status: 'failed', error: expect.stringMatching(/no record/) });
      expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 10_000_000, heldMsats: 0 });
    } finally {
      await own.close();
    }
  });

  it('that failed in the ledger but were paid from the wallet all the same are reported by reconcile', async () => {
    const ctx = await lightningContext();
    const { client } = await withdrawingAgent(ctx);
    const invoice = wallet.externalInvoice({ amountSats: 500 });
    wallet.payFailures = ['PAYMENT_FAILED'];
    expect((await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 })).data.status).toBe('failed');
    // Someone pays that invoice from the operator's wallet by other means (another NWC app).
    const other = new NWCClient({ nostrWalletConnectUrl: wallet.nwcUrl });
    await other.payInvoice({ invoice: invoice.bolt11 });
    other.close();
    const report = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false });
    expect(report.differences).toEqual([expect.objectContaining({ kind: 'wallet_payment_unknown_to_ledger', payment_hash: invoice.paymentHash, fixed: false })]);
  });

  it('over the policy limit wait for the sponsor; once approved the wallet pays', async () => {
    const ctx = await lightningContext();
    const { agent, client, sponsorClient } = await withdrawingAgent(ctx, 30_000);
    const invoice = wallet.externalInvoice({ amountSats: 12_000 });
    const asked = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    expect(wallet.requests.filter((r) => r.method === 'pay_invoice')).toHaveLength(0);
    await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    // The payment follows the decision's commit, over the relay: wait for it (up to 2.5 s).
    let w: { status: string } | undefined;
    for (let i = 0; i < 50 && w?.status !== 'completed'; i++) {
      await new Promise((r) => setTimeout(r, 50));
      [w] = (await call(client, 'marketplace_list_withdrawals', {})).data.items;
    }
    expect(w).toMatchObject({ status: 'completed', preimage: invoice.preimage });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 18_000_000, heldMsats: 0 });
  });

  it('refuse hostile invoices before holding anything or asking the wallet', async () => {
    const ctx = await lightningContext();
    const { agent, client } = await withdrawingAgent(ctx);
    const hostile = [
      wallet.externalInvoice({}).bolt11, // amountless
      wallet.externalInvoice({ amountSats: 100, createdAtSeconds: Math.floor(Date.now() / 1000) - 7_200, expirySeconds: 3_600 }).bolt11, // expired
      wallet.externalInvoice({ amountSats: 100, network: 'mainnet' }).bolt11, // wrong network
    ];
    for (const bolt11 of hostile) expect((await call(client, 'marketplace_withdraw', { bolt11 })).data.error.code).toBe('INVALID_INPUT');
    expect((await call(client, 'marketplace_withdraw', { bolt11: wallet.externalInvoice({ amountSats: 100 }).bolt11, amount_sats: 99 })).data.error.code).toBe('INVALID_INPUT');
    expect(wallet.requests.filter((r) => r.method === 'pay_invoice')).toHaveLength(0);
    expect((await balance(ctx, agent.id)).heldMsats).toBe(0);
  });
});

describe('compute payments over NWC', () => {
  async function computeMarket(behaviour: Behaviour) {
    const ctx = await makeContext({
      clock: new ManualClock(new Date().toISOString()),
      config: { nwcUrl: wallet.nwcUrl, network: 'regtest', paymentTimeoutMs: 1_000, relays: [relay.url], autoApproveProviders: true },
    });
    const dvm = await startDvm(relay.url, { behaviour, invoice: (msats) => wallet.externalInvoice({ amountSats: msats / 1000 }) });
    dvms.push(dvm);
    const { sponsor, agent } = await fundedAgent(ctx, 5_000);
    await call(await connect(ctx, sponsor.token), 'marketplace_set_policy', {
      agent_id: agent.id,
      policy: { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 1_000 } },
    });
    const { agent: seller } = await fundedAgent(ctx, 0);
    ctx.db.sqlite!.prepare('UPDATE agents SET npub = ? WHERE id = ?').run(dvm.npub, seller.id);
    await call(await connect(ctx, seller.token), 'marketplace_register_provider', { name: 'gpu', kinds: [5050], price_sats: 20, regions: ['eu'] });
    return { ctx, agent, client: await connect(ctx, agent.token) };
  }
  const submit = (client: Awaited<ReturnType<typeof connect>>) =>
    call(client, 'marketplace_submit_compute_job', { kind: 5050, input: 'hello', max_price_sats: 100, timeout_seconds: 3, failover_policy: 'NoFailover' });

  it('are charged and reconcile with the wallet', async () => {
    const { ctx, agent, client } = await computeMarket({ pay: 20_000 });
    wallet.feeMsats = 1_000;
    const done = await submit(client);
    expect(done.data).toMatchObject({ status: 'completed', untrusted_result: 'echo: hello', cost_sats: 21 });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 4_979_000, heldMsats: 0 });
    // The wallet's payment is the job's: reconcile finds nothing unaccounted for.
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
  });

  it("keep the job's money held when the wallet's answer is lost, until its record settles the charge", async () => {
    const { ctx, agent, client } = await computeMarket({ pay: 20_000 });
    wallet.payButNoAnswer = true;
    const done = await submit(client);
    // This provider delivers without waiting for its money; the payment's outcome is still unknown.
    expect(done.data).toMatchObject({ status: 'completed', cost_sats: 0 });
    // The wallet paid; nobody was told. The hold stays until that is known.
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 5_000_000, heldMsats: 100_000 });
    expect(wallet.transactions().filter((t) => t.type === 'outgoing' && t.state === 'settled')).toHaveLength(1);
    const report = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false });
    expect(report.differences).toMatchObject([{ kind: 'payout_outcome_unknown', fixed: false }]);

    wallet.payButNoAnswer = false;
    expect(await settleComputePayments(ctx.db, ctx.clock, ctx.rail)).toBe(1);
    expect((await call(client, 'marketplace_get_compute_job', { job_id: done.data.job_id })).data).toMatchObject({ status: 'completed', cost_sats: 20 });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 4_980_000, heldMsats: 0 });
    expect((await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: false })).differences).toEqual([]);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('release the hold when the wallet refuses, and never pay an invoice twice', async () => {
    const { ctx, agent, client } = await computeMarket({ pay: 20_000 });
    wallet.payFailures.push('PAYMENT_FAILED');
    expect((await submit(client)).data).toMatchObject({ status: 'failed', cost_sats: 0 });
    expect(await balance(ctx, agent.id)).toMatchObject({ balanceMsats: 5_000_000, heldMsats: 0 });
    expect(wallet.transactions().filter((t) => t.type === 'outgoing' && t.state === 'settled')).toHaveLength(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});
