// Random sequences of what agents do with bounties and data purchases — submit, review,
// cancel, buy, confirm (matching or not), dispute, resolve, let time pass — checked after
// every step: the ledger verifies, every hold ended at most once (never both refunded
// and paid), escrow keeps nothing once a deal has settled, and no money appears or vanishes.
import fc from 'fast-check';
import { afterEach, expect, it } from 'vitest';
import type { AppContext } from '../../src/context.js';
import { createBounty, reviewSubmission, cancelBounty, settleDueBounties, submitToBounty } from '../../src/domain/bounties/bounties.js';
import { createListing } from '../../src/domain/data/listings.js';
import { confirmPurchase, purchaseData, settleDuePurchases } from '../../src/domain/data/purchases.js';
import { fileDispute, resolveDispute } from '../../src/domain/disputes/disputes.js';
import { isMarketError } from '../../src/core/errors.js';
import { agentAccountId, ESCROW } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, closeContexts, DAY, fundedAgent, HOUR, makeContext, ManualClock } from '../support/fixtures.js';

afterEach(closeContexts);

const SHA = 'c'.repeat(64);
type Op =
  | { op: 'submit'; who: number; n: number; offset: number }
  | { op: 'review'; nth: number; accept: boolean; fraction: number }
  | { op: 'cancel' }
  | { op: 'buy'; who: number }
  | { op: 'confirm'; nth: number; match: boolean }
  | { op: 'dispute'; nth: number; kind: 'purchase' | 'bounty' }
  | { op: 'resolve'; nth: number; resolution: 'RefundFull' | 'RefundPartial' | 'NoRefund' }
  | { op: 'advance'; hours: number };

const ops: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('submit' as const), who: fc.integer({ min: 0, max: 2 }), n: fc.integer({ min: 1, max: 6 }), offset: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ op: fc.constant('review' as const), nth: fc.nat(), accept: fc.boolean(), fraction: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.constant({ op: 'cancel' as const }),
  fc.record({ op: fc.constant('buy' as const), who: fc.integer({ min: 0, max: 2 }) }),
  fc.record({ op: fc.constant('confirm' as const), nth: fc.nat(), match: fc.boolean() }),
  fc.record({ op: fc.constant('dispute' as const), nth: fc.nat(), kind: fc.constantFrom('purchase' as const, 'bounty' as const) }),
  fc.record({ op: fc.constant('resolve' as const), nth: fc.nat(), resolution: fc.constantFrom('RefundFull' as const, 'RefundPartial' as const, 'NoRefund' as const) }),
  fc.record({ op: fc.constant('advance' as const), hours: fc.integer({ min: 1, max: 100 }) }),
);

function endsPerHold(ctx: AppContext): number {
  const row = ctx.db.sqlite!.prepare('SELECT max(n) AS most FROM (SELECT count(*) AS n FROM transfers WHERE pending_id IS NOT NULL GROUP BY pending_id)').get() as {
    most: number | null;
  };
  return row.most ?? 0;
}

/** What each agent's held balance must be, from the deals' own records: an active bounty's unpaid reward, unsettled purchases' prices. */
function expectedHeld(ctx: AppContext, agentId: string): number {
  const bounty = ctx.db.sqlite!.prepare("SELECT coalesce(sum(reward_msats - paid_msats), 0) AS m FROM bounties WHERE creator_id = ? AND status = 'Active'").get(agentId) as {
    m: number;
  };
  const bought = ctx.db.sqlite!.prepare("SELECT coalesce(sum(price_msats), 0) AS m FROM data_purchases WHERE buyer_id = ? AND status IN ('Pending', 'Disputed')").get(agentId) as {
    m: number;
  };
  return bounty.m + bought.m;
}

function total(ctx: AppContext): number {
  const row = ctx.db.sqlite!.prepare("SELECT sum(credits_posted_msats - debits_posted_msats) AS s FROM accounts WHERE kind <> 'external'").get() as { s: number };
  return row.s;
}

it('bounties and purchases never lose, create or double-spend money', async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(ops, { minLength: 5, maxLength: 30 }), async (script) => {
      const clock = new ManualClock();
      const ctx = await makeContext({ clock });
      const { sponsor, agent: creator } = await fundedAgent(ctx, 20_000);
      const others = [await agent(ctx, sponsor.id, 'A'), await agent(ctx, sponsor.id, 'B'), await agent(ctx, sponsor.id, 'C')];
      const bounty = await createBounty(ctx.db, ctx.clock, creator.id, {
        title: 't',
        description: 'd',
        rewardSats: 1_001,
        minSamples: 7,
        requiredFormat: 'json',
        deadline: new Date(clock.now().getTime() + 5 * DAY).toISOString(),
      });
      const listing = await createListing(ctx.db, ctx.clock, others[0]!.id, { title: 'x', description: 'y', listingType: 'Subscription', priceSats: 333, sha256: SHA });
      const submissions: { id: string; by: string }[] = [];
      const purchases: { id: string; by: string }[] = [];
      const disputes: string[] = [];
      const startTotal = total(ctx);
      const pick = <T>(list: T[], nth: number) => (list.length ? list[nth % list.length] : undefined);

      for (const step of script) {
        try {
          switch (step.op) {
            case 'submit': {
              const by = others[step.who]!.id;
              const samples = Array.from({ length: step.n }, (_, i) => ({ v: step.offset + i }));
              const s = await submitToBounty(ctx.db, ctx.clock, by, { bountyId: bounty.bounty_id, samples, metadata: { format: 'json', sample_count: step.n } });
              submissions.push({ id: s.submission_id, by });
              break;
            }
            case 'review': {
              const s = pick(submissions, step.nth);
              if (!s) break;
              const accepted = Math.max(1, Math.round(step.fraction * 6));
              await reviewSubmission(
                ctx.db,
                ctx.clock,
                creator.id,
                step.accept ? { submissionId: s.id, decision: 'accept', acceptedSamples: accepted } : { submissionId: s.id, decision: 'reject', reason: 'no' },
              );
              break;
            }
            case 'cancel':
              await cancelBounty(ctx.db, ctx.clock, creator.id, bounty.bounty_id);
              break;
            case 'buy': {
              const by = step.who === 0 ? creator.id : others[step.who]!.id;
              purchases.push({ id: (await purchaseData(ctx.db, ctx.clock, by, listing.listing_id)).purchase_id, by });
              break;
            }
            case 'confirm': {
              const p = pick(purchases, step.nth);
              if (!p) break;
              await confirmPurchase(ctx.db, ctx.clock, p.by, { purchaseId: p.id, receivedSha256: step.match ? SHA : 'd'.repeat(64) }, async (row, _received, tx) => {
                const d = await fileDispute(tx, ctx.clock, {
                  claimantId: p.by,
                  disputeType: 'QualityIssue',
                  subject: { kind: 'purchase', id: row.id },
                  amountSats: 333,
                  evidence: [],
                });
                disputes.push(d.dispute_id);
                return d;
              });
              break;
            }
            case 'dispute': {
              const deal = step.kind === 'purchase' ? pick(purchases, step.nth) : pick(submissions, step.nth);
              if (!deal) break;
              const claimant = step.kind === 'purchase' ? deal.by : step.nth % 2 ? creator.id : deal.by;
              disputes.push(
                (await fileDispute(ctx.db, ctx.clock, { claimantId: claimant, disputeType: 'Other', subject: { kind: step.kind, id: deal.id }, amountSats: 1, evidence: [] }))
                  .dispute_id,
              );
              break;
            }
            case 'resolve': {
              const id = pick(disputes, step.nth);
              if (!id) break;
              await resolveDispute(ctx.db, ctx.clock, { disputeId: id, resolution: step.resolution, refundSats: step.resolution === 'RefundPartial' ? 1 : undefined });
              break;
            }
            case 'advance':
              clock.advance(step.hours * HOUR);
              await settleDuePurchases(ctx.db, ctx.clock);
              await settleDueBounties(ctx.db, ctx.clock);
              break;
          }
        } catch (error) {
          // Refusals are part of the game; anything else is a bug.
          if (!isMarketError(error)) throw error;
        }
        expect((await verifyLedger(ctx.db)).ok).toBe(true);
        expect(endsPerHold(ctx)).toBeLessThanOrEqual(1);
        expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
        expect(total(ctx)).toBe(startTotal);
        for (const a of [creator, ...others]) expect((await getBalance(ctx.db, agentAccountId(a.id))).heldMsats).toBe(expectedHeld(ctx, a.id));
      }
      await closeContexts();
    }),
    { numRuns: 60 },
  );
});
