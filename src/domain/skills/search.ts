// Searching the catalogue. The store turns the user's text into an FTS5 expression that
// quotes every term (src/db/fts-query.ts), so no query can inject FTS syntax.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';
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

export function searchCatalogue(db: Db, input: SearchInput): Page<SkillSummary> {
  const offset = input.cursor ? (decodeCursor(input.cursor, { offset: 'number' }).offset as number) : 0;
  const rows = store.searchSkills(db, {
    text: input.query,
    pricingModel: input.pricingModel,
    maxPriceSats: input.maxPriceSats,
    tags: input.tags,
    minRating: input.minRating,
    authorId: input.authorId,
    status: input.status,
    sort: input.sort ?? 'relevance',
    offset,
    limit: input.limit + 1,
  });
  const items = rows.slice(0, input.limit).map((s) => ({
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
  return { items, next_cursor: rows.length > input.limit ? encodeCursor({ offset: offset + input.limit }) : null };
}
