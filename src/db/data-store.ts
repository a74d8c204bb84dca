// SQL for data listings, purchases and the marketplace's own settings. Search is raw SQL
// (full-text search is outside drizzle's builder, and differs per engine); the rest uses the builder.
import { and, desc, eq, inArray, lt, lte, or } from 'drizzle-orm';
import type { Db } from './connection.js';
import { toFtsQuery } from './fts-query.js';
import { DATA_LISTINGS_RANK, toTsQuery } from './pg/ts-query.js';
import { dataListings, dataPurchases, marketplaceSettings } from './schema.js';
import { settingContext } from './secret-key.js';

export type ListingRow = typeof dataListings.$inferSelect;
export type PurchaseRow = typeof dataPurchases.$inferSelect;

/** A secret setting's plain value (it is stored sealed). */
export async function getSecretSetting(db: Db, key: string): Promise<string | undefined> {
  const row = await db.orm.select().from(marketplaceSettings).where(eq(marketplaceSettings.key, key)).get();
  return row && db.secrets.open(row.value, settingContext(key));
}

export const insertSecretSetting = async (db: Db, key: string, plain: string, createdAt: string) =>
  await db.orm
    .insert(marketplaceSettings)
    .values({ key, value: db.secrets.seal(plain, settingContext(key)), createdAt })
    .onConflictDoNothing()
    .run();

export async function insertListing(db: Db, row: ListingRow): Promise<void> {
  await db.orm.insert(dataListings).values(row).run();
  await indexListing(db, row);
}

export const getListing = (db: Db, id: string) => db.orm.select().from(dataListings).where(eq(dataListings.id, id)).get();

export async function setListingStatus(db: Db, id: string, status: string, updatedAt: string): Promise<void> {
  await db.orm.update(dataListings).set({ status, updatedAt }).where(eq(dataListings.id, id)).run();
  const row = await getListing(db, id);
  if (row) await indexListing(db, row);
}

export const countPurchase = async (db: Db, listingId: string) => await db.prepare('UPDATE data_listings SET purchases = purchases + 1 WHERE id = ?').run(listingId);

/**
 * Only active listings are in the index, so search never has to filter the others out.
 * On PostgreSQL search_vector is a generated column, non-null only while the listing is
 * active: nothing to do.
 */
async function indexListing(db: Db, row: ListingRow): Promise<void> {
  if (db.dialect === 'postgres') return;
  const { rowid } = (await db.prepare('SELECT rowid FROM data_listings WHERE id = ?').get(row.id)) as { rowid: number };
  await db.prepare('DELETE FROM data_listings_fts WHERE rowid = ?').run(rowid);
  if (row.status !== 'Active') return;
  await db
    .prepare('INSERT INTO data_listings_fts (rowid, title, description, format, license) VALUES (?, ?, ?, ?, ?)')
    .run(rowid, row.title, row.description, row.format ?? '', row.license ?? '');
}

export interface ListingFilter {
  /** What the user typed: only its words reach MATCH, quoted (./fts-query.ts). */
  text?: string;
  listingType?: string;
  format?: string;
  license?: string;
  maxPriceMsats?: number;
  sellerId?: string;
  sort: 'relevance' | 'price' | 'newest' | 'popular';
  offset: number;
  limit: number;
}

const LISTING_COLUMNS = `l.id, l.seller_id AS "sellerId", l.title, l.description, l.listing_type AS "listingType", l.format,
  l.size_bytes AS "sizeBytes", l.record_count AS "recordCount", l.license, l.price_msats AS "priceMsats", l.sha256, l.location,
  l.sample, l.status, l.purchases, l.created_at AS "createdAt", l.updated_at AS "updatedAt"`;

/**
 * What listing search does differently per engine (as in skills-store.ts): SQLite's FTS5
 * table and bm25 (title weighs most; negative, smaller better), PostgreSQL's generated
 * search_vector column and ts_rank_cd with the same weights (positive, larger better).
 */
const LISTING_SEARCH = {
  sqlite: {
    query: toFtsQuery,
    from: 'data_listings_fts JOIN data_listings l ON l.rowid = data_listings_fts.rowid',
    match: 'data_listings_fts MATCH @match',
    relevance: 'bm25(data_listings_fts, 10.0, 4.0, 2.0, 1.0) ASC',
  },
  postgres: {
    query: toTsQuery,
    from: "data_listings l CROSS JOIN to_tsquery('marketplace_search', @match) AS q",
    match: 'l.search_vector @@ q',
    relevance: `${DATA_LISTINGS_RANK} DESC`,
  },
} as const;

/** Active listings matching the filter. Relevance is the text rank (title weighs most), then popularity. */
export async function searchListings(db: Db, f: ListingFilter): Promise<ListingRow[]> {
  const engine = LISTING_SEARCH[db.dialect];
  const match = f.text ? engine.query(f.text) : null;
  // Text with no word in it matches nothing (rather than everything).
  if (f.text && match === null) return [];
  const where = ["l.status = 'Active'"];
  const params: Record<string, unknown> = { offset: f.offset, limit: f.limit };
  const from = match === null ? 'data_listings l' : engine.from;
  if (match !== null) {
    where.push(engine.match);
    params.match = match;
  }
  const equal = { listingType: 'l.listing_type', format: 'lower(l.format)', license: 'lower(l.license)', sellerId: 'l.seller_id' } as const;
  for (const [field, column] of Object.entries(equal) as [keyof typeof equal, string][]) {
    const value = f[field];
    if (value === undefined) continue;
    where.push(`${column} = @${field}`);
    params[field] = column.startsWith('lower') ? value.toLowerCase() : value;
  }
  if (f.maxPriceMsats !== undefined) {
    where.push('l.price_msats <= @maxPrice');
    params.maxPrice = f.maxPriceMsats;
  }
  const order = {
    relevance: match === null ? 'l.purchases DESC, l.rowid DESC' : `${engine.relevance}, l.purchases DESC, l.rowid DESC`,
    price: 'l.price_msats ASC, l.rowid DESC',
    newest: 'l.rowid DESC',
    popular: 'l.purchases DESC, l.rowid DESC',
  }[f.sort];
  return (await db.prepare(`SELECT ${LISTING_COLUMNS} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit OFFSET @offset`).all(params)) as ListingRow[];
}

export const insertPurchase = async (db: Db, row: PurchaseRow) => await db.orm.insert(dataPurchases).values(row).run();
export const getPurchase = (db: Db, id: string) => db.orm.select().from(dataPurchases).where(eq(dataPurchases.id, id)).get();

export async function updatePurchase(db: Db, id: string, fromStatuses: string[], set: Partial<PurchaseRow>): Promise<boolean> {
  return (
    (
      await db.orm
        .update(dataPurchases)
        .set(set)
        .where(and(eq(dataPurchases.id, id), inArray(dataPurchases.status, fromStatuses)))
        .run()
    ).changes === 1
  );
}

/** The buyer's purchases of one listing that still give access (newest first). */
export const liveAccess = (db: Db, listingId: string, buyerId: string) =>
  db.orm
    .select()
    .from(dataPurchases)
    .where(and(eq(dataPurchases.listingId, listingId), eq(dataPurchases.buyerId, buyerId), inArray(dataPurchases.status, ['Pending', 'Disputed', 'Completed'])))
    .orderBy(desc(dataPurchases.id))
    .all();

export async function listPurchases(
  db: Db,
  agentId: string,
  role: 'buyer' | 'seller' | 'either',
  status: string | undefined,
  beforeId: string | undefined,
  limit: number,
): Promise<PurchaseRow[]> {
  const mine = {
    buyer: eq(dataPurchases.buyerId, agentId),
    seller: eq(dataPurchases.sellerId, agentId),
    either: or(eq(dataPurchases.buyerId, agentId), eq(dataPurchases.sellerId, agentId)),
  }[role];
  const filters = [mine, status ? eq(dataPurchases.status, status) : undefined, beforeId ? lt(dataPurchases.id, beforeId) : undefined].filter(Boolean);
  return db.orm
    .select()
    .from(dataPurchases)
    .where(and(...filters))
    .orderBy(desc(dataPurchases.id))
    .limit(limit)
    .all();
}

/** Purchases whose confirmation window has passed without a confirmation or a dispute. */
export const duePurchases = (db: Db, nowIso: string) =>
  db.orm
    .select()
    .from(dataPurchases)
    .where(and(eq(dataPurchases.status, 'Pending'), lte(dataPurchases.confirmDeadline, nowIso)))
    .limit(200)
    .all();
