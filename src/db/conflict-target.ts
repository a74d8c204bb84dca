// The columns of an ON CONFLICT target as both engines accept them. drizzle's SQLite
// builder names each target column with its table ("t"."c"), which SQLite takes and
// PostgreSQL refuses (a conflict target names the inserted table's columns bare).
import { sql } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';

/** For onConflictDoUpdate's target: the columns by their bare names. */
export function conflictTarget(...columns: SQLiteColumn[]): SQLiteColumn[] {
  // drizzle renders the target as SQL chunks, so identifiers stand in for the columns.
  return columns.map((column) => sql.identifier(column.name)) as unknown as SQLiteColumn[];
}
