// Buying data: the price waits in a hold on the buyer's wallet while the buyer fetches
// the content with a signed access grant. Confirming receipt (or letting the
// confirmation window pass) releases it to the seller less the platform fee; a content
// hash that does not match what was sold opens a dispute instead, which keeps it frozen.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/data-store.js';
import type { PurchaseRow } from '../../db/data-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { agentAccountId, ESCROW } from '../ledger/accounts.js';
import { payFromEscrow } from '../ledger/escrow.js';
import { createHold, postHold, voidHold } from '../ledger/holds.js';
import { msatsToSats } from '../money.js';
import { parties } from '../governance/evaluate.js';
import { decodeCursor, encodeCursor, toPage } from '../pagination.js';
import { issueGrant } from './grants.js';
import { requireListing } from './listings.js';

/** How long a buyer has to confirm receipt (or report a bad hash) before the seller is paid. */
export const CONFIRMATION_WINDOW_HOURS = 72;
/** What a Subscription purchase buys: access for this long. */
export const SUBSCRIPTION_DAYS = 30;
const HOUR_MS = 3_600_000;

export const PURCHASE_STATUSES = ['Pending', 'Completed', 'Disputed', 'Refunded'] as const;
export type PurchaseStatus = (typeof PURCHASE_STATUSES)[number];

export function purchaseData(db: Db, clock: Clock, buyerId: string, listingId: string) {
  return db.write(async (tx) => {
    const listing = await requireListing(tx, listingId);
    if (listing.status !== 'Active') throw new MarketError('CONFLICT', `Listing ${listing.id} is ${listing.status}; it can no longer be bought.`);
    if (listing.sellerId === buyerId) throw new MarketError('INVALID_INPUT', 'You cannot buy your own listing.');
    const now = clock.now();
    const owned = (await store.liveAccess(tx, listing.id, buyerId)).find((p) => p.accessUntil === null || p.accessUntil > now.toISOString());
    if (owned) {
      throw new MarketError('CONFLICT', `You already have access to ${listing.id} through purchase ${owned.id}; get a fresh grant with marketplace_get_purchase.`, {
        purchase_id: owned.id,
      });
    }
    const id = newId('pu');
    const hold =
      listing.priceMsats > 0
        ? await createHold(tx, clock, {
            debitAccountId: agentAccountId(buyerId),
            creditAccountId: ESCROW.id,
            amountMsats: listing.priceMsats,
            entryType: 'Escrow',
            description: `Escrow for data purchase ${id}`,
            reference: id,
          })
        : null;
    await store.insertPurchase(tx, {
      id,
      listingId: listing.id,
      buyerId,
      sellerId: listing.sellerId,
      priceMsats: listing.priceMsats,
      sha256: listing.sha256,
      holdId: hold?.id ?? null,
      // Nothing to confirm for a free listing.
      status: hold ? 'Pending' : 'Completed',
      confirmDeadline: new Date(now.getTime() + CONFIRMATION_WINDOW_HOURS * HOUR_MS).toISOString(),
      accessUntil: listing.listingType === 'Subscription' ? new Date(now.getTime() + SUBSCRIPTION_DAYS * 24 * HOUR_MS).toISOString() : null,
      receivedSha256: null,
      completedAt: hold ? null : now.toISOString(),
      createdAt: now.toISOString(),
      updatedAt: now.toISOString(),
    });
    await store.countPurchase(tx, listing.id);
    return purchaseView(tx, clock, await requirePurchase(tx, id), buyerId);
  });
}

export async function requirePurchase(db: Db, id: string): Promise<PurchaseRow> {
  const p = await store.getPurchase(db, id);
  if (!p) throw new MarketError('NOT_FOUND', `No data purchase ${id}.`);
  return p;
}

async function move(db: Db, clock: Clock, p: PurchaseRow, from: PurchaseStatus[], set: Partial<PurchaseRow> & { status: PurchaseStatus }): Promise<PurchaseRow> {
  if (!from.includes(p.status as PurchaseStatus)) {
    throw new MarketError('CONFLICT', `Purchase ${p.id} is ${p.status}; this needs it ${from.join(' or ')}.`, { status: p.status });
  }
  if (!(await store.updatePurchase(db, p.id, from, { ...set, updatedAt: clock.now().toISOString() }))) {
    throw new MarketError('CONFLICT', `Purchase ${p.id} changed meanwhile; read it again.`);
  }
  return requirePurchase(db, p.id);
}

/**
 * Pays the seller priceMsats out of the held price (a dispute may settle below it; the
 * rest returns to the buyer). Exactly once: the status move fails a second time.
 */
export async function settlePurchase(db: Db, clock: Clock, p: PurchaseRow, from: PurchaseStatus[], priceMsats: number): Promise<PurchaseRow> {
  const done = await move(db, clock, p, from, { status: 'Completed', completedAt: clock.now().toISOString() });
  if (p.holdId) {
    await postHold(db, clock, p.holdId, priceMsats, `Data purchase ${p.id} settled`);
    await payFromEscrow(db, clock, { payerAgentId: p.buyerId, payeeAccountId: agentAccountId(p.sellerId), priceMsats, reference: p.id, what: `data purchase ${p.id}` });
  }
  return done;
}

/** A full refund of a purchase whose price is still held. */
export async function refundHeldPurchase(db: Db, clock: Clock, p: PurchaseRow, from: PurchaseStatus[], why: string): Promise<PurchaseRow> {
  const done = await move(db, clock, p, from, { status: 'Refunded' });
  if (p.holdId) await voidHold(db, clock, p.holdId, why);
  return done;
}

/** Pays every purchase whose confirmation window has passed. */
async function settleDue(db: Db, clock: Clock, p: PurchaseRow): Promise<void> {
  if (p.status === 'Pending' && p.confirmDeadline <= clock.now().toISOString()) await settlePurchase(db, clock, p, ['Pending'], p.priceMsats);
}

async function current(db: Db, clock: Clock, id: string): Promise<PurchaseRow> {
  await settleDue(db, clock, await requirePurchase(db, id));
  return requirePurchase(db, id);
}

export async function settleDuePurchases(db: Db, clock: Clock): Promise<number> {
  return db.write(async (tx) => {
    const due = await store.duePurchases(tx, clock.now().toISOString());
    for (const p of due) await settleDue(tx, clock, p);
    return due.length;
  });
}

/**
 * The buyer confirms receipt: with the hash of what arrived, a mismatch files a dispute
 * (the hold stays frozen) instead of paying. `fileMismatch` is the disputes module's
 * filing, passed in so the two modules do not import each other.
 */
export function confirmPurchase(
  db: Db,
  clock: Clock,
  buyerId: string,
  input: { purchaseId: string; receivedSha256?: string },
  /** Files the dispute, inside the confirmation's transaction (tx). */
  fileMismatch: (p: PurchaseRow, received: string, tx: Db) => Promise<{ dispute_id: string }>,
) {
  return db.write(async (tx) => {
    const p = await current(tx, clock, input.purchaseId);
    if (p.buyerId !== buyerId) throw new MarketError('NOT_FOUND', `No data purchase ${p.id} of yours.`);
    const received = input.receivedSha256?.toLowerCase();
    if (received !== undefined && received !== p.sha256) {
      if (p.status !== 'Pending') throw new MarketError('CONFLICT', `Purchase ${p.id} is ${p.status}; file a dispute with marketplace_file_dispute instead.`);
      await store.updatePurchase(tx, p.id, ['Pending'], { receivedSha256: received, updatedAt: clock.now().toISOString() });
      const dispute = await fileMismatch(await requirePurchase(tx, p.id), received, tx);
      return { ...(await purchaseView(tx, clock, await requirePurchase(tx, p.id), buyerId)), dispute_id: dispute.dispute_id };
    }
    const done = await settlePurchase(tx, clock, p, ['Pending'], p.priceMsats);
    if (received) await store.updatePurchase(tx, p.id, ['Completed'], { receivedSha256: received });
    return purchaseView(tx, clock, await requirePurchase(tx, done.id), buyerId);
  });
}

export function getPurchase(db: Db, clock: Clock, agentId: string, id: string) {
  return db.write(async (tx) => {
    const p = await current(tx, clock, id);
    if (p.buyerId !== agentId && p.sellerId !== agentId) throw new MarketError('NOT_FOUND', `No data purchase ${id} of yours.`);
    return purchaseView(tx, clock, p, agentId);
  });
}

export async function listPurchasesPage(db: Db, agentId: string, q: { role?: 'buyer' | 'seller'; status?: string; cursor?: string; limit: number }) {
  const beforeId = q.cursor ? (decodeCursor(q.cursor, { id: 'string' }).id as string) : undefined;
  const rows = await store.listPurchases(db, agentId, q.role ?? 'either', q.status, beforeId, q.limit + 1);
  return toPage(
    rows,
    q.limit,
    (p) => purchaseSummary(p),
    (p) => encodeCursor({ id: p.id }),
  );
}

function purchaseSummary(p: PurchaseRow) {
  return {
    purchase_id: p.id,
    listing_id: p.listingId,
    status: p.status as PurchaseStatus,
    buyer_id: p.buyerId,
    seller_id: p.sellerId,
    price_sats: msatsToSats(p.priceMsats),
    held_sats: p.status === 'Pending' || p.status === 'Disputed' ? msatsToSats(p.priceMsats) : 0,
    sha256: p.sha256,
    received_sha256: p.receivedSha256,
    confirm_deadline: p.status === 'Pending' ? p.confirmDeadline : null,
    access_until: p.accessUntil,
    completed_at: p.completedAt,
    created_at: p.createdAt,
  };
}

/**
 * Why a purchase gives no access now, or null while it does: the rule behind both issuing
 * a grant and verifying one (a grant issued before a refund or a subscription's end is
 * refused once either has come).
 */
export function noAccessReason(p: PurchaseRow, now: Date): string | null {
  if (p.status !== 'Pending' && p.status !== 'Completed') return `Purchase ${p.id} is ${p.status}.`;
  if (p.accessUntil !== null && p.accessUntil <= now.toISOString()) return `Access through purchase ${p.id} ended at ${p.accessUntil}, when its subscription ran out.`;
  return null;
}

/** The buyer gets a fresh access grant while the purchase gives access; the seller never does. */
export async function purchaseView(db: Db, clock: Clock, p: PurchaseRow, viewerId: string) {
  const access = p.buyerId === viewerId && noAccessReason(p, clock.now()) === null;
  const location = access ? (await requireListing(db, p.listingId)).location : null;
  return {
    ...purchaseSummary(p),
    access_grant: access ? await issueGrant(db, clock, { purchase_id: p.id, listing_id: p.listingId, buyer_id: p.buyerId, sha256: p.sha256, location }, p.accessUntil) : null,
  };
}

/**
 * How the gate sees buying a listing: its price, paid to its seller. An unknown listing
 * passes as a zero-sats action with nobody; the handler then says NOT_FOUND.
 */
export async function purchaseTerms(db: Db, listingId: string): Promise<{ amountMsats: number; counterparties: string[] }> {
  const l = await store.getListing(db, listingId);
  return { amountMsats: l?.priceMsats ?? 0, counterparties: parties(l?.sellerId) };
}

/**
 * Whom confirming a purchase pays: its seller, when the buyer confirms its own purchase
 * with a matching hash or none. A mismatch pays nobody (it opens a dispute).
 */
export async function confirmationCounterparties(db: Db, buyerId: string, purchaseId: string, receivedSha256: string | undefined): Promise<string[]> {
  const p = await store.getPurchase(db, purchaseId);
  const pays = p !== undefined && p.buyerId === buyerId && (receivedSha256 === undefined || receivedSha256.toLowerCase() === p.sha256.toLowerCase());
  return pays ? [p.sellerId] : [];
}
