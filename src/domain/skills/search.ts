// Searching the catalogue. The store turns the user's text into an FTS5 expression that
// quotes every term (src/db/fts-query.ts), so no query can inject FTS syntax.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';
import { searchSkillsOffThread } from '../../db/skill-search.js';
import { decodeCursor, encodeCursor, type Page } from '../pagination.js';
import { rating } from './catalogue.js';
import type { Pricing } from './pricing.js';

export type SearchSort = store.SearchFilter['sort'];
export const SEARCH_SORTS = ['relevance', 'rating', 'installs', 'price', 'newest'] as const satisfies readonly SearchSort[];

/** The store's filter, with a cursor instead of an offset. */
export type SearchInput = Omit<store.SearchFilter, 'text' | 'offset' | 'sort'> & { query?: string; sort?: SearchSort; cursor?: string };

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

/** The store's filter for a search. */
function filterFor(input: SearchInput): store.SearchFilter {
  const offset = input.cursor ? (decodeCursor(input.cursor, { offset: 'number' }).offset as number) : 0;
  return {
    text: input.query,
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
    pricing: s.pricing,
    rating: rating(s),
    rating_count: s.ratingCount,
    installs: s.installs,
    tags: s.tags,
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
  return pageFrom(await searchSkillsOffThread(db, filter), filter, input.limit);
}

/** The same page, searched here and now: for a domain function that needs it inside its own work. */
export async function searchCatalogueNow(db: Db, input: SearchInput): Promise<Page<SkillSummary>> {
  const filter = filterFor(input);
  return pageFrom(await store.searchSkills(db, filter), filter, input.limit);
}
