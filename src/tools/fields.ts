// Input and output fields every list tool shares (shared/TOOLS.md conventions).
import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/pagination.js';

export const cursorField = z.string().min(1).max(512).optional().describe('next_cursor from the previous page; omit for the first page.');

export const limitField = z.number().int().min(1).max(MAX_PAGE_SIZE).default(DEFAULT_PAGE_SIZE).describe(`Items per page (1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).`);

export const idempotencyKeyField = z
  .string()
  .min(1)
  .max(128)
  .optional()
  .describe('Any unique string. Retrying with the same key and arguments returns the first result instead of acting twice.');

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}

/**
 * Free-form JSON an agent sends (bounty samples, metadata, a schema) nests at most this
 * deep: deeper input overflows the stack of whatever serialises it next, an INTERNAL
 * error where the agent needs INVALID_INPUT.
 */
export const MAX_JSON_DEPTH = 64;

/** Walks without recursion, so the check itself cannot overflow. */
function nestsWithin(value: unknown, maxDepth: number): boolean {
  const pending: [unknown, number][] = [[value, 0]];
  while (pending.length > 0) {
    const [v, depth] = pending.pop()!;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= maxDepth) return false;
    for (const child of Object.values(v)) pending.push([child, depth + 1]);
  }
  return true;
}

export const freeJson = z.unknown().refine((v) => nestsWithin(v, MAX_JSON_DEPTH), `nests deeper than ${MAX_JSON_DEPTH} levels`);
