// The scripted session, through real MCP clients: a sponsor-limited agent posts
// a 5,000-sat bounty for 100 JSON samples; two contributors submit, one with a planted
// API key that is flagged; the creator accepts 60 samples; the deadline passes and
// 2,000 sats return. Then a buyer disputes a purchase and the operator refunds it in full.
import { createHash } from 'node:crypto';
import { afterEach, expect, it } from 'vitest';
import { settleDueBounties } from '../../src/domain/bounties/bounties.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, DAY, fundedAgent, HOUR, makeContext, ManualClock, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

it('bounty with a flagged contributor, partial acceptance, expiry; then a disputed purchase refunded in full', async () => {
  const clock = new ManualClock();
  const ctx = await makeContext({ clock });
  const { sponsor, agent: creator } = await fundedAgent(ctx, 12_000);
  const alice = await agent(ctx, sponsor.id, 'Alice');
  const mallory = await agent(ctx, sponsor.id, 'Mallory');
  const sponsorClient = await connect(ctx, sponsor.token);
  const creatorClient = await connect(ctx, creator.token);
  const aliceClient = await connect(ctx, alice.token);
  const malloryClient = await connect(ctx, mallory.token);
  const wallet = () => getBalance(ctx.db, agentAccountId(creator.id));

  // The sponsor limits the agent: 6,000 sats a call, 8,000 a day; more needs approval.
  const limited = await call(sponsorClient, 'marketplace_set_policy', {
    agent_id: creator.id,
    policy: {
      level: 'SemiAutonomous',
      action_limits: { max_transaction_sats: 6_000, max_daily_spend_sats: 8_000 },
      escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
    },
  });
  expect(limited.isError).toBe(false);
  const bountyArgs = {
    title: '100 labelled support tickets',
    description: 'JSON objects { ticket, category }',
    requirements: {
      min_samples: 100,
      required_format: 'json',
      schema: { type: 'object', required: ['ticket', 'category'], properties: { ticket: { type: 'string' }, category: { type: 'string' } } },
    },
    deadline: new Date(clock.now().getTime() + 5 * DAY).toISOString(),
  };
  const tooBig = await call(creatorClient, 'marketplace_create_bounty', { ...bountyArgs, reward_sats: 9_000 });
  expect(tooBig.data).toMatchObject({ status: 'pending_approval' });
  expect((await wallet()).heldMsats).toBe(0);

  const posted = await call(creatorClient, 'marketplace_create_bounty', { ...bountyArgs, reward_sats: 5_000, idempotency_key: 'bounty-1' });
  expect(posted.data).toMatchObject({ status: 'Active', escrow_sats: 5_000, sats_per_sample: 50 });
  const bountyId = posted.data.bounty_id;
  expect(await wallet()).toMatchObject({ balanceMsats: 12_000_000, heldMsats: 5_000_000 });
  // A retried post holds nothing more.
  expect((await call(creatorClient, 'marketplace_create_bounty', { ...bountyArgs, reward_sats: 5_000, idempotency_key: 'bounty-1' })).data.bounty_id).toBe(bountyId);
  expect((await wallet()).heldMsats).toBe(5_000_000);

  const tickets = (n: number, who: string) => Array.from({ length: n }, (_, i) => ({ ticket: `${who} ticket ${i}: the printer is jammed`, category: 'hardware' }));
  const good = await call(aliceClient, 'marketplace_submit_to_bounty', {
    bounty_id: bountyId,
    data_samples: tickets(60, 'alice'),
    contributor_id: alice.id,
    metadata: { format: 'json', sample_count: 60, source: 'helpdesk export' },
  });
  expect(good.data).toMatchObject({ status: 'Pending', verification: { passed: true } });

  const planted = tickets(30, 'mallory');
  planted[7] = { ticket: 'config: OPENAI_API_KEY=sk-proj-4fG7hJ2kL9mN3pQ8rS5tU1vW6xY0zA2bC4dE', category: 'software' };
  const flagged = await call(malloryClient, 'marketplace_submit_to_bounty', { bounty_id: bountyId, data_samples: planted, metadata: { format: 'json', sample_count: 30 } });
  expect(flagged.data.status).toBe('Rejected');
  const secrets = flagged.data.verification.checks.find((c: { name: string }) => c.name === 'secrets_pii');
  expect(secrets).toMatchObject({ passed: false });
  expect(secrets.detail).toMatch(/sample #7 at \$\.ticket: secret/);
  expect(JSON.stringify(flagged.data)).not.toContain('sk-proj');

  const accepted = await call(creatorClient, 'marketplace_review_submission', { submission_id: good.data.submission_id, decision: 'accept', accepted_samples: 60 });
  expect(accepted.data).toMatchObject({ status: 'Accepted', paid_sats: 3_000 });
  expect(await wallet()).toMatchObject({ balanceMsats: 9_000_000, heldMsats: 2_000_000 });

  clock.advance(5 * DAY + HOUR);
  await settleDueBounties(ctx.db, ctx.clock);
  const ended = await call(creatorClient, 'marketplace_get_bounty', { bounty_id: bountyId });
  expect(ended.data).toMatchObject({ status: 'Expired', paid_sats: 3_000, escrow_sats: 0 });
  // The 2,000 sats not earned are back: nothing held, all available.
  expect(await wallet()).toMatchObject({ balanceMsats: 9_000_000, heldMsats: 0, availableMsats: 9_000_000 });
  expect((await getBalance(ctx.db, agentAccountId(alice.id))).balanceMsats).toBe(2_850_000);

  // Alice sells the data set she built; the creator buys it and finds the content is not what was listed.
  const content = JSON.stringify(tickets(60, 'alice'));
  const listing = await call(aliceClient, 'marketplace_create_data_listing', {
    title: 'Support tickets, labelled',
    description: '60 helpdesk tickets with categories',
    listing_type: 'FullDataset',
    price_sats: 1_500,
    sha256: createHash('sha256').update(content).digest('hex'),
    location: 'https://alice.example/tickets.json',
    format: 'json',
  });
  const bought = await call(creatorClient, 'marketplace_purchase_data', { listing_id: listing.data.listing_id, idempotency_key: 'buy-tickets' });
  expect(bought.data).toMatchObject({ status: 'Pending', held_sats: 1_500 });
  const received = createHash('sha256').update('[]').digest('hex');
  const mismatch = await call(creatorClient, 'marketplace_confirm_purchase', { purchase_id: bought.data.purchase_id, received_sha256: received });
  expect(mismatch.data.status).toBe('Disputed');

  const operator = await connect(ctx, await operatorToken(ctx));
  const resolved = await call(operator, 'marketplace_resolve_dispute', {
    dispute_id: mismatch.data.dispute_id,
    resolution: 'RefundFull',
    reason: 'Delivered content does not match the listed hash.',
  });
  expect(resolved.data).toMatchObject({ status: 'Resolved', refund_sats: 1_500, debt_sats: 0 });
  expect(await wallet()).toMatchObject({ balanceMsats: 9_000_000, heldMsats: 0 });
  expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
  // Below the 0.6 of an agent with no record: a lost dispute counts as a failed deal.
  expect((await call(aliceClient, 'marketplace_get_agent', { agent_id: alice.id })).data.reputation).toBeLessThan(0.6);
  const report = await verifyLedger(ctx.db);
  expect(report.ok).toBe(true);
});
