// Work a running server does between calls: end expired holds and approvals (so their
// funds and states are right even when nobody looks), collect dispute debts, deliver
// sponsor webhooks, and ask the wallet about unpaid invoices and unsettled payouts (withdrawals
// and payments to compute providers), and credit the payments it announces. Servers that
// share a database share this work: each kind runs in the one server holding its lease
// (src/domain/leases.ts); a wallet's announcements are credited by every server that hears them.
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
import { holdLease, leaseTtlMs, newLeaseHolder, releaseLeases } from './domain/leases.js';
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

/** A kind of background work: the lease it runs under, how often a round starts, and one round of it. */
export interface Chore {
  lease: string;
  /** For the log: "expiry sweep failed". */
  label: string;
  intervalMs: number;
  run(): Promise<unknown>;
}

/** What this server does between calls, each kind under its own lease, so each may run in a different server. */
export function backgroundChores(ctx: AppContext): Chore[] {
  let round = 0;
  const chores: Chore[] = [
    { lease: 'expiry-sweep', label: 'expiry sweep', intervalMs: SWEEP_MS, run: () => sweepDue(ctx) },
    { lease: 'webhook-delivery', label: 'webhook delivery', intervalMs: WEBHOOK_MS, run: () => deliverDueWebhooks(ctx) },
    {
      lease: 'lightning-watch',
      label: 'lightning watch',
      intervalMs: LIGHTNING_WATCH_MS,
      async run() {
        const full = ++round % ROUNDS_PER_FULL_SETTLE === 0;
        const o = full ? {} : { sentSince: new Date(ctx.clock.now().getTime() - UNKNOWN_GRACE_MS).toISOString() };
        await watchDeposits(ctx.db, ctx.clock, ctx.rail);
        await settleWithdrawals(ctx.db, ctx.clock, ctx.rail, o);
        await settleComputePayments(ctx.db, ctx.clock, ctx.rail, o);
      },
    },
  ];
  // A server without relays has nothing to discover: it leaves the lease to one that has them.
  if (ctx.config.relays.length > 0) chores.push({ lease: 'provider-discovery', label: 'provider discovery', intervalMs: DISCOVERY_MS, run: () => discoverProviders(ctx) });
  return chores;
}

/** What one tick of a chore did in this server. */
export type Tick = 'ran' | 'busy' | 'elsewhere';

/**
 * One tick of a chore in the server named `holder`: takes or renews its lease (for
 * LEASE_ROUNDS of its interval), then runs a round unless another server holds the lease
 * or this server's previous round is still running. The lease is renewed while a long
 * round runs, so the work does not move for being slow.
 */
export function leasedTicker(ctx: AppContext, holder: string, chore: Chore): () => Promise<Tick> {
  let running = false;
  return async () => {
    if (!(await holdLease(ctx.db, ctx.clock, chore.lease, holder, leaseTtlMs(chore.intervalMs)))) return 'elsewhere';
    if (running) return 'busy';
    running = true;
    try {
      await chore.run();
      return 'ran';
    } finally {
      running = false;
    }
  };
}

/**
 * Starts the background work; returns how to stop it, which frees this server's leases so
 * another server takes the work over at its next tick. `holder` names this server in the
 * leases table (a new random id unless given).
 */
export function startBackgroundWork(ctx: AppContext, holder = newLeaseHolder()): () => Promise<void> {
  const guarded = (chore: Chore) => {
    const tick = leasedTicker(ctx, holder, chore);
    return async () => {
      try {
        await tick();
      } catch (error) {
        ctx.logger.error(`${chore.label} failed`, { error: String(error) });
      }
    };
  };
  const timers: NodeJS.Timeout[] = [];
  for (const chore of backgroundChores(ctx)) {
    const tick = guarded(chore);
    timers.push(setInterval(tick, chore.intervalMs));
    // Discovery's interval is minutes: a server with relays looks at once rather than after the first one.
    if (chore.lease === 'provider-discovery') void tick();
  }
  for (const t of timers) t.unref();
  const stopNotices = creditAnnouncedDeposits(ctx);
  return async () => {
    timers.forEach(clearInterval);
    stopNotices();
    try {
      await releaseLeases(ctx.db, holder);
    } catch (error) {
      // Not fatal: the leases expire by themselves within a few rounds.
      ctx.logger.error('releasing background leases failed', { error: String(error) });
    }
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
