// Input and output fields every list tool shares (shared/TOOLS.md conventions).
import { z } from 'zod';
import { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../domain/pagination.js';

export const cursorField = z.string().min(1).max(512).optional().describe('next_cursor from the previous page; omit for the first page.');

export const limitField = z
  .number()
  .int()
  .min(1)
  .max(MAX_PAGE_SIZE)
  .default(DEFAULT_PAGE_SIZE)
  .describe(`Items per page (1–${MAX_PAGE_SIZE}, default ${DEFAULT_PAGE_SIZE}).`);

export const idempotencyKeyField = z
  .string()
  .min(1)
  .max(128)
  .optional()
  .describe('Any unique string. Retrying with the same key and arguments returns the first result instead of acting twice.');

export function pageOf<T extends z.ZodType>(item: T) {
  return z.object({ items: z.array(item), next_cursor: z.string().nullable() });
}
