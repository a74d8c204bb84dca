// The compute provider registry: registration, the operator's approval, listing by score
// with filters, and a reputation whose components explain it.
import { afterEach, describe, expect, it } from 'vitest';
import { agent, call, closeContexts, connect, fundedAgent, makeContext, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

async function registry(config = {}) {
  const ctx = await makeContext({ config });
  const { sponsor, agent: seller } = await fundedAgent(ctx, 0);
  const buyer = await agent(ctx, sponsor.id, 'Buyer');
  return { ctx, seller, sellerClient: await connect(ctx, seller.token), buyerClient: await connect(ctx, buyer.token), operator: await connect(ctx, await operatorToken(ctx)) };
}

const registration = { name: 'Fast LLM', about: 'Llama on GPUs', kinds: [5050, 5100], price_sats: 20, regions: ['eu'], data_residency: ['eu'] };

describe('compute providers', () => {
  it('wait for the operator, then are listed with an explainable reputation', async () => {
    const { sellerClient, buyerClient, operator } = await registry();
    const registered = await call(sellerClient, 'marketplace_register_provider', registration);
    expect(registered.data).toMatchObject({ approved: false, tier: 'New', kinds: [5050, 5100], benefits: { needsOperatorApproval: true, dailyJobCap: 10 } });
    const id = registered.data.provider_id;
    expect((await call(buyerClient, 'marketplace_list_providers', {})).data.items).toHaveLength(0);
    expect((await call(operator, 'marketplace_list_providers', { include_unapproved: true })).data.items).toHaveLength(1);
    await call(operator, 'marketplace_approve_provider', { provider_id: id, approved: true });
    const listed = await call(buyerClient, 'marketplace_list_providers', { kind: 5050, region: 'eu' });
    expect(listed.data.items.map((p: { provider_id: string }) => p.provider_id)).toEqual([id]);
    expect((await call(buyerClient, 'marketplace_list_providers', { kind: 5000 })).data.items).toHaveLength(0);
    expect((await call(buyerClient, 'marketplace_list_providers', { region: 'us' })).data.items).toHaveLength(0);

    // No jobs yet: success 1/2, unmeasured response 0.5, uptime 1, rating at the market mean.
    const before = (await call(buyerClient, 'marketplace_get_provider', { provider_id: id })).data;
    expect(before.reputation.components).toMatchObject({ success: 0.5, response: 0.5, uptime: 1, rating: 0.75, decay: 1 });
    expect(before.score).toBeCloseTo(0.4 * 0.5 + 0.2 * 0.5 + 0.2 + 0.2 * 0.75, 3);
    const rated = await call(buyerClient, 'marketplace_rate_provider', { provider_id: id, rating: 1 });
    expect(rated.data.reputation.components.rating).toBeCloseTo(3.75 / 6, 3);
    expect(rated.data.score).toBeLessThan(before.score);
    expect((await call(buyerClient, 'marketplace_list_providers', { min_reputation: before.score })).data.items).toHaveLength(0);
    expect((await call(sellerClient, 'marketplace_rate_provider', { provider_id: id, rating: 5 })).data.error.code).toBe('INVALID_INPUT');
  });

  it('refuse bad registrations and a second one for the same key', async () => {
    const { sellerClient } = await registry({ autoApproveProviders: true });
    expect((await call(sellerClient, 'marketplace_register_provider', { ...registration, kinds: [4999] })).data.error.code).toBe('INVALID_INPUT');
    expect((await call(sellerClient, 'marketplace_register_provider', { ...registration, data_residency: ['us'] })).data.error.message).toMatch(/do not run in: us/);
    const first = await call(sellerClient, 'marketplace_register_provider', registration);
    expect(first.data.approved).toBe(true); // --auto-approve-providers
    expect((await call(sellerClient, 'marketplace_register_provider', registration)).data.error).toMatchObject({
      code: 'CONFLICT',
      details: { provider_id: first.data.provider_id },
    });
  });
});
