// Full-text search on PostgreSQL (drizzle-pg/0004_search.sql). The words come from
// SQLite's MATCH expression (../fts-query.ts), so both engines search for the same words
// and nothing the user types is read as tsquery syntax: each word is quoted, all must
// match (& as FTS5's implicit AND), and the last is a prefix when FTS5's would be.

import { toFtsQuery } from '../fts-query.js';

/** to_tsquery('marketplace_search', <this>) text for what the user typed; null when it holds no word. */
export function toTsQuery(text: string): string | null {
  const match = toFtsQuery(text);
  if (match === null) return null;
  return [...match.matchAll(/"((?:[^"]|"")*)"(\*?)/g)].map(([, word = '', prefix]) => `${quoted(word.replaceAll('""', '"'))}${prefix ? ':*' : ''}`).join(' & ');
}

// Words hold no quote or backslash today (fts-query.ts's WORD); escaping keeps it safe if that widens.
function quoted(word: string): string {
  return `'${word.replaceAll('\\', '\\\\').replaceAll("'", "''")}'`;
}

/**
 * Relevance of a match, larger is better (bm25's is negative, smaller better). The weight
 * arrays are {D, C, B, A}: SQLite's bm25 column weights divided by the largest, so
 * skills weigh name 10, description 4, tags 3, readme 1, and data listings title 10,
 * description 4, format 2, license 1, as in skills-store.ts and data-store.ts.
 */
export const SKILLS_RANK = "ts_rank_cd('{0.1,0.3,0.4,1.0}', s.search_vector, q)";
export const DATA_LISTINGS_RANK = "ts_rank_cd('{0.1,0.2,0.4,1.0}', l.search_vector, q)";
