// Disputes over contracts: the escrow freezes, and the operator's resolution moves the
// money once, from the hold while it is held, else back from the worker's wallet.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { resolveDispute } from '../../src/domain/disputes/disputes.js';
import { settleDueContracts } from '../../src/domain/hiring/contracts.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

const msats = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id)).balanceMsats;

async function delivered(clock = new ManualClock()) {
  const ctx = makeContext({ clock });
  const { sponsor, agent: hirer } = fundedAgent(ctx, 50_000);
  const worker = agent(ctx, sponsor.id, 'Worker');
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
    expect((await call(hirerClient, 'marketplace_get_contract', { contract_id: contractId })).data.status).toBe('Disputed');
    // Frozen: neither the review window nor the deadline moves the money now.
    clock.advance(4 * DAY);
    settleDueContracts(ctx.db, ctx.clock);
    expect((await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept' })).data.error.code).toBe('CONFLICT');
    expect((await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id: contractId }, amount_sats: 1 })).data.error.code).toBe('CONFLICT');

    await call(workerClient, 'marketplace_respond_to_dispute', { dispute_id: filed.data.dispute_id, response: 'The spec allowed empty labels.' });
    const resolved = resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundFull', reason: 'spec says every image' });
    expect(resolved).toMatchObject({ status: 'Resolved', resolution: 'RefundFull', refund_sats: 10_000, debt_sats: 0 });
    expect(msats(ctx, hirer.id)).toBe(50_000_000);
    expect(getBalance(ctx.db, agentAccountId(hirer.id)).heldMsats).toBe(0);
    expect(msats(ctx, worker.id)).toBe(0);
    expect((await call(workerClient, 'marketplace_get_agent', { agent_id: worker.id })).data.reputation).toBeLessThan(0.6);
    expect(() => resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'NoRefund' })).toThrow(/already Resolved/);
    expect(verifyLedger(ctx.db).ok).toBe(true);
  });

  it('settles a partial refund from the hold: the worker is paid the rest less the fee', async () => {
    const { ctx, hirer, worker, hirerClient, contractId } = await delivered();
    const filed = await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Overcharge', subject: { kind: 'contract', id: contractId }, amount_sats: 4_000 });
    resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundPartial', refundSats: 4_000 });
    expect(msats(ctx, worker.id)).toBe(5_700_000); // 6,000 less 5%
    expect(msats(ctx, hirer.id)).toBe(44_000_000);
    expect(getBalance(ctx.db, ESCROW.id).balanceMsats).toBe(0);
    expect(verifyLedger(ctx.db).ok).toBe(true);
  });

  it('after payout, takes the refund back from the worker and records what it cannot cover as a debt', async () => {
    const { ctx, hirer, worker, hirerClient, workerClient, contractId } = await delivered();
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept' });
    expect(msats(ctx, worker.id)).toBe(9_500_000);
    // The worker spends most of it.
    await call(workerClient, 'marketplace_send_payment', { to_agent_id: hirer.id, amount_sats: 8_000 });
    const filed = await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Fraud', subject: { kind: 'contract', id: contractId }, amount_sats: 10_000 });
    expect(filed.isError).toBe(false);
    const resolved = resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundFull' });
    expect(resolved).toMatchObject({ refund_sats: 10_000, debt_sats: 8_500 });
    expect(msats(ctx, worker.id)).toBe(0);
    expect((await call(hirerClient, 'marketplace_list_disputes', { status: 'Resolved' })).data.items).toHaveLength(1);
    expect(verifyLedger(ctx.db).ok).toBe(true);
  });

  it('only the hirer disputes a contract, within the window; jobs cannot be disputed yet', async () => {
    const { clock, hirerClient, workerClient, contractId } = await delivered();
    expect((await call(workerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id: contractId }, amount_sats: 1 })).data.error.code).toBe('NOT_FOUND');
    expect((await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'job', id: 'x' }, amount_sats: 1 })).data.error.code).toBe('INVALID_INPUT');
    await call(hirerClient, 'marketplace_review_delivery', { contract_id: contractId, decision: 'accept' });
    clock.advance(15 * DAY);
    expect((await call(hirerClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'contract', id: contractId }, amount_sats: 1 })).data.error.code).toBe('CONFLICT');
  });
});
