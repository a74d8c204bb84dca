// Work a running server does between calls: end expired holds and approvals (so their
// funds and states are right even when nobody looks), collect dispute debts, deliver
// sponsor webhooks, and ask the wallet about unpaid invoices and unsettled payouts (withdrawals
// and payments to compute providers), and credit the payments it announces.
import type { AppContext } from './context.js';
import { expireDueApprovals } from './domain/governance/approvals.js';
import { expireDueHolds } from './domain/ledger/holds.js';
import { settleDueBounties } from './domain/bounties/bounties.js';
import { failStaleJobs } from './domain/compute/jobs.js';
import { settleComputePayments } from './domain/compute/payments.js';
import { collectDebts } from './domain/disputes/debts.js';
import { settleDuePurchases } from './domain/data/purchases.js';
import { settleDueContracts } from './domain/hiring/contracts.js';
import { creditPaidInvoice, watchDeposits } from './domain/payments/deposits.js';
import { UNKNOWN_GRACE_MS } from './domain/payments/payout-record.js';
import { settleWithdrawals } from './domain/payments/withdrawals.js';
import { discoverProviders, DISCOVERY_MS } from './nostr/discovery.js';
import { deliverDueWebhooks } from './webhooks/delivery.js';

const SWEEP_MS = 30_000;
const WEBHOOK_MS = 1_000;
/** How often the wallet is asked about unpaid invoices and unsettled payouts. */
export const LIGHTNING_WATCH_MS = 5_000;
/**
 * Payouts sent within the grace are asked about every round; older ones, which the wallet
 * most likely never got, every this many rounds (once a minute): each such round reads the
 * wallet's history back to the oldest of them.
 */
const ROUNDS_PER_FULL_SETTLE = 12;
/** Ends what is due: deals first, since each ends its own hold with its own description. */
export async function sweepDue(ctx: AppContext): Promise<void> {
  await settleDueContracts(ctx.db, ctx.clock);
  await settleDuePurchases(ctx.db, ctx.clock);
  await settleDueBounties(ctx.db, ctx.clock);
  await expireDueHolds(ctx.db, ctx.clock);
  await expireDueApprovals(ctx.db, ctx.clock);
  await failStaleJobs(ctx.db, ctx.clock);
  await collectDebts(ctx.db, ctx.clock);
}

export function startBackgroundWork(ctx: AppContext): () => void {
  const guard = (name: string, work: () => unknown) => async () => {
    try {
      await work();
    } catch (error) {
      ctx.logger.error(`${name} failed`, { error: String(error) });
    }
  };
  let delivering = false;
  let watching = false;
  let round = 0;
  const timers = [
    setInterval(
      guard('expiry sweep', () => sweepDue(ctx)),
      SWEEP_MS,
    ),
    setInterval(
      guard('webhook delivery', async () => {
        if (delivering) return;
        delivering = true;
        try {
          await deliverDueWebhooks(ctx);
        } finally {
          delivering = false;
        }
      }),
      WEBHOOK_MS,
    ),
    setInterval(
      guard('lightning watch', async () => {
        if (watching) return;
        watching = true;
        try {
          const full = ++round % ROUNDS_PER_FULL_SETTLE === 0;
          const o = full ? {} : { sentSince: new Date(ctx.clock.now().getTime() - UNKNOWN_GRACE_MS).toISOString() };
          await watchDeposits(ctx.db, ctx.clock, ctx.rail);
          await settleWithdrawals(ctx.db, ctx.clock, ctx.rail, o);
          await settleComputePayments(ctx.db, ctx.clock, ctx.rail, o);
        } finally {
          watching = false;
        }
      }),
      LIGHTNING_WATCH_MS,
    ),
    setInterval(
      guard('provider discovery', () => discoverProviders(ctx)),
      DISCOVERY_MS,
    ),
  ];
  if (ctx.config.relays.length > 0) void guard('provider discovery', () => discoverProviders(ctx))();
  for (const t of timers) t.unref();
  const stopNotices = creditAnnouncedDeposits(ctx);
  return () => {
    timers.forEach(clearInterval);
    stopNotices();
  };
}

/**
 * A payment the wallet announces (NIP-47 payment_received) is credited at once, not at the
 * watcher's next round; the watcher still finds what an announcement missed. Crediting is
 * once per payment hash, whichever notices first. Returns how to stop.
 */
export function creditAnnouncedDeposits(ctx: AppContext): () => void {
  if (!ctx.rail.watchReceived) return () => {};
  return ctx.rail.watchReceived(async (t) => {
    if (t.direction !== 'incoming' || t.state !== 'settled') return;
    try {
      await creditPaidInvoice(ctx.db, ctx.clock, t.paymentHash, t.amountMsats);
    } catch (error) {
      ctx.logger.error('crediting an announced deposit failed', { error: String(error) });
    }
  });
}
