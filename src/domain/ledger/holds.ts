// Holds follow TigerBeetle's two-phase transfers: a pending transfer reserves funds on
// the debit account; it then ends exactly once, by being posted (fully or in part),
// voided, or expiring. Reserved funds count against the available balance.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/ledger-store.js';
import type { HoldRow } from '../../db/ledger-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { appendTransfer, assertCanDebit, loadPair, type Transfer, type TransferRequest } from './transfers.js';

export type Hold = HoldRow;

/**
 * Reserves funds. `heldSince` continues an earlier reservation of the same money (what is
 * left of a bounty's reward after a payment): limits and budgets counted it from then,
 * so they go on counting it there, not again today.
 */
export async function createHold(db: Db, clock: Clock, t: TransferRequest & { expiresAt?: string | null; heldSince?: string }): Promise<Hold> {
  return db.write(async (tx) => {
    await expireDueHoldsOf(tx, clock, t.debitAccountId);
    const { debit } = await loadPair(tx, t);
    assertCanDebit(debit, t.amountMsats);
    const pending = await appendTransfer(tx, clock, { ...t, phase: 'pending' }, { debit: { debitsPending: t.amountMsats }, credit: { creditsPending: t.amountMsats } });
    await store.insertHold(tx, {
      id: pending.id,
      debitAccountId: t.debitAccountId,
      creditAccountId: t.creditAccountId,
      amountMsats: t.amountMsats,
      entryType: t.entryType,
      reference: t.reference ?? null,
      expiresAt: t.expiresAt ?? null,
      createdAt: t.heldSince ?? pending.createdAt,
    });
    return requireHold(tx, pending.id);
  });
}

export async function requireHold(db: Db, holdId: string): Promise<Hold> {
  const hold = await store.getHold(db, holdId);
  if (!hold) throw new MarketError('NOT_FOUND', `No hold ${holdId}.`);
  return hold;
}

/** A hold past its expiry is treated as expired even before the sweep has ended it. */
async function requirePending(db: Db, clock: Clock, holdId: string): Promise<Hold> {
  const hold = await requireHold(db, holdId);
  const due = hold.status === 'pending' && hold.expiresAt !== null && hold.expiresAt <= clock.now().toISOString();
  const status = due ? 'expired' : hold.status;
  if (status !== 'pending') {
    throw new MarketError('CONFLICT', `Hold ${hold.id} is already ${status}.`, { status });
  }
  return hold;
}

/**
 * Settles a hold: amountMsats (default: all of it) moves to the credit account and the
 * rest is released back to the debit account.
 */
export async function postHold(db: Db, clock: Clock, holdId: string, amountMsats?: number, description?: string): Promise<Transfer> {
  return db.write(async (tx) => {
    const hold = await requirePending(tx, clock, holdId);
    const amount = amountMsats ?? hold.amountMsats;
    if (!Number.isSafeInteger(amount) || amount <= 0 || amount > hold.amountMsats) {
      throw new MarketError('INVALID_INPUT', `A hold of ${hold.amountMsats} msats can be posted for 1..${hold.amountMsats} msats, not ${amount}.`);
    }
    return endHold(tx, clock, hold, 'post', amount, description);
  });
}

export async function voidHold(db: Db, clock: Clock, holdId: string, description?: string): Promise<Transfer> {
  return db.write(async (tx) => {
    const hold = await requirePending(tx, clock, holdId);
    return endHold(tx, clock, hold, 'void', 0, description);
  });
}

/** Ends every hold whose time has passed. Returns how many ended. */
export async function expireDueHolds(db: Db, clock: Clock, batch = 500): Promise<number> {
  return db.write(async (tx) => {
    const due = await store.dueHolds(tx, clock.now().toISOString(), batch);
    for (const hold of due) await endHold(tx, clock, hold, 'expire', 0);
    return due.length;
  });
}

/** Lazily expires one account's due holds before its balance is read or spent. */
export async function expireDueHoldsOf(db: Db, clock: Clock, accountId: string): Promise<void> {
  // Read first: a wallet read almost never finds a hold due, and then needs no write lock.
  if ((await store.dueHoldsForAccount(db, accountId, clock.now().toISOString())).length === 0) return;
  await db.write(async (tx) => {
    for (const hold of await store.dueHoldsForAccount(tx, accountId, clock.now().toISOString())) await endHold(tx, clock, hold, 'expire', 0);
  });
}

/**
 * One row records how a hold ended. A post row carries the posted amount (moved to
 * the credit account); void and expire rows carry the whole reservation (released).
 */
async function endHold(db: Db, clock: Clock, hold: Hold, phase: 'post' | 'void' | 'expire', postedMsats: number, description?: string): Promise<Transfer> {
  const status = phase === 'post' ? 'posted' : phase === 'void' ? 'voided' : 'expired';
  const now = clock.now().toISOString();
  if (!(await store.resolveHold(db, hold.id, status, postedMsats, now))) {
    throw new MarketError('CONFLICT', `Hold ${hold.id} was resolved concurrently.`);
  }
  const release = { debitsPending: -hold.amountMsats };
  const releaseCredit = { creditsPending: -hold.amountMsats };
  return appendTransfer(
    db,
    clock,
    {
      debitAccountId: hold.debitAccountId,
      creditAccountId: hold.creditAccountId,
      amountMsats: phase === 'post' ? postedMsats : hold.amountMsats,
      entryType: hold.entryType as TransferRequest['entryType'],
      description: description ?? `${status} hold ${hold.id}`,
      reference: hold.reference,
      phase,
      pendingId: hold.id,
      // Limits counted the reservation as spent on the day it was made; the payment stays there.
      spentAt: hold.createdAt,
    },
    phase === 'post' ? { debit: { ...release, debitsPosted: postedMsats }, credit: { ...releaseCredit, creditsPosted: postedMsats } } : { debit: release, credit: releaseCredit },
  );
}
