// Withdrawals: money leaving an agent's wallet for a Lightning invoice. The amount plus a
// fee reserve is held first (reserve); the rail then pays (send). Success posts the amount
// and the real fee and releases the rest of the reserve; a definite failure voids the
// hold; an unknown outcome keeps it held until the wallet's record settles it (the
// watcher or `ledger reconcile`). A payment hash is never paid twice. A withdrawal to a
// lightning address is held before its invoice is known (resolving): the address's service
// is asked only after the gate allowed the call, for exactly the amount the gate judged.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/payments-store.js';
import type { WithdrawalRow } from '../../db/payments-store.js';
import type { FetchPolicy } from '../../net/public-fetch.js';
import type { Clock } from '../clock.js';
import { isMarketError, MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { agentAccountId, externalAccountFor } from '../ledger/accounts.js';
import { createHold, postHold, voidHold } from '../ledger/holds.js';
import { absorbAsOperatorCost } from '../ledger/operator-costs.js';
import { formatSats, msatsToSats, satsToMsats } from '../money.js';
import { decodeCursor, encodeCursor, toPage } from '../pagination.js';
import { checkInvoice, type Network } from './invoice-check.js';
import { invoiceForAddress } from './lightning-address.js';
import { readPayoutRecords, type SettleOptions } from './payout-record.js';
import { RailError, type PaymentRail } from './rail.js';

/** How long a lightning-address withdrawal may wait for its invoice before the sweep counts it as interrupted (well above two fetches' time limits). */
export const RESOLVING_GRACE_MS = 5 * 60_000;

/** The smallest fee reserve, and the most any payment may reserve whatever its size: a payment's base fees fit in it. */
export const FEE_RESERVE_FLOOR_MSATS = 10_000;
/** The default reserve is 1% of the amount; routing fees are usually far below. */
const DEFAULT_FEE_RESERVE_PERCENT = 1;
/**
 * The most an agent may reserve: 5% of the amount (or the floor). The reserve is held and
 * judged by the policy with the amount, and what the wallet charges up to it is the
 * agent's: an unbounded reserve turned a 10-sat payment into a 20,010-sat charge.
 */
export const MAX_FEE_RESERVE_PERCENT = 5;

const percentOf = (amountMsats: number, percent: number) => Math.ceil((amountMsats * percent) / 100 / 1000) * 1000;

/** The default fee reserve: 1% of the amount, at least 10 sats. */
export function defaultMaxFeeMsats(amountMsats: number): number {
  return Math.max(FEE_RESERVE_FLOOR_MSATS, percentOf(amountMsats, DEFAULT_FEE_RESERVE_PERCENT));
}

/** The largest fee reserve a payment of this amount may ask for: 5% of it, at least 10 sats. */
export function maxAllowedFeeMsats(amountMsats: number): number {
  return Math.max(FEE_RESERVE_FLOOR_MSATS, percentOf(amountMsats, MAX_FEE_RESERVE_PERCENT));
}

/** The reserve a withdrawal holds: the one asked for (within the cap) or the default. */
export function feeReserveMsats(amountMsats: number, maxFeeSats: number | undefined): number {
  if (maxFeeSats === undefined) return defaultMaxFeeMsats(amountMsats);
  const cap = maxAllowedFeeMsats(amountMsats);
  if (satsToMsats(maxFeeSats) > cap) {
    throw new MarketError(
      'INVALID_INPUT',
      `max_fee_sats ${formatSats(maxFeeSats)} is more than a payment of ${formatSats(msatsToSats(amountMsats))} may reserve (${MAX_FEE_RESERVE_PERCENT}% of it, at least ${formatSats(msatsToSats(FEE_RESERVE_FLOOR_MSATS))}: ${formatSats(msatsToSats(cap))}). Lower max_fee_sats or leave it out.`,
      { max_fee_sats: msatsToSats(cap) },
    );
  }
  return satsToMsats(maxFeeSats);
}

export interface ReserveInput {
  agentId: string;
  bolt11: string;
  amountSats?: number;
  maxFeeSats?: number;
  lightningAddress?: string | null;
}

/** Checks the invoice and holds amount + fee reserve, in the caller's transaction (the gate's). */
export function reserveWithdrawal(db: Db, clock: Clock, rail: { name: string; network: Network }, input: ReserveInput) {
  const invoice = checkInvoice(input.bolt11, { network: rail.network, now: clock.now(), amountMsats: input.amountSats === undefined ? undefined : satsToMsats(input.amountSats) });
  const maxFeeMsats = feeReserveMsats(invoice.amountMsats, input.maxFeeSats);
  return db.write(async (tx) => {
    const earlier = await store.liveWithdrawalFor(tx, invoice.paymentHash);
    if (earlier) {
      throw new MarketError('CONFLICT', `This invoice is already being paid or was paid (withdrawal ${earlier.id}); an invoice is never paid twice.`, {
        withdrawal_id: earlier.id,
      });
    }
    return insertHeldWithdrawal(tx, clock, rail.name, {
      agentId: input.agentId,
      bolt11: input.bolt11.trim(),
      paymentHash: invoice.paymentHash,
      lightningAddress: input.lightningAddress ?? null,
      amountMsats: invoice.amountMsats,
      maxFeeMsats,
      status: 'queued',
    });
  });
}

/**
 * Holds amount + fee reserve for a payment to a lightning address whose invoice is not
 * asked for yet (resolveAddressWithdrawal does, after the gate). No invoice, no hash yet:
 * both stay empty until then.
 */
export function reserveAddressWithdrawal(db: Db, clock: Clock, railName: string, input: { agentId: string; lightningAddress: string; amountSats: number; maxFeeSats?: number }) {
  const amountMsats = satsToMsats(input.amountSats);
  const maxFeeMsats = feeReserveMsats(amountMsats, input.maxFeeSats);
  return db.write(async (tx) =>
    insertHeldWithdrawal(tx, clock, railName, {
      agentId: input.agentId,
      bolt11: '',
      paymentHash: '',
      lightningAddress: input.lightningAddress,
      amountMsats,
      maxFeeMsats,
      status: 'resolving',
    }),
  );
}

async function insertHeldWithdrawal(
  db: Db,
  clock: Clock,
  railName: string,
  w: Pick<WithdrawalRow, 'agentId' | 'bolt11' | 'paymentHash' | 'lightningAddress' | 'amountMsats' | 'maxFeeMsats' | 'status'>,
) {
  const id = newId('wd');
  const hold = await createHold(db, clock, {
    debitAccountId: agentAccountId(w.agentId),
    creditAccountId: externalAccountFor(railName),
    amountMsats: w.amountMsats + w.maxFeeMsats,
    entryType: 'Withdrawal',
    description: `Withdrawal ${id} (amount and fee reserve)`,
    reference: id,
  });
  const now = clock.now().toISOString();
  await store.insertWithdrawal(db, { ...w, id, holdId: hold.id, rail: railName, feeMsats: null, preimage: null, error: null, createdAt: now, updatedAt: now });
  return withdrawalView((await store.getWithdrawal(db, id))!);
}

/**
 * Asks a resolving withdrawal's lightning address for its invoice and queues it for
 * paying. The invoice must be for exactly the amount held and judged, on the wallet's
 * network, and not one already being paid; otherwise (or when the service cannot be
 * reached or is not public) the withdrawal fails and its hold is released. Safe to call
 * more than once: only the first invoice to arrive is kept.
 */
export async function resolveAddressWithdrawal(db: Db, clock: Clock, o: { network: Network; fetch: FetchPolicy }, id: string): Promise<void> {
  const w = await requireWithdrawal(db, id);
  if (w.status !== 'resolving') return;
  let bolt11: string;
  let paymentHash: string;
  try {
    bolt11 = (await invoiceForAddress(w.lightningAddress!, w.amountMsats, o.fetch)).trim();
    paymentHash = checkInvoice(bolt11, { network: o.network, now: clock.now(), amountMsats: w.amountMsats }).paymentHash;
  } catch (error) {
    if (!isMarketError(error)) throw error;
    return fail(db, clock, w, error.message);
  }
  await db.write(async (tx) => {
    const earlier = await store.liveWithdrawalFor(tx, paymentHash);
    if (earlier)
      return fail(tx, clock, w, `${w.lightningAddress} gave an invoice that is already being paid or was paid (withdrawal ${earlier.id}); an invoice is never paid twice.`);
    await store.updateWithdrawal(tx, id, ['resolving'], { bolt11, paymentHash, status: 'queued', updatedAt: clock.now().toISOString() });
  });
}

export async function requireWithdrawal(db: Db, id: string): Promise<WithdrawalRow> {
  const w = await store.getWithdrawal(db, id);
  if (!w) throw new MarketError('NOT_FOUND', `No withdrawal ${id}.`);
  return w;
}

/** Pays a queued withdrawal. Only the caller that moves it to sending pays, so it is paid at most once. */
export async function sendWithdrawal(db: Db, clock: Clock, rail: PaymentRail, id: string) {
  const claimed = await db.write(async (tx) => store.updateWithdrawal(tx, id, ['queued'], { status: 'sending', updatedAt: clock.now().toISOString() }));
  const w = await requireWithdrawal(db, id);
  if (!claimed) return withdrawalView(w);
  try {
    const paid = await rail.payInvoice({ bolt11: w.bolt11, paymentHash: w.paymentHash, amountMsats: w.amountMsats, maxFeeMsats: w.maxFeeMsats });
    await complete(db, clock, w, paid.feeMsats, paid.preimage);
  } catch (error) {
    if (error instanceof RailError && error.outcome === 'failed') await fail(db, clock, w, error.message);
    else if (!(error instanceof RailError)) throw error;
    // Unknown: stays sending, and held, until the wallet's record says what happened.
    else await db.write(async (tx) => store.updateWithdrawal(tx, id, ['sending'], { error: error.message, updatedAt: clock.now().toISOString() }));
  }
  return withdrawalView(await requireWithdrawal(db, id));
}

async function complete(db: Db, clock: Clock, w: WithdrawalRow, feeMsats: number, preimage: string | null): Promise<void> {
  await db.write(async (tx) => {
    if (!(await store.updateWithdrawal(tx, w.id, ['sending'], { status: 'completed', feeMsats, preimage, error: null, updatedAt: clock.now().toISOString() }))) return;
    // The agent pays at most its reserve; a fee beyond it is the operator's cost, recorded so the ledger moves as the wallet did.
    const overrun = Math.max(0, feeMsats - w.maxFeeMsats);
    await postHold(tx, clock, w.holdId, w.amountMsats + feeMsats - overrun, `Withdrawal ${w.id}: ${w.amountMsats} msats paid, fee ${feeMsats} msats`);
    if (overrun > 0) {
      await absorbAsOperatorCost(tx, clock, {
        toAccountId: externalAccountFor(w.rail),
        amountMsats: overrun,
        description: `Withdrawal ${w.id}: the wallet's fee exceeded the ${w.maxFeeMsats}-msat reserve by ${overrun} msats (the operator's cost)`,
        reference: w.id,
      });
    }
  });
}

async function fail(db: Db, clock: Clock, w: WithdrawalRow, reason: string): Promise<void> {
  await db.write(async (tx) => {
    if (!(await store.updateWithdrawal(tx, w.id, ['resolving', 'sending', 'queued'], { status: 'failed', error: reason, updatedAt: clock.now().toISOString() }))) return;
    await voidHold(tx, clock, w.holdId, `Withdrawal ${w.id} failed: nothing was paid`);
  });
}

/**
 * Settles withdrawals whose outcome was unknown from the wallet's own record, and sends
 * queued ones (approved later, or interrupted before sending). Returns how many ended.
 */
export async function settleWithdrawals(db: Db, clock: Clock, rail: PaymentRail, o: SettleOptions = {}): Promise<number> {
  const open = (await store.withdrawalsIn(db, ['resolving', 'queued', 'sending'])).filter((w) => w.rail === rail.name);
  let ended = 0;
  const abandoned = new Date(clock.now().getTime() - RESOLVING_GRACE_MS).toISOString();
  for (const w of open) {
    if (w.status === 'sending') continue;
    if (w.status === 'resolving') {
      // Its call asks the address itself, right after the gate; one still resolving long after
      // was interrupted. No invoice was known, so nothing can have been paid: release it.
      if (w.updatedAt < abandoned) {
        await fail(db, clock, w, `The invoice of ${w.lightningAddress} was never received (interrupted); nothing was paid. Ask again.`);
        ended++;
      }
      continue;
    }
    const after = await sendWithdrawal(db, clock, rail, w.id);
    if (after.status !== 'pending') ended++;
  }
  const sending = open.filter((w) => w.status === 'sending');
  const retried = await store.retriedWithdrawalHashes(
    db,
    sending.map((w) => w.paymentHash),
  );
  for (const { payout: w, outcome } of await readPayoutRecords(rail, sending, clock.now(), o, retried)) {
    if (outcome?.outcome === 'paid') await complete(db, clock, w, outcome.feeMsats, outcome.preimage);
    else if (outcome?.outcome === 'failed') await fail(db, clock, w, outcome.reason);
    else continue;
    ended++;
  }
  return ended;
}

export async function listWithdrawalsPage(db: Db, agentId: string, q: { cursor?: string; limit: number }) {
  const beforeId = q.cursor ? (decodeCursor(q.cursor, { id: 'string' }).id as string) : undefined;
  return toPage(await store.listWithdrawals(db, agentId, beforeId, q.limit + 1), q.limit, withdrawalView, (w) => encodeCursor({ id: w.id }));
}

/** What a withdrawal shows: completed, pending (queued, or sent with the outcome not known yet), failed. */
export const WITHDRAWAL_STATUSES = ['completed', 'pending', 'failed'] as const;
export type WithdrawalStatus = (typeof WITHDRAWAL_STATUSES)[number];

export function withdrawalView(w: WithdrawalRow) {
  const status: WithdrawalStatus = w.status === 'completed' ? 'completed' : w.status === 'failed' ? 'failed' : 'pending';
  return {
    withdrawal_id: w.id,
    status,
    amount_sats: msatsToSats(w.amountMsats),
    fee_sats: w.feeMsats === null ? 0 : Math.ceil(w.feeMsats / 1000),
    max_fee_sats: msatsToSats(w.maxFeeMsats),
    payment_hash: w.paymentHash,
    preimage: w.preimage,
    lightning_address: w.lightningAddress,
    error: w.error,
    created_at: w.createdAt,
  };
}
