// Deposits: an invoice made by the rail for an agent or a sponsor; its payment is
// credited exactly once per payment hash, whoever notices it first (the watcher, a
// check by the owner, another process). The invoice row's status change is the guard.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/payments-store.js';
import type { InvoiceRow } from '../../db/payments-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { agentAccountId, externalAccountFor, sponsorAccountId } from '../ledger/accounts.js';
import { postTransfer } from '../ledger/transfers.js';
import { msatsToSats, satsToMsats } from '../money.js';
import type { PaymentRail } from './rail.js';
import { mapInOrder } from '../../core/in-order.js';

export const INVOICE_EXPIRY_SECONDS = 3_600;
/** requested (no bolt11 yet) → pending → credited, or expired. */
export const INVOICE_STATUSES = ['requested', 'pending', 'credited', 'expired'] as const;
export type InvoiceStatus = (typeof INVOICE_STATUSES)[number];

export interface Owner {
  kind: 'agent' | 'sponsor';
  id: string;
}

const ownerAccount = (o: { ownerKind: string; ownerId: string }) => (o.ownerKind === 'agent' ? agentAccountId(o.ownerId) : sponsorAccountId(o.ownerId));

/**
 * Records an allowed top-up (inside the gate's transaction); the wallet makes the invoice
 * afterwards (makeTopupInvoice), so a retried call finds the same row and the same invoice.
 */
export async function requestTopup(db: Db, clock: Clock, railName: string, owner: Owner, input: { amountSats: number; memo?: string }) {
  const amountMsats = satsToMsats(input.amountSats);
  if (amountMsats <= 0) throw new MarketError('INVALID_INPUT', 'amount_sats must be at least 1.');
  const row: InvoiceRow = {
    id: newId('li'),
    ownerKind: owner.kind,
    ownerId: owner.id,
    amountMsats,
    memo: input.memo ?? null,
    bolt11: null,
    paymentHash: null,
    rail: railName,
    status: 'requested',
    expiresAt: null,
    creditedAt: null,
    transferId: null,
    createdAt: clock.now().toISOString(),
  };
  await db.write(async (tx) => store.insertInvoice(tx, row));
  // The top-up as requested: its invoice is asked of the wallet once the call has committed (makeTopupInvoice).
  return invoiceView(row);
}

/** Asks the wallet for the invoice of a requested top-up, once. */
export async function makeTopupInvoice(db: Db, clock: Clock, rail: PaymentRail, invoiceId: string) {
  const row = await store.invoiceById(db, invoiceId);
  if (!row) throw new MarketError('NOT_FOUND', `No top-up invoice ${invoiceId}.`);
  if (row.status !== 'requested') return invoiceView(row);
  const made = await rail.createInvoice({ amountMsats: row.amountMsats, memo: row.memo, expirySeconds: INVOICE_EXPIRY_SECONDS });
  await db.write(async (tx) => store.fillInvoice(tx, row.id, { bolt11: made.bolt11, paymentHash: made.paymentHash, expiresAt: made.expiresAt }));
  return invoiceView((await store.invoiceById(db, row.id))!);
}

/**
 * Credits a paid invoice. Safe to call any number of times from any process: only the
 * call that moves the row from pending to credited posts the transfer.
 */
export async function creditPaidInvoice(db: Db, clock: Clock, paymentHash: string, amountMsats: number): Promise<boolean> {
  return db.write(async (tx) => {
    const row = await store.invoiceByHash(tx, paymentHash);
    if (!row || row.status === 'credited' || row.status === 'requested') return false;
    // A payment that arrives after we called the invoice expired still counts.
    if (!(await store.updateInvoice(tx, paymentHash, row.status, { status: 'credited', creditedAt: clock.now().toISOString() }))) return false;
    const transfer = await postTransfer(tx, clock, {
      debitAccountId: externalAccountFor(row.rail),
      creditAccountId: ownerAccount(row),
      // What the payer paid, which a wallet may let exceed what was asked.
      amountMsats: Math.max(amountMsats, row.amountMsats),
      entryType: 'Deposit',
      description: `Lightning deposit ${row.id}`,
      reference: row.paymentHash,
    });
    await store.updateInvoice(tx, paymentHash, 'credited', { transferId: transfer.id });
    return true;
  });
}

/** Asks the rail about one invoice and records what it says. */
export async function refreshInvoice(db: Db, clock: Clock, rail: PaymentRail, row: InvoiceRow): Promise<InvoiceRow> {
  const hash = row.paymentHash;
  if (row.status === 'credited' || hash === null) return row;
  const seen = await rail.lookupInvoice(hash);
  if (seen?.state === 'settled') await creditPaidInvoice(db, clock, hash, seen.amountMsats);
  else if (row.status === 'pending' && (seen?.state === 'expired' || (row.expiresAt ?? '') <= clock.now().toISOString())) {
    await db.write(async (tx) => store.updateInvoice(tx, hash, 'pending', { status: 'expired' }));
  }
  return (await store.invoiceByHash(db, hash))!;
}

export async function checkTopup(db: Db, clock: Clock, rail: PaymentRail, owner: Owner, paymentHash: string) {
  const row = await store.invoiceByHash(db, paymentHash.toLowerCase());
  if (!row || row.ownerKind !== owner.kind || row.ownerId !== owner.id) throw new MarketError('NOT_FOUND', `No top-up invoice ${paymentHash} of yours.`);
  if (row.rail !== rail.name) throw new MarketError('CONFLICT', `Invoice ${paymentHash} was issued on the ${row.rail} rail; this server runs the ${rail.name} rail.`);
  return invoiceView(await refreshInvoice(db, clock, rail, row));
}

/**
 * The watcher: one question to the wallet per round, which of the invoices still pending
 * it has been paid (a busy server asking one lookup per invoice every few seconds would
 * hammer the operator's wallet). Those are credited; unpaid ones past their expiry are
 * marked expired. (A payment to an invoice already marked expired is credited when its
 * owner checks it, or by `ledger reconcile --fix`.)
 */
export async function watchDeposits(db: Db, clock: Clock, rail: PaymentRail, limit = 1_000): Promise<number> {
  const pending = (await store.pendingInvoices(db, limit)).filter((r) => r.rail === rail.name && r.paymentHash !== null);
  if (pending.length === 0) return 0;
  const oldest = pending.reduce((at, r) => (r.createdAt < at ? r.createdAt : at), pending[0]!.createdAt);
  const paid = await rail.paidInvoices({ paymentHashes: pending.map((r) => r.paymentHash!), sinceSeconds: Math.floor(Date.parse(oldest) / 1000) });
  let credited = 0;
  for (const t of paid) if (await creditPaidInvoice(db, clock, t.paymentHash, t.amountMsats)) credited++;
  const now = clock.now().toISOString();
  const paidHashes = new Set(paid.map((t) => t.paymentHash));
  const expired = pending.filter((r) => !paidHashes.has(r.paymentHash!) && (r.expiresAt ?? '') <= now);
  if (expired.length > 0) await db.write(async (tx) => await mapInOrder(expired, async (r) => store.updateInvoice(tx, r.paymentHash!, 'pending', { status: 'expired' })));
  return credited;
}

export function invoiceView(r: InvoiceRow) {
  return {
    invoice_id: r.id,
    bolt11: r.bolt11,
    payment_hash: r.paymentHash,
    amount_sats: msatsToSats(r.amountMsats),
    status: r.status as InvoiceStatus,
    expires_at: r.expiresAt,
    credited_at: r.creditedAt,
  };
}

/** The operator's view: any invoice by its hash, refreshed from the rail. */
export async function refreshTopup(db: Db, clock: Clock, rail: PaymentRail, paymentHash: string) {
  const row = await store.invoiceByHash(db, paymentHash.toLowerCase());
  if (!row) throw new MarketError('NOT_FOUND', `No top-up invoice ${paymentHash}.`);
  return invoiceView(await refreshInvoice(db, clock, rail, row));
}
