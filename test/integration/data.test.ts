// The data marketplace: listings found by full-text search, purchases whose price waits
// in escrow until the buyer confirms the content hash (or the window passes), signed
// access grants, and disputes over purchases resolved by the operator over MCP.
import { createHash } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { issueGrant } from '../../src/domain/data/grants.js';
import { settleDuePurchases } from '../../src/domain/data/purchases.js';
import { agentAccountId, ESCROW, PLATFORM_REVENUE } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, HOUR, makeContext, ManualClock, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

const CONTENT = '{"city":"Lisbon","temp":21}\n{"city":"Porto","temp":18}\n';
const SHA = createHash('sha256').update(CONTENT).digest('hex');
const balance = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id));

async function market(clock = new ManualClock()) {
  const ctx = await makeContext({ clock });
  const { sponsor, agent: buyer } = await fundedAgent(ctx, 10_000);
  const seller = await agent(ctx, sponsor.id, 'Seller');
  const buyerClient = await connect(ctx, buyer.token);
  const sellerClient = await connect(ctx, seller.token);
  const listed = await call(sellerClient, 'marketplace_create_data_listing', {
    title: 'European city temperatures',
    description: 'Hourly readings for 40 cities, 2020–2025',
    listing_type: 'FullDataset',
    price_sats: 2_000,
    sha256: SHA,
    location: 'https://data.example/temps.jsonl',
    format: 'jsonl',
    record_count: 2,
    license: 'CC-BY-4.0',
    sample: '{"city":"Lisbon","temp":21}',
  });
  expect(listed.isError).toBe(false);
  return { ctx, clock, buyer, seller, buyerClient, sellerClient, listingId: listed.data.listing_id as string };
}

describe('data listings', () => {
  it('are found by full-text search and filters, hide their location, and leave search when delisted', async () => {
    const { sellerClient, buyerClient, listingId } = await market();
    await call(sellerClient, 'marketplace_create_data_listing', {
      title: 'Bird songs',
      description: 'Recordings of finches',
      listing_type: 'Sample',
      price_sats: 50,
      sha256: 'a'.repeat(64),
      format: 'wav',
    });
    const found = await call(buyerClient, 'marketplace_search_data', { query: 'temperatures cities' });
    expect(found.data.items.map((l: { listing_id: string }) => l.listing_id)).toEqual([listingId]);
    expect(found.data.items[0]).toMatchObject({ untrusted_title: 'European city temperatures', price_sats: 2_000, sha256: SHA });
    expect(found.data.items[0]).not.toHaveProperty('location');
    expect((await call(buyerClient, 'marketplace_search_data', { max_price_sats: 100 })).data.items).toHaveLength(1);
    expect((await call(buyerClient, 'marketplace_search_data', { listing_type: 'FullDataset', format: 'JSONL' })).data.items).toHaveLength(1);
    expect((await call(buyerClient, 'marketplace_search_data', { query: 'NEAR(( "x' })).isError).toBe(false);
    const page = await call(buyerClient, 'marketplace_search_data', { sort: 'price', limit: 1 });
    expect(page.data.items[0].price_sats).toBe(50);
    expect((await call(buyerClient, 'marketplace_search_data', { sort: 'price', limit: 1, cursor: page.data.next_cursor })).data.items[0].listing_id).toBe(listingId);

    expect((await call(buyerClient, 'marketplace_delist_data', { listing_id: listingId })).data.error.code).toBe('NOT_FOUND');
    await call(sellerClient, 'marketplace_delist_data', { listing_id: listingId });
    expect((await call(buyerClient, 'marketplace_search_data', { query: 'temperatures' })).data.items).toHaveLength(0);
    expect((await call(buyerClient, 'marketplace_purchase_data', { listing_id: listingId })).data.error.code).toBe('CONFLICT');
  });

  it('refuse a malformed hash', async () => {
    const { sellerClient } = await market();
    const bad = await call(sellerClient, 'marketplace_create_data_listing', { title: 't', description: 'd', listing_type: 'Sample', price_sats: 1, sha256: 'xyz' });
    expect(bad.data.error.code).toBe('INVALID_INPUT');
  });
});

describe('purchases', () => {
  it('hold the price, grant signed access, and pay the seller less the fee on a matching confirmation', async () => {
    const { ctx, buyer, seller, buyerClient, sellerClient, listingId } = await market();
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: listingId, idempotency_key: 'buy-1' });
    expect(bought.data).toMatchObject({ status: 'Pending', held_sats: 2_000, price_sats: 2_000 });
    expect((await balance(ctx, buyer.id)).heldMsats).toBe(2_000_000);
    const grant = bought.data.access_grant;
    expect(JSON.parse(grant.event.content)).toMatchObject({ listing_id: listingId, buyer_id: buyer.id, sha256: SHA, location: 'https://data.example/temps.jsonl' });
    // A retry with the same key returns the same purchase; without one, a second purchase is refused.
    expect((await call(buyerClient, 'marketplace_purchase_data', { listing_id: listingId, idempotency_key: 'buy-1' })).data.purchase_id).toBe(bought.data.purchase_id);
    expect((await call(buyerClient, 'marketplace_purchase_data', { listing_id: listingId })).data.error).toMatchObject({
      code: 'CONFLICT',
      details: { purchase_id: bought.data.purchase_id },
    });
    expect((await balance(ctx, buyer.id)).heldMsats).toBe(2_000_000);

    // The seller checks the grant before serving; a tampered one fails.
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: grant.event })).data).toMatchObject({ valid: true, buyer_id: buyer.id, sha256: SHA });
    const tampered = { ...grant.event, content: grant.event.content.replace(buyer.id, seller.id) };
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: tampered })).data).toMatchObject({ valid: false });

    expect((await call(sellerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id })).data.error.code).toBe('NOT_FOUND');
    const confirmed = await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id, received_sha256: SHA.toUpperCase() });
    expect(confirmed.data).toMatchObject({ status: 'Completed', held_sats: 0 });
    expect((await balance(ctx, seller.id)).balanceMsats).toBe(1_900_000);
    expect((await getBalance(ctx.db, PLATFORM_REVENUE.id)).balanceMsats).toBe(100_000);
    expect(await balance(ctx, buyer.id)).toMatchObject({ balanceMsats: 8_000_000, heldMsats: 0 });
    expect((await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id })).data.error.code).toBe('CONFLICT');
    expect((await balance(ctx, seller.id)).balanceMsats).toBe(1_900_000);
    expect((await call(sellerClient, 'marketplace_list_purchases', { role: 'seller' })).data.items).toHaveLength(1);
    expect((await call(sellerClient, 'marketplace_get_purchase', { purchase_id: bought.data.purchase_id })).data.access_grant).toBeNull();
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('pay the seller by themselves once the confirmation window passes; grants lapse and are renewed', async () => {
    const { ctx, clock, buyer, seller, buyerClient, sellerClient, listingId } = await market();
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: listingId });
    clock.advance(25 * HOUR);
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: bought.data.access_grant.event })).data).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/Expired/),
    });
    const fresh = await call(buyerClient, 'marketplace_get_purchase', { purchase_id: bought.data.purchase_id });
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: fresh.data.access_grant.event })).data.valid).toBe(true);
    clock.advance(48 * HOUR);
    expect(await settleDuePurchases(ctx.db, ctx.clock)).toBe(1);
    expect((await balance(ctx, seller.id)).balanceMsats).toBe(1_900_000);
    expect((await balance(ctx, buyer.id)).heldMsats).toBe(0);
    expect((await call(buyerClient, 'marketplace_get_purchase', { purchase_id: bought.data.purchase_id })).data.status).toBe('Completed');
    expect(await settleDuePurchases(ctx.db, ctx.clock)).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it("end a subscription's grants with the subscription, however late in it they were fetched", async () => {
    const { ctx, clock, buyer, buyerClient, sellerClient } = await market();
    const listed = await call(sellerClient, 'marketplace_create_data_listing', {
      title: 'Live feed',
      description: 'd',
      listing_type: 'Subscription',
      price_sats: 1_000,
      sha256: SHA,
    });
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: listed.data.listing_id });
    const purchaseId = bought.data.purchase_id;
    const accessUntil = bought.data.access_until as string;
    expect(Date.parse(accessUntil) - clock.now().getTime()).toBe(30 * DAY);
    // Twelve hours before the end, a fresh grant lasts those twelve hours, not a full day.
    clock.advance(30 * DAY - 12 * HOUR);
    const late = (await call(buyerClient, 'marketplace_get_purchase', { purchase_id: purchaseId })).data.access_grant;
    expect(late.expires_at).toBe(accessUntil);
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: late.event })).data).toMatchObject({ valid: true, expires_at: accessUntil });
    // A grant issued without that cap (as before it existed) still lapses with the subscription.
    const uncapped = await issueGrant(ctx.db, ctx.clock, { purchase_id: purchaseId, listing_id: listed.data.listing_id, buyer_id: buyer.id, sha256: SHA, location: null }, null);
    clock.advance(13 * HOUR);
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: late.event })).data).toMatchObject({ valid: false, reason: expect.stringMatching(/Expired/) });
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: uncapped.event })).data).toMatchObject({
      valid: false,
      reason: expect.stringMatching(/ended at .*subscription ran out/),
      purchase_id: purchaseId,
    });
    expect((await call(buyerClient, 'marketplace_get_purchase', { purchase_id: purchaseId })).data.access_grant).toBeNull();
  });

  it('open a dispute on a hash mismatch; the operator refunds in full from the frozen hold', async () => {
    const { ctx, clock, buyer, seller, buyerClient, sellerClient, listingId } = await market();
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: listingId });
    const wrong = createHash('sha256').update('something else').digest('hex');
    const reported = await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id, received_sha256: wrong });
    expect(reported.data).toMatchObject({ status: 'Disputed', held_sats: 2_000, received_sha256: wrong });
    const disputeId = reported.data.dispute_id;
    expect((await call(sellerClient, 'marketplace_get_dispute', { dispute_id: disputeId })).data).toMatchObject({
      status: 'Open',
      dispute_type: 'QualityIssue',
      subject: { kind: 'purchase', id: bought.data.purchase_id },
      claimant_id: buyer.id,
      respondent_id: seller.id,
      amount_sats: 2_000,
      evidence: [{ sha256: wrong }],
    });
    // Frozen: the window passing pays nobody.
    clock.advance(4 * DAY);
    await settleDuePurchases(ctx.db, ctx.clock);
    expect((await balance(ctx, buyer.id)).heldMsats).toBe(2_000_000);
    expect((await balance(ctx, seller.id)).balanceMsats).toBe(0);
    await call(sellerClient, 'marketplace_respond_to_dispute', { dispute_id: disputeId, response: 'I uploaded the wrong file.' });

    const operator = await connect(ctx, await operatorToken(ctx));
    expect((await call(operator, 'marketplace_list_disputes', { status: 'UnderReview' })).data.items.map((d: { dispute_id: string }) => d.dispute_id)).toEqual([disputeId]);
    // Only the operator resolves.
    await expect(buyerClient.callTool({ name: 'marketplace_resolve_dispute', arguments: { dispute_id: disputeId, resolution: 'RefundFull' } })).rejects.toThrow(/Unknown tool/);
    const resolved = await call(operator, 'marketplace_resolve_dispute', { dispute_id: disputeId, resolution: 'RefundFull', reason: 'Hash does not match' });
    expect(resolved.data).toMatchObject({ status: 'Resolved', refund_sats: 2_000, debt_sats: 0 });
    expect(await balance(ctx, buyer.id)).toMatchObject({ balanceMsats: 10_000_000, heldMsats: 0 });
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    const after = await call(buyerClient, 'marketplace_get_purchase', { purchase_id: bought.data.purchase_id });
    expect(after.data).toMatchObject({ status: 'Refunded', access_grant: null });
    expect((await call(sellerClient, 'marketplace_verify_access_grant', { grant: bought.data.access_grant.event })).data.valid).toBe(false);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('after payout, a partial refund comes back from the seller; free listings need no confirmation', async () => {
    const { ctx, buyer, seller, buyerClient, sellerClient, listingId } = await market();
    const bought = await call(buyerClient, 'marketplace_purchase_data', { listing_id: listingId });
    await call(buyerClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id });
    const filed = await call(buyerClient, 'marketplace_file_dispute', {
      dispute_type: 'QualityIssue',
      subject: { kind: 'purchase', id: bought.data.purchase_id },
      amount_sats: 2_000,
    });
    expect(filed.data.at_stake_sats).toBe(2_000);
    const operator = await connect(ctx, await operatorToken(ctx));
    expect((await call(operator, 'marketplace_resolve_dispute', { dispute_id: filed.data.dispute_id, resolution: 'RefundPartial', refund_sats: 2_000 })).data.error.code).toBe(
      'INVALID_INPUT',
    );
    const resolved = await call(operator, 'marketplace_resolve_dispute', { dispute_id: filed.data.dispute_id, resolution: 'RefundPartial', refund_sats: 500 });
    expect(resolved.data).toMatchObject({ refund_sats: 500, debt_sats: 0 });
    expect((await balance(ctx, seller.id)).balanceMsats).toBe(1_400_000);
    expect((await balance(ctx, buyer.id)).balanceMsats).toBe(8_500_000);
    expect((await call(buyerClient, 'marketplace_get_purchase', { purchase_id: bought.data.purchase_id })).data.status).toBe('Completed');

    const free = await call(sellerClient, 'marketplace_create_data_listing', { title: 'Free sample', description: 'ten rows', listing_type: 'Sample', price_sats: 0, sha256: SHA });
    const got = await call(buyerClient, 'marketplace_purchase_data', { listing_id: free.data.listing_id });
    expect(got.data).toMatchObject({ status: 'Completed', held_sats: 0 });
    expect(got.data.access_grant).not.toBeNull();
    expect((await call(sellerClient, 'marketplace_purchase_data', { listing_id: free.data.listing_id })).data.error.code).toBe('INVALID_INPUT');
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('is refused when the buyer cannot cover the price, changing nothing', async () => {
    const clock = new ManualClock();
    const ctx = await makeContext({ clock });
    const { sponsor, agent: poor } = await fundedAgent(ctx, 100);
    const seller = await agent(ctx, sponsor.id, 'Seller');
    const sellerClient = await connect(ctx, seller.token);
    const listed = await call(sellerClient, 'marketplace_create_data_listing', { title: 'Big', description: 'd', listing_type: 'FullDataset', price_sats: 5_000, sha256: SHA });
    const poorClient = await connect(ctx, poor.token);
    const refused = await call(poorClient, 'marketplace_purchase_data', { listing_id: listed.data.listing_id });
    expect(refused.data.error.code).toBe('INSUFFICIENT_FUNDS');
    expect((await call(poorClient, 'marketplace_list_purchases', {})).data.items).toHaveLength(0);
    expect((await call(sellerClient, 'marketplace_get_data_listing', { listing_id: listed.data.listing_id })).data.purchases).toBe(0);
  });
});
