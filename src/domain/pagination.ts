// Opaque cursors: clients pass back what we gave them and never parse it. Anything
// that does not decode to what we issued is INVALID_INPUT, not a silent first page.
import { MarketError } from '../core/errors.js';

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

export function encodeCursor(position: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(position), 'utf8').toString('base64url');
}

export function decodeCursor<K extends string>(cursor: string, keys: Record<K, 'string' | 'number'>): Record<K, string | number> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  const valid = parsed !== null && typeof parsed === 'object' && Object.entries(keys).every(([k, type]) => typeof (parsed as Record<string, unknown>)[k] === type);
  if (!valid) {
    throw new MarketError('INVALID_INPUT', 'cursor is not one this server issued: pass next_cursor from the previous page unchanged, or omit it for the first page.');
  }
  return parsed as Record<K, string | number>;
}

/** Turns limit+1 fetched rows into a page: the extra row only says another page exists. */
export function toPage<Row, Item>(rows: Row[], limit: number, toItem: (row: Row) => Item, cursorOf: (row: Row) => string): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items: items.map(toItem), next_cursor: rows.length > limit && last !== undefined ? cursorOf(last) : null };
}
