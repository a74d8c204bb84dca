// Withdrawals: money leaving an agent's wallet for a Lightning invoice. The amount plus a
// fee reserve is held first (reserve); the rail then pays (send). Success posts the amount
// and the real fee and releases the rest of the reserve; a definite failure voids the
// hold; an unknown outcome keeps it held until the wallet's record settles it (the
// watcher or `ledger reconcile`). A payment hash is never paid twice.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/payments-store.js';
import type { WithdrawalRow } from '../../db/payments-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../errors.js';
import { newId } from '../ids.js';
import { agentAccountId, externalAccountFor } from '../ledger/accounts.js';
import { createHold, postHold, voidHold } from '../ledger/holds.js';
import { absorbAsOperatorCost } from '../ledger/operator-costs.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { decodeCursor, encodeCursor, toPage } from '../pagination.js';
import { checkInvoice, type Network } from './invoice-check.js';
import { readPayoutRecords, type SettleOptions } from './payout-record.js';
import { RailError, type PaymentRail } from './rail.js';

/** The default fee reserve: 1% of the amount, at least 10 sats (routing fees are usually far below). */
export function defaultMaxFeeMsats(amountMsats: number): number {
  return Math.max(10_000, Math.ceil(amountMsats / 100 / 1000) * 1000);
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
  const maxFeeMsats = input.maxFeeSats === undefined ? defaultMaxFeeMsats(invoice.amountMsats) : satsToMsats(input.maxFeeSats);
  return db.write(() => {
    const earlier = store.liveWithdrawalFor(db, invoice.paymentHash);
    if (earlier) {
      throw new MarketError('CONFLICT', `This invoice is already being paid or was paid (withdrawal ${earlier.id}); an invoice is never paid twice.`, { withdrawal_id: earlier.id });
    }
    const id = newId('wd');
    const hold = createHold(db, clock, {
      debitAccountId: agentAccountId(input.agentId),
      creditAccountId: externalAccountFor(rail.name),
      amountMsats: invoice.amountMsats + maxFeeMsats,
      entryType: 'Withdrawal',
      description: `Withdrawal ${id} (amount and fee reserve)`,
      reference: id,
    });
    const now = clock.now().toISOString();
    store.insertWithdrawal(db, {
      id,
      agentId: input.agentId,
      bolt11: input.bolt11.trim(),
      paymentHash: invoice.paymentHash,
      lightningAddress: input.lightningAddress ?? null,
      amountMsats: invoice.amountMsats,
      maxFeeMsats,
      holdId: hold.id,
      rail: rail.name,
      status: 'queued',
      feeMsats: null,
      preimage: null,
      error: null,
      createdAt: now,
      updatedAt: now,
    });
    return withdrawalView(store.getWithdrawal(db, id)!);
  });
}

export function requireWithdrawal(db: Db, id: string): WithdrawalRow {
  const w = store.getWithdrawal(db, id);
  if (!w) throw new MarketError('NOT_FOUND', `No withdrawal ${id}.`);
  return w;
}

/** Pays a queued withdrawal. Only the caller that moves it to sending pays, so it is paid at most once. */
export async function sendWithdrawal(db: Db, clock: Clock, rail: PaymentRail, id: string) {
  const claimed = db.write(() => store.updateWithdrawal(db, id, ['queued'], { status: 'sending', updatedAt: clock.now().toISOString() }));
  const w = requireWithdrawal(db, id);
  if (!claimed) return withdrawalView(w);
  try {
    const paid = await rail.payInvoice({ bolt11: w.bolt11, paymentHash: w.paymentHash, amountMsats: w.amountMsats, maxFeeMsats: w.maxFeeMsats });
    complete(db, clock, w, paid.feeMsats, paid.preimage);
  } catch (error) {
    if (error instanceof RailError && error.outcome === 'failed') fail(db, clock, w, error.message);
    else if (!(error instanceof RailError)) throw error;
    // Unknown: stays sending, and held, until the wallet's record says what happened.
    else db.write(() => store.updateWithdrawal(db, id, ['sending'], { error: error.message, updatedAt: clock.now().toISOString() }));
  }
  return withdrawalView(requireWithdrawal(db, id));
}

function complete(db: Db, clock: Clock, w: WithdrawalRow, feeMsats: number, preimage: string | null): void {
  db.write(() => {
    if (!store.updateWithdrawal(db, w.id, ['sending'], { status: 'completed', feeMsats, preimage, error: null, updatedAt: clock.now().toISOString() })) return;
    // The agent pays at most its reserve; a fee beyond it is the operator's cost, recorded so the ledger moves as the wallet did.
    const overrun = Math.max(0, feeMsats - w.maxFeeMsats);
    postHold(db, clock, w.holdId, w.amountMsats + feeMsats - overrun, `Withdrawal ${w.id}: ${w.amountMsats} msats paid, fee ${feeMsats} msats`);
    if (overrun > 0) {
      absorbAsOperatorCost(db, clock, {
        toAccountId: externalAccountFor(w.rail),
        amountMsats: overrun,
        description: `Withdrawal ${w.id}: the wallet's fee exceeded the ${w.maxFeeMsats}-msat reserve by ${overrun} msats (the operator's cost)`,
        reference: w.id,
      });
    }
  });
}

function fail(db: Db, clock: Clock, w: WithdrawalRow, reason: string): void {
  db.write(() => {
    if (!store.updateWithdrawal(db, w.id, ['sending', 'queued'], { status: 'failed', error: reason, updatedAt: clock.now().toISOString() })) return;
    voidHold(db, clock, w.holdId, `Withdrawal ${w.id} failed: nothing was paid`);
  });
}

/**
 * Settles withdrawals whose outcome was unknown from the wallet's own record, and sends
 * queued ones (approved later, or interrupted before sending). Returns how many ended.
 */
export async function settleWithdrawals(db: Db, clock: Clock, rail: PaymentRail, o: SettleOptions = {}): Promise<number> {
  const open = store.withdrawalsIn(db, ['queued', 'sending']).filter((w) => w.rail === rail.name);
  let ended = 0;
  for (const w of open) {
    if (w.status !== 'queued') continue;
    const after = await sendWithdrawal(db, clock, rail, w.id);
    if (after.status !== 'pending') ended++;
  }
  const sending = open.filter((w) => w.status === 'sending');
  const retried = store.retriedWithdrawalHashes(db, sending.map((w) => w.paymentHash));
  for (const { payout: w, outcome } of await readPayoutRecords(rail, sending, clock.now(), o, retried)) {
    if (outcome?.outcome === 'paid') complete(db, clock, w, outcome.feeMsats, outcome.preimage);
    else if (outcome?.outcome === 'failed') fail(db, clock, w, outcome.reason);
    else continue;
    ended++;
  }
  return ended;
}

export function listWithdrawalsPage(db: Db, agentId: string, q: { cursor?: string; limit: number }) {
  const beforeId = q.cursor ? (decodeCursor(q.cursor, { id: 'string' }).id as string) : undefined;
  return toPage(store.listWithdrawals(db, agentId, beforeId, q.limit + 1), q.limit, withdrawalView, (w) => encodeCursor({ id: w.id }));
}

/** The tool's statuses: completed, pending (queued, or sent with the outcome not known yet), failed. */
export function withdrawalView(w: WithdrawalRow) {
  return {
    withdrawal_id: w.id,
    status: (w.status === 'completed' ? 'completed' : w.status === 'failed' ? 'failed' : 'pending') as 'completed' | 'pending' | 'failed',
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
