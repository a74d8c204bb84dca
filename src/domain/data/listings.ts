// Data listings: a dataset offered by reference (a SHA-256 of the content and where to
// fetch it). The marketplace keeps the hash, never the data, so a buyer can check what
// arrives against what was sold.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/data-store.js';
import type { ListingRow } from '../../db/data-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { decodeCursor, encodeCursor, type Page } from '../pagination.js';

export const LISTING_TYPES = ['FullDataset', 'Sample', 'Subscription'] as const;
export type ListingType = (typeof LISTING_TYPES)[number];
export const LISTING_STATUSES = ['Active', 'Delisted'] as const;
export type ListingStatus = (typeof LISTING_STATUSES)[number];
export const LISTING_SORTS = ['relevance', 'price', 'newest', 'popular'] as const;

export interface ListingInput {
  title: string;
  description: string;
  listingType: ListingType;
  priceSats: number;
  sha256: string;
  location?: string;
  format?: string;
  sizeBytes?: number;
  recordCount?: number;
  license?: string;
  sample?: string;
}

export function createListing(db: Db, clock: Clock, sellerId: string, input: ListingInput) {
  return db.write(async (tx) => {
    const now = clock.now().toISOString();
    const row: ListingRow = {
      id: newId('dl'),
      sellerId,
      title: input.title,
      description: input.description,
      listingType: input.listingType,
      format: input.format?.toLowerCase() ?? null,
      sizeBytes: input.sizeBytes ?? null,
      recordCount: input.recordCount ?? null,
      license: input.license ?? null,
      priceMsats: satsToMsats(input.priceSats),
      sha256: input.sha256.toLowerCase(),
      location: input.location ?? null,
      sample: input.sample ?? null,
      status: 'Active',
      purchases: 0,
      createdAt: now,
      updatedAt: now,
    };
    await store.insertListing(tx, row);
    return listingView(row);
  });
}

export async function requireListing(db: Db, id: string): Promise<ListingRow> {
  const row = await store.getListing(db, id);
  if (!row) throw new MarketError('NOT_FOUND', `No data listing ${id}.`);
  return row;
}

/** The seller takes a listing off the market; past buyers keep their access. */
export function delistListing(db: Db, clock: Clock, sellerId: string, id: string) {
  return db.write(async (tx) => {
    const row = await requireListing(tx, id);
    if (row.sellerId !== sellerId) throw new MarketError('NOT_FOUND', `No data listing ${id} of yours.`);
    if (row.status !== 'Active') throw new MarketError('CONFLICT', `Listing ${id} is already ${row.status}.`);
    await store.setListingStatus(tx, id, 'Delisted' satisfies ListingStatus, clock.now().toISOString());
    return listingView(await requireListing(tx, id));
  });
}

export interface ListingSearch {
  query?: string;
  listingType?: ListingType;
  format?: string;
  license?: string;
  maxPriceSats?: number;
  sellerId?: string;
  sort?: (typeof LISTING_SORTS)[number];
  cursor?: string;
  limit: number;
}

export async function searchListings(db: Db, q: ListingSearch): Promise<Page<Awaited<ReturnType<typeof listingView>>>> {
  const offset = q.cursor ? (decodeCursor(q.cursor, { offset: 'number' }).offset as number) : 0;
  const rows = await store.searchListings(db, {
    text: q.query,
    listingType: q.listingType,
    format: q.format,
    license: q.license,
    maxPriceMsats: q.maxPriceSats === undefined ? undefined : satsToMsats(q.maxPriceSats),
    sellerId: q.sellerId,
    sort: q.sort ?? 'relevance',
    offset,
    limit: q.limit + 1,
  });
  return { items: rows.slice(0, q.limit).map(listingView), next_cursor: rows.length > q.limit ? encodeCursor({ offset: offset + q.limit }) : null };
}

/** Sellers write titles, descriptions and samples: they reach other agents as untrusted text. */
export function listingView(l: ListingRow) {
  return {
    listing_id: l.id,
    status: l.status as ListingStatus,
    seller_id: l.sellerId,
    untrusted_title: l.title,
    untrusted_description: l.description,
    listing_type: l.listingType as ListingType,
    format: l.format,
    size_bytes: l.sizeBytes,
    record_count: l.recordCount,
    license: l.license,
    price_sats: msatsToSats(l.priceMsats),
    sha256: l.sha256,
    untrusted_sample: l.sample,
    purchases: l.purchases,
    created_at: l.createdAt,
  };
}
