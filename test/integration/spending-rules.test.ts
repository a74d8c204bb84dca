// How the policy counts what an agent spends, and what an approval binds: escrow counts
// once, on the day it was reserved; forced refunds are not spending; an escrow deal makes
// a counterparty known; a budget trigger that asks approval asks every time; an approved
// call runs only as approved; a skill's compute share goes to a real provider's agent.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { fundAgentFromSandbox } from '../../src/domain/agents/funding.js';
import { approveProvider } from '../../src/domain/compute/providers.js';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { satsToMsats } from '../../src/domain/money.js';
import { reviewSkillVersion } from '../../src/domain/skills/catalogue.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, makeContext, ManualClock, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

const SHA = createHash('sha256').update('the data').digest('hex');
const sats = async (ctx: AppContext, id: string) => (await getBalance(ctx.db, agentAccountId(id))).balanceMsats / 1000;

async function market(policy: Record<string, unknown>) {
  const clock = new ManualClock('2030-03-04T10:00:00.000Z');
  const ctx = await makeContext({ clock });
  const { sponsor, agent: buyer } = await fundedAgent(ctx, 100_000);
  const seller = await agent(ctx, sponsor.id, 'Seller');
  await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: seller.id, amountMsats: satsToMsats(100_000) });
  for (const id of [buyer.id, seller.id]) await setPolicy(ctx.db, ctx.clock, id, policy, 'test');
  const buyerClient = await connect(ctx, buyer.token);
  const sellerClient = await connect(ctx, seller.token);
  const sponsorClient = await connect(ctx, sponsor.token);
  const list = async (title: string, price_sats: number) =>
    (await call(sellerClient, 'marketplace_create_data_listing', { title, description: 'Readings', listing_type: 'FullDataset', price_sats, sha256: SHA })).data
      .listing_id as string;
  return { ctx, clock, sponsor, buyer, seller, buyerClient, sellerClient, sponsorClient, list };
}

describe('what counts as spending', () => {
  it('escrow paid out on a later day counts on the day it was reserved, not again on the day it is paid', async () => {
    const { ctx, clock, buyer, buyerClient, seller, list } = await market({ level: 'SemiAutonomous', action_limits: { max_daily_spend_sats: 3_000 } });
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: await list('Temperatures', 2_000) });
    expect(bought.data.status).toBe('Pending');
    clock.advance(DAY);
    expect((await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id, received_sha256: SHA })).data.status).toBe('Completed');
    // Today nothing was spent yet: the whole daily limit is there.
    const paid = await call(buyerClient, 'marketplace_send_payment', { to_agent_id: seller.id, amount_sats: 3_000 });
    expect(paid).toMatchObject({ isError: false, data: { status: 'completed' } });
    expect(await sats(ctx, buyer.id)).toBe(95_000);
    // Yesterday still shows the purchase: one more sat then would have been over.
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("what is left of a bounty's reward after a payment stays counted on the day the reward was held", async () => {
    const { ctx, clock, buyer, seller, buyerClient, sellerClient } = await market({ level: 'SemiAutonomous', action_limits: { max_daily_spend_sats: 5_000 } });
    const bounty = await call(buyerClient, 'marketplace_create_bounty', {
      title: 'Labelled images',
      description: 'JSON samples',
      reward_sats: 4_000,
      requirements: { min_samples: 2, required_format: 'json' },
    });
    clock.advance(DAY);
    const submitted = await call(sellerClient, 'marketplace_submit_to_bounty', {
      bounty_id: bounty.data.bounty_id,
      data_samples: [{ label: 'cat' }],
      metadata: { format: 'json', sample_count: 1 },
    });
    expect((await call(buyerClient, 'marketplace_review_submission', { submission_id: submitted.data.submission_id, decision: 'accept' })).data.paid_sats).toBe(2_000);
    const paid = await call(buyerClient, 'marketplace_send_payment', { to_agent_id: seller.id, amount_sats: 5_000 });
    expect(paid).toMatchObject({ isError: false, data: { status: 'completed' } });
    expect(await getBalance(ctx.db, agentAccountId(buyer.id))).toMatchObject({ balanceMsats: 93_000_000, heldMsats: 2_000_000 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("a refund a dispute ordered does not use up the respondent's daily limit", async () => {
    const { ctx, buyer, buyerClient, sellerClient, list } = await market({ level: 'SemiAutonomous', action_limits: { max_daily_spend_sats: 3_000 } });
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: await list('Temperatures', 2_000) });
    await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id, received_sha256: SHA });
    const filed = await call(buyerClient, 'marketplace_file_dispute', {
      dispute_type: 'QualityIssue',
      subject: { kind: 'purchase', id: bought.data.purchase_id },
      amount_sats: 2_000,
    });
    const operator = await connect(ctx, await operatorToken(ctx));
    expect((await call(operator, 'marketplace_resolve_dispute', { dispute_id: filed.data.dispute_id, resolution: 'RefundFull' })).data).toMatchObject({
      refund_sats: 2_000,
    });
    const paid = await call(sellerClient, 'marketplace_send_payment', { to_agent_id: buyer.id, amount_sats: 3_000 });
    expect(paid).toMatchObject({ isError: false, data: { status: 'completed' } });
    expect(await sats(ctx, buyer.id)).toBe(103_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});

describe('escalations', () => {
  it('a BudgetThresholdReached → RequireApproval trigger asks for every call past the threshold, not only the first', async () => {
    const { buyerClient, seller } = await market({
      level: 'SemiAutonomous',
      budgets: [{ period: 'Monthly', limit_sats: 1_000, overage_policy: 'Block', alert_threshold_pct: 50 }],
      escalation_triggers: [{ condition: 'BudgetThresholdReached', action: 'RequireApproval' }],
    });
    const pay = (amount_sats: number) => call(buyerClient, 'marketplace_send_payment', { to_agent_id: seller.id, amount_sats });
    expect((await pay(400)).data.status).toBe('completed');
    expect((await pay(200)).data).toMatchObject({ status: 'pending_approval', reason: expect.stringMatching(/monthly budget passed 50%/) });
    expect((await pay(200)).data.status).toBe('pending_approval');
  });

  it('a seller dealt with through escrow is no longer a new counterparty, and confirming a purchase is not another purchase', async () => {
    const { buyerClient, sponsorClient, list } = await market({
      level: 'SemiAutonomous',
      action_limits: { requires_approval: ['PurchaseData'] },
      escalation_triggers: [
        { condition: 'NewCounterparty', action: 'RequireApproval' },
        { condition: 'ActionRequiresApproval', action: 'RequireApproval' },
      ],
    });
    const first = await call(buyerClient, 'marketplace_purchase_data', { listing_id: await list('Temperatures', 100) });
    expect(first.data.status).toBe('pending_approval');
    const approved = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: first.data.approval_id, decision: 'approve' });
    const purchaseId = approved.data.result.purchase_id as string;
    // Reporting what arrived goes straight through: a wrong hash must not wait for the sponsor.
    expect((await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: purchaseId, received_sha256: SHA })).data.status).toBe('Completed');
    // The second purchase still needs approval (PurchaseData), but for that reason only.
    const second = await call(buyerClient, 'marketplace_purchase_data', { listing_id: await list('Rainfall', 100) });
    expect(second.data).toMatchObject({ status: 'pending_approval', reason: expect.stringMatching(/PurchaseData always needs/) });
    expect(second.data.reason).not.toMatch(/never dealt with/);
  });

  it('an approved install does not run when the skill now costs more than the sponsor approved', async () => {
    const { ctx, buyer, seller, buyerClient, sellerClient, sponsorClient } = await market({ level: 'Supervised' });
    await setPolicy(ctx.db, ctx.clock, seller.id, { level: 'Autonomous' }, 'test');
    const publish = async (version: string, price: number) => {
      await call(sellerClient, 'marketplace_publish_skill', {
        slug: 'summarise',
        name: 'Summarise',
        description: 'Summaries.',
        version,
        pricing: { model: 'OneTime', sats: price },
      });
      await call(sellerClient, 'marketplace_submit_skill_for_review', { slug: 'summarise', version });
      await reviewSkillVersion(ctx.db, ctx.clock, { slug: 'summarise', version, decision: 'approve' });
    };
    await publish('1.0.0', 100);
    const asked = await call(buyerClient, 'marketplace_install_skill', { slug: 'summarise' });
    expect(asked.data).toMatchObject({ status: 'pending_approval' });
    await publish('2.0.0', 5_000);
    const decided = await call(sponsorClient, 'marketplace_decide_approval', { approval_id: asked.data.approval_id, decision: 'approve' });
    expect(decided.data).toMatchObject({
      status: 'failed',
      result: { error: { code: 'CONFLICT', message: expect.stringMatching(/5,000 sats, more than the 100 sats approved/) } },
    });
    expect(await sats(ctx, buyer.id)).toBe(100_000);
  });
});

describe("a skill's compute share", () => {
  it('goes to the agent behind an approved provider; an empty, unknown, unapproved or own provider is refused and charges nothing', async () => {
    const { ctx, buyer, seller, buyerClient, sellerClient } = await market({ level: 'Autonomous' });
    const runner = await agent(ctx, (await call(buyerClient, 'marketplace_whoami')).data.sponsor_id, 'Runner');
    const runnerClient = await connect(ctx, runner.token);
    await call(sellerClient, 'marketplace_publish_skill', {
      slug: 'tokens',
      name: 'Tokens',
      description: 'Metered.',
      version: '1.0.0',
      pricing: { model: 'PerCall', per_call_sats: 1_000 },
    });
    await call(sellerClient, 'marketplace_submit_skill_for_review', { slug: 'tokens', version: '1.0.0' });
    await reviewSkillVersion(ctx.db, ctx.clock, { slug: 'tokens', version: '1.0.0', decision: 'approve' });
    await call(buyerClient, 'marketplace_install_skill', { slug: 'tokens' });
    const provider = (await call(runnerClient, 'marketplace_register_provider', { name: 'Runner compute', kinds: [5050], price_sats: 1, regions: ['eu'] })).data.provider_id;
    const own = (await call(buyerClient, 'marketplace_register_provider', { name: 'My compute', kinds: [5050], price_sats: 1, regions: ['eu'] })).data.provider_id;
    await approveProvider(ctx.db, ctx.clock, own, true);
    const use = (compute_provider_id: string) => call(buyerClient, 'marketplace_record_skill_usage', { slug: 'tokens', compute_provider_id });

    expect((await use('')).data.error.code).toBe('INVALID_INPUT');
    expect((await use('cp_nobody')).data.error.code).toBe('NOT_FOUND');
    expect((await use(provider)).data.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/not approved/) });
    expect((await use(own)).data.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/your own provider/) });
    expect(await sats(ctx, buyer.id)).toBe(100_000);

    await approveProvider(ctx.db, ctx.clock, provider, true);
    expect((await use(provider)).data).toMatchObject({
      cost_sats: 1_000,
      split: { creator_sats: 650, compute_sats: 250, platform_sats: 100, referrer_sats: 0 },
    });
    expect(await sats(ctx, buyer.id)).toBe(99_000);
    expect(await sats(ctx, runner.id)).toBe(250);
    expect(await sats(ctx, seller.id)).toBe(100_650);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});
