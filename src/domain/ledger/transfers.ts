// Immutable transfers, each chained to the one before it. Every function here must run
// inside db.write(): the balance check and the write are one IMMEDIATE transaction, so
// no interleaving of concurrent calls can overdraw an account.
import { assertNamedPayee } from './payee-scope.js';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/ledger-store.js';
import type { AccountRow, BalanceDelta, TransferRow } from '../../db/ledger-store.js';
import { storedText } from '../../db/stored-text.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { addMsats, checkedMsats, formatSats, msatsToSats } from '../money.js';
import type { AccountBalance, AccountSpec } from './accounts.js';
import { type ChainedFields, GENESIS_HASH, transferHash } from './chain.js';
import type { EntryType } from './entry-types.js';

export type TransferPhase = 'posted' | 'pending' | 'post' | 'void' | 'expire';

export interface TransferRequest {
  debitAccountId: string;
  creditAccountId: string;
  amountMsats: number;
  entryType: EntryType;
  description?: string;
  /** What the transfer belongs to (a contract, a skill usage, an invoice…). */
  reference?: string | null;
  /** Free text from the payer; the payee sees it as untrusted data. */
  memo?: string | null;
}

export type Transfer = TransferRow;

/** The UTC calendar day of an ISO timestamp: the bucket of spending totals. */
export function utcDay(iso: string): string {
  return iso.slice(0, 10);
}

export async function openAccount(db: Db, clock: Clock, spec: AccountSpec): Promise<void> {
  await store.insertAccount(db, spec, clock.now().toISOString());
}

export async function requireAccount(db: Db, accountId: string): Promise<AccountRow> {
  const account = await store.getAccount(db, accountId);
  if (!account) throw new MarketError('NOT_FOUND', `No ledger account ${accountId}.`);
  return account;
}

export function balanceOf(account: AccountRow): AccountBalance {
  const balanceMsats = account.creditsPostedMsats - account.debitsPostedMsats;
  return {
    accountId: account.id,
    balanceMsats,
    heldMsats: account.debitsPendingMsats,
    availableMsats: balanceMsats - account.debitsPendingMsats,
  };
}

export async function getBalance(db: Db, accountId: string): Promise<AccountBalance> {
  return balanceOf(await requireAccount(db, accountId));
}

/** Throws INSUFFICIENT_FUNDS unless the account can give amountMsats now. */
export function assertCanDebit(account: AccountRow, amountMsats: number): void {
  if (account.allowNegative) return;
  const { availableMsats, balanceMsats, heldMsats } = balanceOf(account);
  if (availableMsats >= amountMsats) return;
  const held = heldMsats > 0 ? ` (${formatSats(msatsToSats(heldMsats))} of ${formatSats(msatsToSats(balanceMsats))} held)` : '';
  throw new MarketError(
    'INSUFFICIENT_FUNDS',
    `Available balance is ${formatSats(msatsToSats(availableMsats))}${held}; this needs ${formatSats(Math.ceil(amountMsats / 1000))}. ` +
      'Ask your sponsor to fund the wallet or lower the amount.',
    { available_msats: availableMsats, required_msats: amountMsats },
  );
}

function validateAmount(amountMsats: number): void {
  checkedMsats(amountMsats);
  if (amountMsats <= 0) throw new MarketError('INVALID_INPUT', 'A transfer amount must be greater than zero.');
}

/** Appends one row to the chain and applies its effect on both balances. */
export async function appendTransfer(
  db: Db,
  clock: Clock,
  t: TransferRequest & {
    phase: TransferPhase;
    pendingId?: string | null;
    /** When a posted debit counts as spent, if not now: a hold's money counts from when it was reserved. */
    spentAt?: string;
  },
  effect: { debit: BalanceDelta; credit: BalanceDelta },
): Promise<Transfer> {
  assertNamedPayee(db, t.debitAccountId, t.creditAccountId);
  const last = await store.lastTransfer(db);
  // Hashed as stored: free text SQLite would give back otherwise (a lone surrogate) is taken
  // in its stored form, so `ledger verify` recomputes the same hash from the row. Ids and
  // entry types come from the ledger's own rows and constants.
  const text = (s: string) => storedText(db, s);
  const fields: ChainedFields = {
    seq: (last?.seq ?? 0) + 1,
    id: newId('tr'),
    debitAccountId: t.debitAccountId,
    creditAccountId: t.creditAccountId,
    amountMsats: t.amountMsats,
    entryType: t.entryType,
    phase: t.phase,
    pendingId: t.pendingId ?? null,
    reference: t.reference == null ? null : await text(t.reference),
    description: await text(t.description ?? ''),
    memo: t.memo == null ? null : await text(t.memo),
    createdAt: clock.now().toISOString(),
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const row: TransferRow = { ...fields, prevHash, hash: transferHash(prevHash, fields) };
  await store.insertTransfer(db, row);
  await store.applyDelta(db, t.debitAccountId, effect.debit);
  await store.applyDelta(db, t.creditAccountId, effect.credit);
  if (effect.debit.debitsPosted) {
    await store.addDailyDebit(db, t.debitAccountId, utcDay(t.spentAt ?? row.createdAt), t.entryType, effect.debit.debitsPosted);
  }
  return row;
}

function checkBalancesStaySafe(debit: AccountRow, credit: AccountRow, amountMsats: number): void {
  addMsats(debit.debitsPostedMsats, amountMsats);
  addMsats(debit.debitsPendingMsats, amountMsats);
  addMsats(credit.creditsPostedMsats, amountMsats);
  addMsats(credit.creditsPendingMsats, amountMsats);
}

export async function loadPair(db: Db, t: TransferRequest): Promise<{ debit: AccountRow; credit: AccountRow }> {
  validateAmount(t.amountMsats);
  if (t.debitAccountId === t.creditAccountId) {
    throw new MarketError('INVALID_INPUT', 'A transfer needs two different accounts.');
  }
  const debit = await requireAccount(db, t.debitAccountId);
  const credit = await requireAccount(db, t.creditAccountId);
  checkBalancesStaySafe(debit, credit, t.amountMsats);
  return { debit, credit };
}

/** A completed transfer: money leaves one account and arrives in the other. */
export async function postTransfer(db: Db, clock: Clock, t: TransferRequest): Promise<Transfer> {
  return db.write(async (tx) => {
    const { debit } = await loadPair(tx, t);
    assertCanDebit(debit, t.amountMsats);
    return appendTransfer(tx, clock, { ...t, phase: 'posted' }, { debit: { debitsPosted: t.amountMsats }, credit: { creditsPosted: t.amountMsats } });
  });
}

/**
 * The correction for a posted transfer: the same amount back the other way. The original
 * stays in the chain untouched. Fails with INSUFFICIENT_FUNDS if the receiver has
 * already spent the money.
 */
export async function reverseTransfer(db: Db, clock: Clock, transferId: string, description?: string): Promise<Transfer> {
  return db.write(async (tx) => {
    const original = await store.getTransfer(tx, transferId);
    if (!original) throw new MarketError('NOT_FOUND', `No transfer ${transferId}.`);
    if (original.phase !== 'posted' && original.phase !== 'post') {
      throw new MarketError('CONFLICT', `Transfer ${transferId} is a ${original.phase} entry; only posted transfers can be reversed.`);
    }
    return postTransfer(tx, clock, {
      debitAccountId: original.creditAccountId,
      creditAccountId: original.debitAccountId,
      amountMsats: original.amountMsats,
      entryType: 'Reversal',
      description: description ?? `Reversal of ${original.id}`,
      reference: original.id,
    });
  });
}
