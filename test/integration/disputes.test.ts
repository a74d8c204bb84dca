// Disputes over contracts: the escrow freezes, and the operator's resolution moves the
// money once, from the hold while it is held, else back from the worker's wallet. And
// over a skill's price, paid out at once: the creator's share comes back.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { DISPUTE_STATUSES, resolveDispute } from '../../src/domain/disputes/disputes.js';
import { settleDueContracts } from '../../src/domain/hiring/contracts.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { reviewSkillVersion } from '../../src/domain/skills/catalogue.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

const msats = async (ctx: AppContext, id: string) => (await getBalance(ctx.db, agentAccountId(id))).balanceMsats;

async function delivered(clock = new ManualClock()) {
  const ctx = await makeContext({ clock });
  const { sponsor, agent: hirer } = await fundedAgent(ctx, 50_000);
  const worker = await agent(ctx, sponsor.id, 'Worker');
  const hirerClient = await connect(ctx, hirer.token);
  const workerClient = await connect(ctx, worker.token);
  const hired = await call(hirerClient, 'marketplace_hire_agent', {
    task: { description: 'Label 1,000 images', required_skills: [], max_budget_sats: 10_000, deadline: new Date(clock.now().getTime() + 3 * DAY).toISOString() },
    agent_id: worker.id,
  });
  const contractId = hired.data.contract_id;
  await call(workerClient, 'marketplace_respond_to_contract', { contract_id: contractId, action: 'accept' });
  await call(workerClient, 'marketplace_submit_delivery', { contract_id: contractId, result: 'labels.csv' });
  return { ctx, clock, hirer, worker, hirerClient, workerClient, contractId };
}

describe('disputes over contracts', () => {
  it('freezes the escrow, hears the respondent, and refunds in full from the hold', async () => {
    const { ctx, clock, hirer, worker, hirerClient, workerClient, contractId } = await delivered();
    const filed = await call(hirerClient, 'marketplace_file_dispute', {
      dispute_type: 'QualityIssue',
      subject: { kind: 'contract', id: contractId },
      amount_sats: 10_000,
      evidence: [{ description: 'Half the labels are empty', sha256: 'b'.repeat(64) }],
    });
    expect(filed.data).toMatchObject({ status: 'Open', respondent_id: worker.id });
    // The claimant's evidence reaches the respondent marked as the claimant's words.
    const seen = (await call(workerClient, 'marketplace_get_dispute', { dispute_id: filed.data.dispute_id })).data;
    expect(seen.evidence).toEqual([{ untrusted_description: 'Half the labels are empty', sha256: 'b'.repeat(64) }]);
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: contractId })).data.status).toBe('Disputed');
    // Frozen: neither the review window nor the deadline moves the money now.
    clock.advance(4 * DAY);
    await settleDueContracts(ctx.db, ctx.clock);
    expect((await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept' })).data.error.code).toBe('CONFLICT');
    expect((await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id: contractId }, amount_sats: 1 })).data.error.code).toBe(
      'CONFLICT',
    );

    await call(workerClient, 'marketplace_respond_to_dispute', { dispute_id: filed.data.dispute_id, response: 'The spec allowed empty labels.' });
    const resolved = await resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundFull', reason: 'spec says every image' });
    expect(resolved).toMatchObject({ status: 'Resolved', resolution: 'RefundFull', refund_sats: 10_000, debt_sats: 0 });
    expect(await msats(ctx, hirer.id)).toBe(50_000_000);
    expect((await getBalance(ctx.db, agentAccountId(hirer.id))).heldMsats).toBe(0);
    expect(await msats(ctx, worker.id)).toBe(0);
    expect((await call(workerClient, 'marketplace_get_agent', { agent_id: worker.id })).data.reputation).toBeLessThan(0.6);
    await expect(resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'NoRefund' })).rejects.toThrow(/already Resolved/);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('settles a partial refund from the hold: the worker is paid the rest less the fee', async () => {
    const { ctx, hirer, worker, hirerClient, contractId } = await delivered();
    const filed = await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Overcharge', subject: { kind: 'contract', id: contractId }, amount_sats: 4_000 });
    await resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundPartial', refundSats: 4_000 });
    expect(await msats(ctx, worker.id)).toBe(5_700_000); // 6,000 less 5%
    expect(await msats(ctx, hirer.id)).toBe(44_000_000);
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('after payout, takes the refund back from the worker and records what it cannot cover as a debt', async () => {
    const { ctx, hirer, worker, hirerClient, workerClient, contractId } = await delivered();
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept' });
    expect(await msats(ctx, worker.id)).toBe(9_500_000);
    // The worker spends most of it.
    await call(workerClient, 'marketplace_send_payment', { to_agent_id: hirer.id, amount_sats: 8_000 });
    const filed = await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Fraud', subject: { kind: 'contract', id: contractId }, amount_sats: 10_000 });
    expect(filed.isError).toBe(false);
    const resolved = await resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundFull' });
    expect(resolved).toMatchObject({ refund_sats: 10_000, debt_sats: 8_500 });
    expect(await msats(ctx, worker.id)).toBe(0);
    expect((await call(hirerClient, 'marketplace_list_disputes', { status: 'Resolved' })).data.items).toHaveLength(1);
    const typo = (await call(hirerClient, 'marketplace_list_disputes', { status: 'Closed' })).data.error;
    expect(typo.code).toBe('INVALID_INPUT');
    for (const status of DISPUTE_STATUSES) expect(typo.message).toContain(`"${status}"`);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('only the hirer disputes a contract, within the window; compute jobs cannot be disputed', async () => {
    const { clock, hirerClient, workerClient, contractId } = await delivered();
    expect((await call(workerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id: contractId }, amount_sats: 1 })).data.error.code).toBe(
      'NOT_FOUND',
    );
    expect((await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'job', id: 'x' }, amount_sats: 1 })).data.error.code).toBe(
      'INVALID_INPUT',
    );
    const over = (await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id: contractId }, amount_sats: 10_001 })).data.error;
    expect(over).toMatchObject({ code: 'INVALID_INPUT', details: { max_sats: 10_000 } });
    expect(over.message).toBe(`amount_sats must be 1–10,000: what is at stake is the agreed price of contract ${contractId}, still held in escrow.`);
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept' });
    clock.advance(15 * DAY);
    expect((await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id: contractId }, amount_sats: 1 })).data.error.code).toBe(
      'CONFLICT',
    );
  });
});

describe('disputes over skill payments', () => {
  async function paidSkill(publisher: 'agent' | 'sponsor') {
    const ctx = await makeContext();
    const { sponsor, agent: creator } = await fundedAgent(ctx, 1_000);
    const { agent: user } = await fundedAgent(ctx, 10_000);
    const userClient = await connect(ctx, user.token);
    const publisherClient = await connect(ctx, publisher === 'agent' ? creator.token : sponsor.token);
    const slug = `summarise-${publisher}`;
    await call(publisherClient, 'marketplace_publish_skill', {
      slug,
      name: 'Summarise',
      version: '1.0.0',
      description: 'Summarises.',
      pricing: { model: 'PerCall', per_call_sats: 100 },
    });
    await call(publisherClient, 'marketplace_submit_skill_for_review', { slug, version: '1.0.0' });
    await reviewSkillVersion(ctx.db, ctx.clock, { slug, version: '1.0.0', decision: 'approve' });
    await call(userClient, 'marketplace_install_skill', { slug });
    const used = await call(userClient, 'marketplace_record_skill_usage', { slug, calls: 10, idempotency_key: 'use-1' });
    expect(used.data).toMatchObject({ usage_id: expect.stringMatching(/^su/), cost_sats: 1_000 });
    return { ctx, creator, user, userClient, creatorClient: await connect(ctx, creator.token), used: used.data };
  }

  it("by the payer, against an agent creator: a full refund takes back the creator's share, and what it lacks is owed", async () => {
    const { ctx, creator, user, userClient, creatorClient, used } = await paidSkill('agent');
    const share = used.split.creator_sats;
    expect(share).toBeGreaterThan(0);
    // The creator spends all but 100 sats of what it has.
    await call(creatorClient, 'marketplace_send_payment', { to_agent_id: user.id, amount_sats: 1_000 + share - 100 });
    const subject = { kind: 'skill_usage', id: used.usage_id };
    expect((await call(creatorClient, 'marketplace_file_dispute', { dispute_type: 'QualityIssue', subject, amount_sats: 1 })).data.error.code).toBe('NOT_FOUND');
    // Asked for more than the creator received, the answer says why the cap is what it is.
    const over = (await call(userClient, 'marketplace_file_dispute', { dispute_type: 'QualityIssue', subject, amount_sats: 1_000 })).data.error;
    expect(over).toMatchObject({ code: 'INVALID_INPUT', details: { max_sats: share } });
    expect(over.message).toContain(`amount_sats must be 1–${share}`);
    expect(over.message).toContain(`the platform fee (${used.split.platform_sats} sats)`);
    expect(over.message).toMatch(/of the 1,000 sats you paid.*not disputable/);
    expect((await call(userClient, 'marketplace_file_dispute', { dispute_type: 'QualityIssue', subject, amount_sats: share + 1 })).data.error.code).toBe('INVALID_INPUT');
    const filed = await call(userClient, 'marketplace_file_dispute', { dispute_type: 'QualityIssue', subject, amount_sats: share });
    expect(filed.data).toMatchObject({ status: 'Open', respondent_id: creator.id, at_stake_sats: share });
    expect((await call(userClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject, amount_sats: 1 })).data.error.code).toBe('CONFLICT');
    const before = await msats(ctx, user.id);
    const resolved = await resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundFull' });
    expect(resolved).toMatchObject({ refund_sats: share, debt_sats: share - 100 });
    expect((await msats(ctx, user.id)) - before).toBe(100_000);
    expect(await msats(ctx, creator.id)).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('not against a sponsor who published the skill: sponsors answer no disputes', async () => {
    const { userClient, used } = await paidSkill('sponsor');
    const filed = await call(userClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'skill_usage', id: used.usage_id }, amount_sats: 1 });
    expect(filed.data.error).toMatchObject({ code: 'CONFLICT', message: expect.stringMatching(/sponsor/) });
  });
});
