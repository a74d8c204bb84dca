// Lightning on the sandbox rail (the embedded default, no wallet): top-ups credited once
// per payment hash, hostile invoices refused before anything is held, payouts that never
// pay an invoice twice, and a payout over the policy limit that waits for the sponsor.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { agentAccountId, sponsorAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { paySandboxInvoice } from '../../src/rails/sandbox-rail.js';
import { call, closeContexts, connect, fundedAgent, HOUR, makeContext, ManualClock } from '../support/fixtures.js';
import { testInvoice } from '../support/bolt11.js';

afterEach(closeContexts);

const wallet = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id));

/** The default policy sends every withdrawal to the sponsor; these agents may withdraw up to 10,000 sats alone. */
const MAY_WITHDRAW = { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 10_000 }, escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'Deny' }] };

async function setup(sats = 10_000) {
  const clock = new ManualClock();
  const ctx = await makeContext({ clock });
  const { sponsor, agent } = await fundedAgent(ctx, sats);
  const sponsorClient = await connect(ctx, sponsor.token);
  await call(sponsorClient, 'marketplace_set_policy', { agent_id: agent.id, policy: MAY_WITHDRAW });
  return { ctx, clock, sponsor, agent, client: await connect(ctx, agent.token), sponsorClient };
}

describe('top-ups on the sandbox rail', () => {
  it('are credited exactly once, however many checks race', async () => {
    const { ctx, agent, client } = await setup(0);
    const made = await call(client, 'marketplace_create_topup_invoice', { amount_sats: 2_500, memo: 'more compute', idempotency_key: 'top-1' });
    expect(made.data).toMatchObject({ status: 'pending', amount_sats: 2_500 });
    expect(made.data.bolt11).toMatch(/^lnsandbox/);
    // A retried call returns the same invoice.
    expect((await call(client, 'marketplace_create_topup_invoice', { amount_sats: 2_500, memo: 'more compute', idempotency_key: 'top-1' })).data.payment_hash).toBe(
      made.data.payment_hash,
    );
    expect((await call(client, 'marketplace_check_topup', { payment_hash: made.data.payment_hash })).data.status).toBe('pending');

    expect(await paySandboxInvoice(ctx.db, ctx.clock, made.data.payment_hash)).toBe(true);
    const checks = await Promise.all(Array.from({ length: 8 }, () => call(client, 'marketplace_check_topup', { payment_hash: made.data.payment_hash })));
    expect(checks.every((c) => c.data.status === 'credited')).toBe(true);
    expect((await wallet(ctx, agent.id)).balanceMsats).toBe(2_500_000);
    expect((await call(client, 'marketplace_ledger_history', { entry_type: 'Deposit' })).data.items).toHaveLength(1);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("go to the sponsor's funding account when a sponsor asks; others cannot see them; unpaid ones expire", async () => {
    const { ctx, clock, sponsor, client, sponsorClient } = await setup(0);
    const made = await call(sponsorClient, 'marketplace_create_topup_invoice', { amount_sats: 1_000 });
    expect((await call(client, 'marketplace_check_topup', { payment_hash: made.data.payment_hash })).data.error.code).toBe('NOT_FOUND');
    await paySandboxInvoice(ctx.db, ctx.clock, made.data.payment_hash);
    expect((await call(sponsorClient, 'marketplace_check_topup', { payment_hash: made.data.payment_hash })).data.status).toBe('credited');
    expect((await getBalance(ctx.db, sponsorAccountId(sponsor.id))).balanceMsats).toBe(1_000_000);

    // A sponsor's keyed call passes no gate, but its key still means one invoice.
    const keyed = await call(sponsorClient, 'marketplace_create_topup_invoice', { amount_sats: 700, idempotency_key: 'fund-1' });
    expect((await call(sponsorClient, 'marketplace_create_topup_invoice', { amount_sats: 700, idempotency_key: 'fund-1' })).data.payment_hash).toBe(keyed.data.payment_hash);
    expect((await call(sponsorClient, 'marketplace_create_topup_invoice', { amount_sats: 701, idempotency_key: 'fund-1' })).data.error.code).toBe('IDEMPOTENCY_MISMATCH');

    const late = await call(sponsorClient, 'marketplace_create_topup_invoice', { amount_sats: 1_000 });
    clock.advance(2 * HOUR);
    expect((await call(sponsorClient, 'marketplace_check_topup', { payment_hash: late.data.payment_hash })).data.status).toBe('expired');
    expect(await paySandboxInvoice(ctx.db, ctx.clock, late.data.payment_hash)).toBe(false);
  });
});

describe('withdrawal fee reserves', () => {
  const TIGHT = {
    level: 'SemiAutonomous',
    action_limits: { max_transaction_sats: 100, max_daily_spend_sats: 100 },
    escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'Deny' }],
  };

  it('count against the limits with the amount, and a reserve far above the amount is refused', async () => {
    const { ctx, clock, agent, client, sponsorClient } = await setup(50_000);
    await call(sponsorClient, 'marketplace_set_policy', { agent_id: agent.id, policy: TIGHT });
    // The attack: a 10-sat invoice with a 30,000-sat reserve.
    const huge = await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 10, createdAt: clock.now() }).bolt11, max_fee_sats: 30_000 });
    expect(huge.data.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/max_fee_sats/) });
    // A reserve within the cap still counts: 95 sats + 10 sats of reserve is over the 100-sat limit.
    const over = await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 95, createdAt: clock.now() }).bolt11, max_fee_sats: 10 });
    expect(over.data.error).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 50_000_000, heldMsats: 0 });
    // Within the limit with its reserve: paid, and charged the amount and the real fee (none on the sandbox).
    const paid = await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 80, createdAt: clock.now() }).bolt11, max_fee_sats: 10 });
    expect(paid.data).toMatchObject({ status: 'completed', amount_sats: 80, fee_sats: 0, max_fee_sats: 10 });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 49_920_000, heldMsats: 0 });
    // The daily limit counts what was spent (80) and the next call's amount and reserve (11 + 10).
    const daily = await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 11, createdAt: clock.now() }).bolt11 });
    expect(daily.data.error).toMatchObject({ code: 'LIMIT_EXCEEDED' });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('are shown to the sponsor on the approval, apart from the amount', async () => {
    const { ctx, clock, agent, client, sponsorClient } = await setup(20_000);
    await call(sponsorClient, 'marketplace_set_policy', {
      agent_id: agent.id,
      policy: { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 2_000 }, escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }] },
    });
    const asked = await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 5_000, createdAt: clock.now() }).bolt11, max_fee_sats: 200 });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    const [approval] = (await call(sponsorClient, 'marketplace_list_approvals', {})).data.items;
    expect(approval).toMatchObject({ approval_id: asked.data.approval_id, amount_sats: 5_200, fee_reserve_sats: 200 });
    expect((await wallet(ctx, agent.id)).heldMsats).toBe(0);
  });
});

describe('withdrawals', () => {
  it('refuse hostile invoices with a clear error, holding nothing', async () => {
    const { ctx, clock, agent, client } = await setup();
    const now = clock.now();
    const hostile: [string, string, RegExp][] = [
      ['amountless', testInvoice({ createdAt: now }).bolt11, /no amount/],
      ['expired', testInvoice({ sats: 100, createdAt: new Date(now.getTime() - 2 * HOUR) }).bolt11, /expired/],
      ['wrong network', testInvoice({ sats: 100, network: 'regtest', createdAt: now }).bolt11, /regtest/],
      ['garbage', 'lnbc1notaninvoice', /not a valid BOLT11/],
    ];
    for (const [, bolt11, message] of hostile) {
      const refused = await call(client, 'marketplace_withdraw', { bolt11 });
      expect(refused.data.error.code).toBe('INVALID_INPUT');
      expect(refused.data.error.message).toMatch(message);
    }
    const mismatch = await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 100, createdAt: now }).bolt11, amount_sats: 90 });
    expect(mismatch.data.error.message).toMatch(/100000 msats, not the 90000/);
    expect((await call(client, 'marketplace_withdraw', { lightning_address: 'not an address', amount_sats: 5 })).data.error.code).toBe('INVALID_INPUT');
    expect((await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 5, createdAt: now }).bolt11, lightning_address: 'a@b.example' })).data.error.code).toBe(
      'INVALID_INPUT',
    );
    expect((await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 50_000, createdAt: now }).bolt11 })).data.error.code).toBe('LIMIT_EXCEEDED');
    // 9,995 sats and the 100-sat default reserve: over the 10,000-sat limit, the reserve counted.
    expect((await call(client, 'marketplace_withdraw', { bolt11: testInvoice({ sats: 9_995, createdAt: now }).bolt11 })).data.error.code).toBe('LIMIT_EXCEEDED');
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 10_000_000, heldMsats: 0 });
    expect((await call(client, 'marketplace_list_withdrawals', {})).data.items).toHaveLength(0);
  });

  it('pay once: the same invoice again is refused, a retried call returns the first result', async () => {
    const { ctx, clock, agent, client } = await setup();
    const invoice = testInvoice({ sats: 1_000, createdAt: clock.now() });
    const paid = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11, idempotency_key: 'pay-1' });
    expect(paid.data).toMatchObject({ status: 'completed', amount_sats: 1_000, fee_sats: 0, payment_hash: invoice.paymentHash });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 9_000_000, heldMsats: 0 });
    expect((await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11, idempotency_key: 'pay-1' })).data).toMatchObject({
      withdrawal_id: paid.data.withdrawal_id,
      status: 'completed',
    });
    const again = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 });
    expect(again.data.error).toMatchObject({ code: 'CONFLICT', details: { withdrawal_id: paid.data.withdrawal_id } });
    expect((await wallet(ctx, agent.id)).balanceMsats).toBe(9_000_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('over the policy limit wait for the sponsor, then pay once approved', async () => {
    const { ctx, clock, agent, client, sponsorClient } = await setup(20_000);
    await call(sponsorClient, 'marketplace_set_policy', {
      agent_id: agent.id,
      policy: { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 2_000 }, escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }] },
    });
    const invoice = testInvoice({ sats: 5_000, createdAt: clock.now() });
    const asked = await call(client, 'marketplace_withdraw', { bolt11: invoice.bolt11 });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    expect((await wallet(ctx, agent.id)).heldMsats).toBe(0);
    const decided = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(decided.data.status).toBe('executed');
    // The payment follows the decision's commit.
    await new Promise((r) => setTimeout(r, 50));
    const [w] = (await call(client, 'marketplace_list_withdrawals', {})).data.items;
    expect(w).toMatchObject({ status: 'completed', amount_sats: 5_000 });
    expect(await wallet(ctx, agent.id)).toMatchObject({ balanceMsats: 15_000_000, heldMsats: 0 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});
