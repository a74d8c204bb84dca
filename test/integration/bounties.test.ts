// Bounties: the reward is held at creation and paid pro rata to accepted samples; each
// automatic check reports on its own; expiry and cancellation return exactly what no
// accepted submission was paid; disputes over submissions run in both directions.
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { sweepDue } from '../../src/background.js';
import { fundAgentFromSandbox } from '../../src/domain/agents/funding.js';
import { settleDueBounties } from '../../src/domain/bounties/bounties.js';
import { agentAccountId, ESCROW, PLATFORM_REVENUE } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, HOUR, makeContext, ManualClock, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

const balance = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id));
const samples = (n: number, from = 0) => Array.from({ length: n }, (_, i) => ({ text: `review number ${from + i}`, label: (from + i) % 2 ? 'positive' : 'negative' }));
const SCHEMA = { type: 'object', required: ['text', 'label'], properties: { text: { type: 'string' }, label: { enum: ['positive', 'negative'] } } };

async function posted(clock = new ManualClock(), reward = 5_000, minSamples = 100) {
  const ctx = await makeContext({ clock });
  const { sponsor, agent: creator } = await fundedAgent(ctx, 10_000);
  const alice = await agent(ctx, sponsor.id, 'Alice');
  const bob = await agent(ctx, sponsor.id, 'Bob');
  const creatorClient = await connect(ctx, creator.token);
  const aliceClient = await connect(ctx, alice.token);
  const bobClient = await connect(ctx, bob.token);
  const created = await call(creatorClient, 'marketplace_create_bounty', {
    title: 'Labelled product reviews',
    description: 'English reviews labelled positive or negative',
    reward_sats: reward,
    requirements: { min_samples: minSamples, required_format: 'json', schema: SCHEMA },
    deadline: new Date(clock.now().getTime() + 7 * DAY).toISOString(),
  });
  expect(created.data).toMatchObject({ status: 'Active', escrow_sats: reward, sats_per_sample: Math.floor(reward / minSamples) });
  return { ctx, clock, creator, alice, bob, creatorClient, aliceClient, bobClient, bountyId: created.data.bounty_id as string };
}

const submit = (client: Awaited<ReturnType<typeof connect>>, bountyId: string, data: unknown[], extra: Record<string, unknown> = {}) =>
  call(client, 'marketplace_submit_to_bounty', { bounty_id: bountyId, data_samples: data, metadata: { format: 'json', sample_count: data.length }, ...extra });

describe('bounties', () => {
  it('hold the reward, pay pro rata, and return the unpaid remainder when the deadline passes', async () => {
    const { ctx, clock, creator, alice, creatorClient, aliceClient, bountyId } = await posted();
    expect(await balance(ctx, creator.id)).toMatchObject({ balanceMsats: 10_000_000, heldMsats: 5_000_000 });
    const sub = await submit(aliceClient, bountyId, samples(70));
    expect(sub.data).toMatchObject({ status: 'Pending', verification: { passed: true } });
    expect(sub.data.verification.checks.map((c: { name: string }) => c.name)).toEqual(['sample_count', 'format', 'schema', 'duplicates', 'secrets_pii']);
    expect((await call(creatorClient, 'marketplace_get_submission', { submission_id: sub.data.submission_id })).data.untrusted_samples).toHaveLength(70);
    expect((await call(creatorClient, 'marketplace_review_submission', { submission_id: sub.data.submission_id, decision: 'accept', accepted_samples: 71 })).data.error.code).toBe(
      'INVALID_INPUT',
    );
    const reviewed = await call(creatorClient, 'marketplace_review_submission', { submission_id: sub.data.submission_id, decision: 'accept', accepted_samples: 60 });
    // The answer says what the contributor received, not only the gross: 3,000 less the 5% fee.
    expect(reviewed.data).toMatchObject({ status: 'PartiallyAccepted', accepted_samples: 60, paid_sats: 3_000, fee_sats: 150, received_sats: 2_850 });
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(2_850_000);
    expect((await call(aliceClient, 'marketplace_get_submission', { submission_id: sub.data.submission_id })).data).toMatchObject({
      paid_sats: 3_000,
      fee_sats: 150,
      received_sats: 2_850,
    });
    expect(await balance(ctx, creator.id)).toMatchObject({ balanceMsats: 7_000_000, heldMsats: 2_000_000 });
    expect((await call(creatorClient, 'marketplace_review_submission', { submission_id: sub.data.submission_id, decision: 'accept' })).data.error.code).toBe('CONFLICT');

    clock.advance(7 * DAY + HOUR);
    expect((await submit(aliceClient, bountyId, samples(5, 500))).data.error.code).toBe('CONFLICT');
    await settleDueBounties(ctx.db, ctx.clock);
    expect((await call(creatorClient, 'marketplace_get_bounty', { bounty_id: bountyId })).data).toMatchObject({ status: 'Expired', escrow_sats: 0, paid_sats: 3_000 });
    expect(await balance(ctx, creator.id)).toMatchObject({ balanceMsats: 7_000_000, heldMsats: 0, availableMsats: 7_000_000 });
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('become Fulfilled when enough samples are accepted, paying exactly the reward across contributors', async () => {
    const { ctx, creator, alice, bob, creatorClient, aliceClient, bobClient, bountyId } = await posted(undefined, 1_000, 3);
    const a = await submit(aliceClient, bountyId, samples(2));
    const b = await submit(bobClient, bountyId, samples(2, 10));
    const late = await submit(bobClient, bountyId, samples(1, 20));
    const first = await call(creatorClient, 'marketplace_review_submission', { submission_id: a.data.submission_id, decision: 'accept' });
    const second = await call(creatorClient, 'marketplace_review_submission', { submission_id: b.data.submission_id, decision: 'accept' });
    // In whole sats as a balance shows them: received is what the wallet got, and paid − fee = received.
    for (const [review, payee] of [
      [first, alice],
      [second, bob],
    ] as const) {
      const { paid_sats, fee_sats, received_sats } = review.data;
      expect(received_sats).toBe(Math.floor((await balance(ctx, payee.id)).balanceMsats / 1000));
      expect(paid_sats - fee_sats).toBe(received_sats);
    }
    expect(first.data).toMatchObject({ paid_sats: 666, fee_sats: 33, received_sats: 633 });
    // 2 of 3 paid 666.666 sats; the third sample pays exactly what remains.
    expect(second.data.status).toBe('Accepted');
    const bounty = (await call(creatorClient, 'marketplace_get_bounty', { bounty_id: bountyId })).data;
    expect(bounty).toMatchObject({ status: 'Fulfilled', paid_sats: 1_000, escrow_sats: 0, accepted_samples: 4 });
    expect(bounty.submissions.find((s: { submission_id: string }) => s.submission_id === late.data.submission_id).status).toBe('Closed');
    // 666,666 msats for Alice's two, 333,334 for Bob's one; each less its own floored 5% fee.
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(666_666 - 33_333);
    expect((await balance(ctx, bob.id)).balanceMsats).toBe(333_334 - 16_666);
    expect((await balance(ctx, alice.id)).balanceMsats + (await balance(ctx, bob.id)).balanceMsats + (await getBalance(ctx.db, PLATFORM_REVENUE.id)).balanceMsats).toBe(1_000_000);
    expect(await balance(ctx, creator.id)).toMatchObject({ balanceMsats: 9_000_000, heldMsats: 0 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('cancelled with an accepted submission return only what is still held', async () => {
    const { ctx, creator, creatorClient, aliceClient, bobClient, bountyId } = await posted();
    const a = await submit(aliceClient, bountyId, samples(20));
    await call(creatorClient, 'marketplace_review_submission', { submission_id: a.data.submission_id, decision: 'accept' });
    const b = await submit(bobClient, bountyId, samples(10, 100));
    const blocked = await call(creatorClient, 'marketplace_cancel_bounty', { bounty_id: bountyId });
    expect(blocked.data.error).toMatchObject({ code: 'CONFLICT', details: { pending: [b.data.submission_id] } });
    await call(creatorClient, 'marketplace_review_submission', { submission_id: b.data.submission_id, decision: 'reject', reason: 'Labels are swapped' });
    const cancelled = await call(creatorClient, 'marketplace_cancel_bounty', { bounty_id: bountyId });
    expect(cancelled.data).toMatchObject({ status: 'Cancelled', paid_sats: 1_000, escrow_sats: 0 });
    expect(await balance(ctx, creator.id)).toMatchObject({ balanceMsats: 9_000_000, heldMsats: 0 });
    expect((await call(creatorClient, 'marketplace_cancel_bounty', { bounty_id: bountyId })).data.error.code).toBe('CONFLICT');
    expect((await submit(aliceClient, bountyId, samples(1, 900))).data.error.code).toBe('CONFLICT');
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('accept waiting submissions in full when the creator lets the review window lapse', async () => {
    const { ctx, clock, alice, creator, aliceClient, bountyId } = await posted();
    await submit(aliceClient, bountyId, samples(10));
    clock.advance(7 * DAY + HOUR);
    expect(await settleDueBounties(ctx.db, ctx.clock)).toBe(0); // still inside the 72 h review window
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(0);
    clock.advance(3 * DAY);
    expect(await settleDueBounties(ctx.db, ctx.clock)).toBe(1);
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(475_000);
    expect(await balance(ctx, creator.id)).toMatchObject({ balanceMsats: 9_500_000, heldMsats: 0 });
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('refuse to hold a reward the creator cannot cover, and a bad schema, changing nothing', async () => {
    const ctx = await makeContext();
    const { agent: creator } = await fundedAgent(ctx, 100);
    const client = await connect(ctx, creator.token);
    const base = { title: 't', description: 'd', reward_sats: 500, requirements: { min_samples: 5, required_format: 'json' } };
    expect((await call(client, 'marketplace_create_bounty', base)).data.error.code).toBe('INSUFFICIENT_FUNDS');
    const badSchema = { ...base, reward_sats: 50, requirements: { ...base.requirements, schema: { type: 'no-such-type' } } };
    expect((await call(client, 'marketplace_create_bounty', badSchema)).data.error.code).toBe('INVALID_INPUT');
    // A pattern with nested repetition could stop the server on a contributor's string.
    const catastrophic = { ...badSchema, requirements: { ...base.requirements, schema: { type: 'object', properties: { text: { type: 'string', pattern: '^(a+)+$' } } } } };
    const refused = await call(client, 'marketplace_create_bounty', catastrophic);
    expect(refused.data.error).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/exponential time.*\^\(a\+\)\+\$/) });
    expect((await call(client, 'marketplace_list_bounties', {})).data.items).toHaveLength(0);
    expect((await balance(ctx, creator.id)).heldMsats).toBe(0);
  });

  it('refuse a schema whose pattern repeats overlapping alternatives, as ^(a|a)*$ does, changing nothing', async () => {
    const ctx = await makeContext();
    const { agent: creator } = await fundedAgent(ctx, 1_000);
    const client = await connect(ctx, creator.token);
    const withPattern = (pattern: string) => ({
      title: 't',
      description: 'd',
      reward_sats: 50,
      requirements: { min_samples: 1, required_format: 'json', schema: { type: 'object', properties: { text: { type: 'string', pattern } } } },
    });
    for (const pattern of ['^(a|a)*$', '^(a|ab)+$', '^(?:x(?:a|a))*$', '^(foo|bar){2,}$']) {
      const refused = await call(client, 'marketplace_create_bounty', withPattern(pattern));
      expect(refused.data.error, pattern).toMatchObject({ code: 'INVALID_INPUT', message: expect.stringMatching(/repeated group with alternatives/) });
    }
    expect((await call(client, 'marketplace_list_bounties', {})).data.items).toHaveLength(0);
    expect((await balance(ctx, creator.id)).heldMsats).toBe(0);
    // Distinct single characters may alternate under repetition, and any alternation outside one.
    for (const pattern of ['^(a|b|c)*$', '^(?:https?|ftp)://[a-z.]+$', '^(\\.|-)+$']) {
      expect((await call(client, 'marketplace_create_bounty', withPattern(pattern))).isError, pattern).toBe(false);
    }
  });
});

describe('bounty verification', () => {
  const failed = (data: { verification: { checks: { name: string; passed: boolean }[] } }) => data.verification.checks.filter((c) => !c.passed).map((c) => c.name);

  it('gives up on a schema that backtracks too long, and the server keeps answering', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: creator } = await fundedAgent(ctx, 1_000);
    const alice = await agent(ctx, sponsor.id, 'Alice');
    const aliceClient = await connect(ctx, alice.token);
    // Eight stars side by side: no nesting, no alternation, so allowed at creation, yet n^8 steps on "aaa…b".
    const created = await call(await connect(ctx, creator.token), 'marketplace_create_bounty', {
      title: 'a-strings',
      description: 'strings of a',
      reward_sats: 100,
      requirements: { min_samples: 1, required_format: 'text', schema: { type: 'string', pattern: '^a*a*a*a*a*a*a*a*$' } },
    });
    expect(created.isError).toBe(false);
    const sub = await call(aliceClient, 'marketplace_submit_to_bounty', {
      bounty_id: created.data.bounty_id,
      data_samples: [`${'a'.repeat(40)}b`],
      metadata: { format: 'text', sample_count: 1 },
    });
    expect(failed(sub.data)).toEqual(['schema']);
    expect(sub.data.verification.checks.find((c: { name: string }) => c.name === 'schema').detail).toMatch(/took longer than 250 ms/);
    expect((await call(aliceClient, 'marketplace_check_balance', {})).isError).toBe(false);
    const fine = await call(aliceClient, 'marketplace_submit_to_bounty', {
      bounty_id: created.data.bounty_id,
      data_samples: ['aaaa'],
      metadata: { format: 'text', sample_count: 1 },
    });
    expect(fine.data.verification.passed).toBe(true);
  });

  it('reports each check on its own and keeps nothing of a failed submission', async () => {
    const { creatorClient, aliceClient, bobClient, bountyId } = await posted();
    const miscounted = await call(aliceClient, 'marketplace_submit_to_bounty', { bounty_id: bountyId, data_samples: samples(3), metadata: { format: 'json', sample_count: 4 } });
    expect(failed(miscounted.data)).toEqual(['sample_count']);
    expect(miscounted.data.status).toBe('Rejected');
    expect(
      failed((await call(aliceClient, 'marketplace_submit_to_bounty', { bounty_id: bountyId, data_samples: samples(2), metadata: { format: 'csv', sample_count: 2 } })).data),
    ).toEqual(['format']);
    expect(failed((await submit(aliceClient, bountyId, ['a plain string', ...samples(1)])).data)).toEqual(['format', 'schema']);
    const off = await submit(aliceClient, bountyId, [{ text: 'fine', label: 'neutral' }]);
    expect(failed(off.data)).toEqual(['schema']);
    expect(off.data.verification.checks.find((c: { name: string }) => c.name === 'schema').detail).toMatch(/#0 \/label/);
    const dup = await submit(aliceClient, bountyId, [...samples(2), samples(1)[0]]);
    expect(failed(dup.data)).toEqual(['duplicates']);

    const kept = await submit(aliceClient, bountyId, samples(3));
    expect(kept.data.verification.passed).toBe(true);
    // Key order does not make a copy new.
    const reordered = await submit(bobClient, bountyId, [{ label: 'negative', text: 'review number 0' }]);
    expect(reordered.data.verification.checks.find((c: { name: string }) => c.name === 'duplicates').detail).toMatch(/already contributed/);

    const leaky = await submit(bobClient, bountyId, [
      { text: 'my key is AKIAIOSFODNN7EXAMPLE ok', label: 'positive' },
      { text: 'write to jane.doe@example.com', label: 'negative' },
    ]);
    expect(failed(leaky.data)).toEqual(['secrets_pii']);
    const detail = leaky.data.verification.checks.find((c: { name: string }) => c.name === 'secrets_pii').detail as string;
    expect(detail).toMatch(/sample #0 at \$\.text: secret/);
    expect(detail).toMatch(/sample #1 at \$\.text: pii/);
    expect(detail).not.toMatch(/AKIA|jane/);
    // Nothing flagged is stored.
    expect((await call(bobClient, 'marketplace_get_submission', { submission_id: leaky.data.submission_id })).data.untrusted_samples).toBeNull();
    // And only the contributor or the creator may read a submission.
    expect((await call(bobClient, 'marketplace_get_submission', { submission_id: kept.data.submission_id })).data.error.code).toBe('NOT_FOUND');
    const seen = (await call(creatorClient, 'marketplace_get_bounty', { bounty_id: bountyId })).data.submissions;
    expect(seen).toHaveLength(8);
    expect((await call(bobClient, 'marketplace_get_bounty', { bounty_id: bountyId })).data.submissions).toHaveLength(2);
  });

  it("refuses contributions in anyone else's name and to one's own bounty", async () => {
    const { creatorClient, aliceClient, bob, bountyId } = await posted();
    expect((await submit(aliceClient, bountyId, samples(1), { contributor_id: bob.id })).data.error.code).toBe('FORBIDDEN');
    expect((await submit(creatorClient, bountyId, samples(1))).data.error.code).toBe('INVALID_INPUT');
  });
});

describe('disputes over bounty submissions', () => {
  it('let the creator claw back a paid submission, with the shortfall as debt', async () => {
    const { ctx, creator, alice, creatorClient, aliceClient, bountyId } = await posted();
    const sub = await submit(aliceClient, bountyId, samples(40));
    await call(creatorClient, 'marketplace_review_submission', { submission_id: sub.data.submission_id, decision: 'accept' });
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(1_900_000);
    await call(aliceClient, 'marketplace_send_payment', { to_agent_id: creator.id, amount_sats: 1_500 });
    const filed = await call(creatorClient, 'marketplace_file_dispute', { dispute_type: 'Fraud', subject: { kind: 'bounty', id: sub.data.submission_id }, amount_sats: 2_000 });
    expect(filed.data).toMatchObject({ respondent_id: alice.id, at_stake_sats: 2_000 });
    const operator = await connect(ctx, await operatorToken(ctx));
    const resolved = await call(operator, 'marketplace_resolve_dispute', { dispute_id: filed.data.dispute_id, resolution: 'RefundFull' });
    expect(resolved.data).toMatchObject({ refund_sats: 2_000, debt_sats: 1_600 });
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('collect a debt from what the debtor receives later, before it can spend it', async () => {
    const { ctx, creator, alice, bob, creatorClient, aliceClient, bountyId } = await posted();
    const sub = await submit(aliceClient, bountyId, samples(40));
    await call(creatorClient, 'marketplace_review_submission', { submission_id: sub.data.submission_id, decision: 'accept' });
    await call(aliceClient, 'marketplace_send_payment', { to_agent_id: bob.id, amount_sats: 1_900 });
    const filed = await call(creatorClient, 'marketplace_file_dispute', { dispute_type: 'Fraud', subject: { kind: 'bounty', id: sub.data.submission_id }, amount_sats: 2_000 });
    const operator = await connect(ctx, await operatorToken(ctx));
    expect((await call(operator, 'marketplace_resolve_dispute', { dispute_id: filed.data.dispute_id, resolution: 'RefundFull' })).data).toMatchObject({ debt_sats: 2_000 });
    const creatorBefore = (await balance(ctx, creator.id)).balanceMsats;
    const debt = async () => (await call(creatorClient, 'marketplace_get_dispute', { dispute_id: filed.data.dispute_id })).data.debt_sats;

    // Money arrives; the debtor's next spend finds it already owed.
    await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: alice.id, amountMsats: 1_200_000 });
    expect((await call(aliceClient, 'marketplace_send_payment', { to_agent_id: bob.id, amount_sats: 500 })).data.error.code).toBe('INSUFFICIENT_FUNDS');
    expect((await balance(ctx, bob.id)).balanceMsats).toBe(1_900_000);
    // The sweep collects from a debtor that is idle.
    await sweepDue(ctx);
    expect(await debt()).toBe(800);
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(0);
    expect((await balance(ctx, creator.id)).balanceMsats).toBe(creatorBefore + 1_200_000);

    await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: alice.id, amountMsats: 5_000_000 });
    expect((await call(aliceClient, 'marketplace_send_payment', { to_agent_id: bob.id, amount_sats: 100 })).isError).toBe(false);
    expect(await debt()).toBe(0);
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(4_100_000);
    expect((await balance(ctx, creator.id)).balanceMsats).toBe(creatorBefore + 2_000_000);
    await sweepDue(ctx);
    expect((await balance(ctx, creator.id)).balanceMsats).toBe(creatorBefore + 2_000_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('let a contributor claim for samples rejected after review, paid by the creator', async () => {
    const { ctx, creator, alice, creatorClient, aliceClient, bountyId } = await posted();
    const sub = await submit(aliceClient, bountyId, samples(10));
    await call(creatorClient, 'marketplace_review_submission', { submission_id: sub.data.submission_id, decision: 'reject', reason: 'not needed any more' });
    expect(
      (await call(creatorClient, 'marketplace_file_dispute', { dispute_type: 'Other', subject: { kind: 'bounty', id: sub.data.submission_id }, amount_sats: 1 })).data.error.code,
    ).toBe('CONFLICT');
    const filed = await call(aliceClient, 'marketplace_file_dispute', {
      dispute_type: 'ServiceNotProvided',
      subject: { kind: 'bounty', id: sub.data.submission_id },
      amount_sats: 500,
    });
    expect(filed.data).toMatchObject({ respondent_id: creator.id, at_stake_sats: 500 });
    const operator = await connect(ctx, await operatorToken(ctx));
    await call(operator, 'marketplace_resolve_dispute', { dispute_id: filed.data.dispute_id, resolution: 'RefundPartial', refund_sats: 300 });
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(300_000);
    expect((await balance(ctx, creator.id)).balanceMsats).toBe(9_700_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });
});
