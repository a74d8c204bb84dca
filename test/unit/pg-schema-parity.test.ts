// The PostgreSQL schema mirrors SQLite's column for column (src/db/pg/schema.ts says why),
// so the same SQL runs on both. A column, key, index or constraint added to one side and
// not the other fails here, before any store meets a table it does not expect.
import { getTableName, is } from 'drizzle-orm';
import { getTableConfig as pgConfig, PgTable } from 'drizzle-orm/pg-core';
import { getTableConfig as sqliteConfig, SQLiteTable } from 'drizzle-orm/sqlite-core';
import { describe, expect, it } from 'vitest';
import * as pgSchema from '../../src/db/pg/schema.js';
import * as sqliteSchema from '../../src/db/schema.js';

/** What the stores rely on in a column: its name, type family, nullability, key and whether the database fills it in. */
interface ColumnShape {
  key: string;
  name: string;
  type: string;
  notNull: boolean;
  primary: boolean;
  hasDefault: boolean;
}

interface TableShape {
  name: string;
  columns: ColumnShape[];
  primaryKeys: string[][];
  indexes: { name: string; columns: string[]; unique: boolean }[];
  foreignKeys: { columns: string[]; table: string; foreignColumns: string[] }[];
  checks: string[];
}

// The one representation decision (the brief of issue 25): integers, flags included, are
// bigint; reals double precision; text (JSON too) text.
const PG_TYPE_OF_SQLITE: Record<string, string> = { integer: 'bigint', real: 'double precision', text: 'text' };

// The rowid columns whose numbers the ledger always gives (the hash chain's gapless
// position): PostgreSQL gets no identity there, since one would not know the numbers.
const NUMBERED_BY_THE_LEDGER = new Set(['transfers.seq']);

const byName = <T extends { name: string }>(items: T[]) => [...items].sort((a, b) => a.name.localeCompare(b.name));

function sqliteShape(table: SQLiteTable): TableShape {
  const c = sqliteConfig(table);
  const keys = new Map(Object.entries(table).map(([key, column]) => [column, key]));
  return {
    name: c.name,
    columns: byName(
      c.columns.map((col) => ({
        key: keys.get(col) ?? '?',
        name: col.name,
        type: PG_TYPE_OF_SQLITE[col.getSQLType()] ?? `sqlite ${col.getSQLType()}`,
        notNull: col.notNull,
        primary: col.primary,
        // drizzle counts an INTEGER PRIMARY KEY (the rowid, numbered when omitted) as defaulted.
        hasDefault: col.hasDefault && !NUMBERED_BY_THE_LEDGER.has(`${c.name}.${col.name}`),
      })),
    ),
    primaryKeys: c.primaryKeys.map((pk) => pk.columns.map((col) => col.name)),
    indexes: byName(c.indexes.map((i) => ({ name: i.config.name, columns: i.config.columns.map((col) => (col as { name: string }).name), unique: i.config.unique }))),
    foreignKeys: c.foreignKeys
      .map((fk) => fk.reference())
      .map((r) => ({ columns: r.columns.map((col) => col.name), table: getTableName(r.foreignTable), foreignColumns: r.foreignColumns.map((col) => col.name) }))
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    checks: c.checks.map((check) => check.name).sort(),
  };
}

function pgShape(table: PgTable): TableShape {
  const c = pgConfig(table);
  const keys = new Map(Object.entries(table).map(([key, column]) => [column, key]));
  return {
    name: c.name,
    columns: byName(
      c.columns.map((col) => ({
        key: keys.get(col) ?? '?',
        name: col.name,
        type: col.getSQLType(),
        notNull: col.notNull,
        primary: col.primary,
        hasDefault: col.hasDefault || col.generatedIdentity !== undefined,
      })),
    ),
    primaryKeys: c.primaryKeys.map((pk) => pk.columns.map((col) => col.name)),
    indexes: byName(c.indexes.map((i) => ({ name: i.config.name!, columns: i.config.columns.map((col) => (col as { name: string }).name), unique: i.config.unique }))),
    foreignKeys: c.foreignKeys
      .map((fk) => fk.reference())
      .map((r) => ({ columns: r.columns.map((col) => col.name), table: getTableName(r.foreignTable), foreignColumns: r.foreignColumns.map((col) => col.name) }))
      .sort((a, b) => a.columns.join().localeCompare(b.columns.join())),
    checks: c.checks.map((check) => check.name).sort(),
  };
}

const sqliteTables = Object.entries(sqliteSchema as Record<string, unknown>).filter((entry): entry is [string, SQLiteTable] => is(entry[1], SQLiteTable));
const pgTables = Object.entries(pgSchema as Record<string, unknown>).filter((entry): entry is [string, PgTable] => is(entry[1], PgTable));

describe('the PostgreSQL schema mirrors the SQLite one', () => {
  it('has the same tables, exported under the same names', () => {
    expect(sqliteTables.length).toBeGreaterThan(30);
    expect(pgTables.map(([key, table]) => [key, getTableName(table)]).sort()).toEqual(sqliteTables.map(([key, table]) => [key, getTableName(table)]).sort());
  });

  it.each(sqliteTables)('%s: same columns, keys, indexes, foreign keys and checks', (key, table) => {
    const pgTable = (pgSchema as Record<string, unknown>)[key];
    expect(is(pgTable, PgTable), `src/db/pg/schema.ts exports no table ${key}`).toBe(true);
    expect(pgShape(pgTable as PgTable)).toEqual(sqliteShape(table));
  });

  it('numbers audit rows itself on both engines, and leaves transfer numbers to the ledger', () => {
    // SQLite: INTEGER PRIMARY KEY (the rowid) is filled in when omitted; insertAudit omits it.
    expect(pgConfig(pgSchema.auditLog).columns.find((c) => c.name === 'seq')?.generatedIdentity?.type).toBe('byDefault');
    // The ledger numbers transfers itself (the hash chain is gapless); an identity would not be.
    expect(pgConfig(pgSchema.transfers).columns.find((c) => c.name === 'seq')?.generatedIdentity).toBeUndefined();
  });
});
