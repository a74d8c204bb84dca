// What a creator can check: earnings net of what disputes refunded, and the usage each
// paying agent reported (usage is self-reported, so the creator sees it per payer).
import { afterEach, describe, expect, it } from 'vitest';
import { resolveDispute } from '../../src/domain/disputes/disputes.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { reviewSkillVersion } from '../../src/domain/skills/catalogue.js';
import { call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';

afterEach(closeContexts);

describe('creator analytics', () => {
  it('subtracts a dispute refund from earnings and counts each paying agent', async () => {
    const ctx = await makeContext();
    const { agent: creator } = await fundedAgent(ctx, 0);
    const { agent: heavy } = await fundedAgent(ctx, 10_000);
    const { agent: light } = await fundedAgent(ctx, 10_000);
    const { agent: browser } = await fundedAgent(ctx, 10_000);
    const creatorClient = await connect(ctx, creator.token);
    const [heavyClient, lightClient, browserClient] = await Promise.all([connect(ctx, heavy.token), connect(ctx, light.token), connect(ctx, browser.token)]);
    for (const slug of ['summarise', 'free-notes']) {
      await call(creatorClient, 'marketplace_publish_skill', {
        slug,
        name: slug,
        version: '1.0.0',
        description: 'A skill.',
        pricing: slug === 'summarise' ? { model: 'PerCall', per_call_sats: 100 } : { model: 'Free' },
      });
      await call(creatorClient, 'marketplace_submit_skill_for_review', { slug, version: '1.0.0' });
      await reviewSkillVersion(ctx.db, ctx.clock, { slug, version: '1.0.0', decision: 'approve' });
    }
    await call(heavyClient, 'marketplace_install_skill', { slug: 'summarise' });
    await call(heavyClient, 'marketplace_install_skill', { slug: 'free-notes' });
    const disputed = await call(heavyClient, 'marketplace_record_skill_usage', { slug: 'summarise', calls: 10, input_tokens: 5_000, output_tokens: 700 });
    // 1,000 sats; no referrer, no compute provider: their shares go to the creator (900), the platform takes 100.
    expect(disputed.data).toMatchObject({ cost_sats: 1_000, split: { creator_sats: 900 } });
    await call(lightClient, 'marketplace_install_skill', { slug: 'summarise' });
    await call(lightClient, 'marketplace_record_skill_usage', { slug: 'summarise', calls: 3 });
    await call(browserClient, 'marketplace_install_skill', { slug: 'free-notes' });

    const before = await call(creatorClient, 'marketplace_creator_analytics');
    expect(before.data).toMatchObject({ total_earnings_sats: 900 + 270, refunded_sats: 0, total_installs: 4 });

    const filed = await call(heavyClient, 'marketplace_file_dispute', {
      dispute_type: 'QualityIssue',
      subject: { kind: 'skill_usage', id: disputed.data.usage_id },
      amount_sats: 300,
      evidence: [{ description: 'Half the summaries were empty.' }],
    });
    expect(filed.isError, JSON.stringify(filed.data)).toBe(false);
    expect(await resolveDispute(ctx.db, ctx.clock, { disputeId: filed.data.dispute_id, resolution: 'RefundPartial', refundSats: 300 })).toMatchObject({
      refund_sats: 300,
      debt_sats: 0,
    });

    const after = await call(creatorClient, 'marketplace_creator_analytics', { period: 'day' });
    expect(after.isError, JSON.stringify(after.data)).toBe(false);
    expect(after.data).toMatchObject({
      total_earnings_sats: 900 + 270 - 300,
      refunded_sats: 300,
      total_installs: 4,
      earnings_by_period: [{ period: ctx.clock.now().toISOString().slice(0, 10), amount_sats: 870, refunded_sats: 300 }],
      top_skills: [
        { slug: 'summarise', earnings_sats: 870, refunded_sats: 300, installs: 2 },
        { slug: 'free-notes', earnings_sats: 0, refunded_sats: 0, installs: 2 },
      ],
      by_agent_omitted: 0,
    });
    // Biggest payer first; an agent that only installed a free skill is listed too.
    expect(after.data.by_agent).toEqual([
      { agent_id: heavy.id, installs: 2, calls: 10, input_tokens: 5_000, output_tokens: 700, paid_sats: 1_000, refunded_sats: 300, earnings_sats: 600 },
      { agent_id: light.id, installs: 1, calls: 3, input_tokens: 0, output_tokens: 0, paid_sats: 300, refunded_sats: 0, earnings_sats: 270 },
      { agent_id: browser.id, installs: 1, calls: 0, input_tokens: 0, output_tokens: 0, paid_sats: 0, refunded_sats: 0, earnings_sats: 0 },
    ]);
    // The dashboard agrees with the creator's wallet to the sat.
    expect((await getBalance(ctx.db, agentAccountId(creator.id))).balanceMsats / 1000).toBe(after.data.total_earnings_sats);
    // Another creator sees none of it.
    const other = await call(lightClient, 'marketplace_creator_analytics');
    expect(other.data).toMatchObject({ total_earnings_sats: 0, refunded_sats: 0, by_agent: [], by_agent_omitted: 0 });
  });
});
