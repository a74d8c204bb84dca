// Searching the catalogue. User text only ever reaches FTS5 through toFtsQuery, which
// quotes every term, so no query can inject FTS syntax (column filters, NEAR, *, …).
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';
import { searchSkillsOffThread } from '../../db/skill-search.js';
import { decodeCursor, encodeCursor, type Page } from '../pagination.js';
import { rating } from './catalogue.js';
import { toFtsQuery } from '../fts-query.js';
import type { Pricing } from './pricing.js';

export type SearchSort = store.SearchFilter['sort'];
export const SEARCH_SORTS = ['relevance', 'rating', 'installs', 'price', 'newest'] as const satisfies readonly SearchSort[];

/** The store's filter, with user text instead of an FTS expression and a cursor instead of an offset. */
export type SearchInput = Omit<store.SearchFilter, 'match' | 'offset' | 'sort'> & { query?: string; sort?: SearchSort; cursor?: string };

export interface SkillSummary {
  slug: string;
  name: string;
  description: string;
  latest_version: string | null;
  pricing: Pricing;
  rating: number | null;
  rating_count: number;
  installs: number;
  tags: string[];
  author_id: string;
}

/** The store's filter for a search, or null when the text holds no word (it matches nothing). */
function filterFor(input: SearchInput): store.SearchFilter | null {
  const offset = input.cursor ? (decodeCursor(input.cursor, { offset: 'number' }).offset as number) : 0;
  const match = input.query ? toFtsQuery(input.query) : null;
  if (input.query && match === null) return null;
  return {
    match,
    pricingModel: input.pricingModel,
    maxPriceSats: input.maxPriceSats,
    tags: input.tags,
    minRating: input.minRating,
    authorId: input.authorId,
    status: input.status,
    sort: input.sort ?? 'relevance',
    offset,
    // One more than asked for: whether a next page exists.
    limit: input.limit + 1,
  };
}

function pageFrom(rows: store.SkillRow[], filter: store.SearchFilter, limit: number): Page<SkillSummary> {
  const items = rows.slice(0, limit).map((s) => ({
    slug: s.slug,
    name: s.name,
    description: s.description,
    latest_version: s.latestVersion,
    pricing: JSON.parse(s.pricing) as Pricing,
    rating: rating(s),
    rating_count: s.ratingCount,
    installs: s.installs,
    tags: JSON.parse(s.tags) as string[],
    author_id: s.authorId,
  }));
  return { items, next_cursor: rows.length > limit ? encodeCursor({ offset: filter.offset + limit }) : null };
}

/**
 * A page of the catalogue, searched off the main thread (src/db/skill-search.ts): a
 * broad term over a large catalogue keeps no other caller waiting.
 */
export async function searchCatalogue(db: Db, input: SearchInput): Promise<Page<SkillSummary>> {
  const filter = filterFor(input);
  if (!filter) return { items: [], next_cursor: null };
  return pageFrom(await searchSkillsOffThread(db, filter), filter, input.limit);
}

/** The same page, searched here and now: for a domain function that needs it inside its own work. */
export function searchCatalogueNow(db: Db, input: SearchInput): Page<SkillSummary> {
  const filter = filterFor(input);
  if (!filter) return { items: [], next_cursor: null };
  return pageFrom(store.searchSkills(db, filter), filter, input.limit);
}
