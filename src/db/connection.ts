// The store port: what the domain asks of a database, whichever engine holds it. A Db
// runs SQL written once for both engines ('?' or '@name' parameters, which pg/placeholders.ts numbers,
// quoted camelCase aliases, ON CONFLICT upserts) and drizzle's builders, and gives
// asynchronous transactions. A transaction is itself a Db: a domain function takes a Db
// and works the same whether it is handed the root (each statement on its own) or a
// transaction (nested writes become savepoints, so domain functions compose).
//
// The engines: SQLite (sqlite-store.ts: one connection, BEGIN IMMEDIATE, group commit,
// synchronous=FULL), the embedded default; PostgreSQL (pg/pg-store.ts) to scale out.
import type Database from 'better-sqlite3';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import type * as schema from './schema.js';
import type { Sealer } from './sealing.js';

export type Dialect = 'sqlite' | 'postgres';

/** drizzle's builders over the SQLite schema, awaited on either engine (the PostgreSQL tables mirror it column for column). */
export type Orm = BaseSQLiteDatabase<'async', { changes: number }, typeof schema>;

/**
 * A statement prepared once per handle and run many times; its parameters are bound as
 * better-sqlite3 binds them (positional values, or one object for '@name' placeholders).
 */
export interface Statement<P extends unknown[] = unknown[], R = unknown> {
  get(...params: P): Promise<R | undefined>;
  all(...params: P): Promise<R[]>;
  run(...params: P): Promise<{ changes: number }>;
}

export interface Db {
  readonly dialect: Dialect;
  /** The SQLite file, or the PostgreSQL URL without its password. */
  readonly path: string;
  readonly orm: Orm;
  /** Portable SQL (see the top of this file); the engine keeps what it prepared by the text, so building a statement again is cheap. */
  prepare<P extends unknown[] | object = unknown[], R = unknown>(sql: string): P extends unknown[] ? Statement<P, R> : Statement<[P], R>;
  /**
   * Runs fn in a write transaction and commits it (a savepoint when this Db is already a
   * transaction). SQLite: BEGIN IMMEDIATE, so two processes cannot both read a balance and
   * then both spend it. PostgreSQL: SERIALIZABLE, run again on a serialization failure —
   * so fn must do nothing outside the database it could not do twice.
   * fn must not wait for anything but the database: on SQLite every other caller waits for it.
   */
  write<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /**
   * Group commit: like write, but on SQLite the COMMIT is left to the end of this turn of
   * the event loop, so calls that arrive together share one fsync. Nothing fn wrote may be
   * acknowledged or acted on outside the database before durable() resolves.
   */
  writeGrouped<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** A read-only transaction: one consistent view for several statements (the ledger's verification). */
  read<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  /** Resolves once everything written so far is committed; rejects if that commit failed. */
  durable(): Promise<void>;
  /** Seals and opens the secrets stored in this database (sealing.ts). */
  readonly secrets: Sealer;
  /** The raw SQLite connection, for what only SQLite has (PRAGMAs, the search worker); null on PostgreSQL. */
  readonly sqlite: Database.Database | null;
  close(): Promise<void>;
  /** Runs fn when the database is closed: what was opened beside it (a search worker) goes with it. */
  onClose(fn: () => void | Promise<void>): void;
}

/** The SQLite connection of a Db known to be SQLite (a command or test that only makes sense there). */
export function sqliteOf(db: Db): Database.Database {
  if (!db.sqlite) throw new Error(`${db.path} is a ${db.dialect} database; this needs SQLite.`);
  return db.sqlite;
}

/** True when the database has no marketplace tables filled yet (used to decide whether to run init). */
export async function isFreshDatabase(db: Db): Promise<boolean> {
  const row = await db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sponsors').get();
  return Number(row?.n ?? 0) === 0;
}

/**
 * Statements prepared once per handle and reused: preparing on every call costs more
 * than running a hot query (shared/PERFORMANCE-NOTES.md). A handle lives as long as its
 * connection (a SQLite store has two: the root and its one transaction).
 */
export function preparedPerConnection<T>(prepare: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let statements = cache.get(db);
    if (!statements) cache.set(db, (statements = prepare(db)));
    return statements;
  };
}
