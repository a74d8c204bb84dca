// Opening the database: pragmas that make the ledger durable and concurrent-safe,
// migrations applied under a write lock, and the one way to run a write transaction.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { PACKAGE_ROOT } from '../package-root.js';
import * as schema from './schema.js';
import type { Sealer } from './sealing.js';
import { defaultSecretKeyFile, unlockSecrets } from './secret-key.js';

export type Orm = BetterSQLite3Database<typeof schema>;

export interface Db {
  readonly path: string;
  readonly sqlite: Database.Database;
  readonly orm: Orm;
  /**
   * Runs fn in a BEGIN IMMEDIATE transaction (better-sqlite3 makes it a savepoint when
   * already inside one, so domain functions compose).
   * IMMEDIATE takes the write lock up front, so two processes cannot both read a
   * balance and then both spend it; the busy timeout queues the second writer.
   */
  write<T>(fn: () => T): T;
  /**
   * Group commit: runs fn (whose writes nest in one shared transaction) and leaves the
   * COMMIT to the end of this turn of the event loop, so calls that arrive together share
   * one fsync. Nothing fn wrote may be acknowledged or acted on outside the database
   * before durable() resolves; a plain write() meanwhile commits the group first.
   */
  writeGrouped<T>(fn: () => T): T;
  /** Resolves once everything written so far is committed (at once when no group is open); rejects if that commit failed. */
  durable(): Promise<void>;
  /** Seals and opens the secrets stored in this database (sealing.ts). */
  readonly secrets: Sealer;
  close(): void;
  /** Runs fn when the database is closed: what was opened beside it (a search worker) goes with it. */
  onClose(fn: () => void): void;
}

const MIGRATIONS_FOLDER = path.join(PACKAGE_ROOT, 'drizzle');
const BUSY_TIMEOUT_MS = 10_000;

export interface OpenOptions {
  migrate?: boolean;
  /** The key secrets are sealed under; default `<file>.key` (a throwaway key for ':memory:'). */
  secretKeyFile?: string;
}

export function openDatabase(file: string, options: OpenOptions = {}): Db {
  if (file !== ':memory:') fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const sqlite = new Database(file);
  sqlite.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  sqlite.pragma('journal_mode = WAL');
  // This better-sqlite3 build silently turns WAL's synchronous down to NORMAL, which
  // can lose committed transfers on power loss. Money wants FULL.
  sqlite.pragma('synchronous = FULL');
  sqlite.pragma('foreign_keys = ON');
  // Each grouped call is a savepoint, whose undo record (the statement journal) SQLite
  // keeps in a temporary file by default: three quarters of a payment's system time went
  // to it. It only ever undoes work not yet committed, so memory loses nothing durable.
  sqlite.pragma('temp_store = MEMORY');
  const orm = drizzle(sqlite, { schema });
  // One transaction wrapper for every write: better-sqlite3's transaction() builds four
  // wrapped functions on each call, which costs about as much as a small write itself.
  const plain = sqlite.transaction((fn: () => unknown) => fn()).immediate;
  const trace = lockTrace();
  const immediate = trace ? traced(sqlite, plain, trace) : plain;
  const group = groupCommit(sqlite, trace);
  let secrets: Sealer | undefined;
  const closers: (() => void)[] = [];
  const db: Db = {
    path: file,
    sqlite,
    orm,
    write: <T>(fn: () => T) => {
      group.settleBeforeWrite();
      return immediate(fn) as T;
    },
    writeGrouped: (fn) => group.run(fn),
    durable: () => group.durable(),
    // Unlocked just below, once the tables it reads exist.
    get secrets() {
      return secrets!;
    },
    close: () => {
      group.commit();
      sqlite.close();
      for (const fn of closers.splice(0)) fn();
    },
    onClose: (fn) => void closers.push(fn),
  };
  if (options.migrate !== false) migrate(db);
  const keyFile = file === ':memory:' ? null : (options.secretKeyFile ?? defaultSecretKeyFile(file));
  try {
    secrets = db.write(() => unlockSecrets(sqlite, keyFile, () => new Date().toISOString()));
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return db;
}

/**
 * One open transaction shared by the grouped writes of one event-loop turn. The waiters
 * are the calls whose answers must not leave before it is durable.
 */
function groupCommit(sqlite: Database.Database, trace: LockTrace | null) {
  let open = false;
  let lockedAt = 0;
  let running = 0;
  let waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  const commit = () => {
    if (!open) return;
    open = false;
    const settled = waiters;
    waiters = [];
    try {
      sqlite.exec('COMMIT');
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec('ROLLBACK');
      for (const w of settled) w.reject(error);
      return;
    } finally {
      trace?.held('group', lockedAt);
    }
    for (const w of settled) w.resolve();
  };
  return {
    commit,
    /** A write outside the group (a sweep, a CLI command) commits the group first, so its own commit means what it always meant. */
    settleBeforeWrite: () => {
      if (open && running === 0) commit();
    },
    run<T>(fn: () => T): T {
      if (!open && !sqlite.inTransaction) {
        sqlite.exec('BEGIN IMMEDIATE');
        if (trace) lockedAt = performance.now();
        open = true;
        setImmediate(commit);
      }
      running++;
      try {
        return fn();
      } finally {
        running--;
      }
    },
    durable: (): Promise<void> => (open ? new Promise((resolve, reject) => waiters.push({ resolve, reject })) : Promise.resolve()),
  };
}

/**
 * How long the write lock is held, for the simulator (AGENT_MARKETPLACE_LOCK_TRACE set;
 * its value, when a number, is the threshold in ms, default 100): each outermost write
 * transaction is timed from the moment it holds the lock (after BEGIN IMMEDIATE, so
 * waiting for another writer does not count) to the end of its COMMIT, a group commit
 * from its BEGIN to its COMMIT. A new longest, and every one over the threshold, is
 * written to stderr as one JSON line, at once: a killed server writes nothing at exit.
 * Unset, none of this is built and writes run the plain path.
 */
interface LockTrace {
  held(kind: 'write' | 'group', since: number): void;
}

function lockTrace(): LockTrace | null {
  const setting = process.env.AGENT_MARKETPLACE_LOCK_TRACE;
  if (!setting) return null;
  const thresholdMs = Number(setting) > 1 ? Number(setting) : 100;
  let longest = 0;
  return {
    held(kind, since) {
      const ms = performance.now() - since;
      const record = ms > longest;
      if (record) longest = ms;
      if (record || ms > thresholdMs) {
        process.stderr.write(`${JSON.stringify({ lock_trace: record ? 'max' : 'over', kind, ms: Math.round(ms * 10) / 10, pid: process.pid, at: new Date().toISOString() })}\n`);
      }
    },
  };
}

/** The transaction wrapper, timed when it is the outermost one (nested ones are savepoints inside it). */
function traced(sqlite: Database.Database, immediate: (fn: () => unknown) => unknown, trace: LockTrace) {
  return (fn: () => unknown): unknown => {
    if (sqlite.inTransaction) return immediate(fn);
    let lockedAt = 0;
    try {
      return immediate(() => {
        lockedAt = performance.now();
        return fn();
      });
    } finally {
      if (lockedAt > 0) trace.held('write', lockedAt);
    }
  };
}

/**
 * Applies drizzle-kit's migrations in one IMMEDIATE transaction. drizzle's own migrator
 * reads the applied list before taking the lock, so two servers starting at once on a
 * fresh file could both apply the same migration; this one reads under the lock.
 * It keeps drizzle's bookkeeping table, so drizzle-kit tooling still understands the file.
 */
export function migrate(db: Db): void {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  db.write(() => {
    db.sqlite.exec('CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
    const last = db.sqlite.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1').get() as { created_at: number } | undefined;
    const insert = db.sqlite.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)');
    for (const migration of migrations) {
      if (last && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) db.sqlite.exec(statement);
      insert.run(migration.hash, migration.folderMillis);
    }
  });
}

/**
 * Statements prepared once per connection and reused: preparing on every call costs more
 * than running a hot query (shared/PERFORMANCE-NOTES.md).
 */
export function preparedPerConnection<T>(prepare: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let statements = cache.get(db);
    if (!statements) cache.set(db, (statements = prepare(db)));
    return statements;
  };
}

/**
 * A read-only connection dressed as a Db, for stores' read functions run off the main
 * thread (skill-search-worker.ts): anything that tries to write is a bug, and says so.
 */
export function readerOf(sqlite: Database.Database): Db {
  const refuse = (): never => {
    throw new Error(`${sqlite.name} is open read-only here: writes go through the main connection.`);
  };
  return {
    path: sqlite.name,
    sqlite,
    orm: drizzle(sqlite, { schema }),
    write: refuse,
    writeGrouped: refuse,
    durable: () => Promise.resolve(),
    get secrets(): Sealer {
      return refuse();
    },
    close: () => sqlite.close(),
    onClose: () => undefined,
  };
}

/** True when the file has no marketplace tables yet (used to decide whether to run init). */
export function isFreshDatabase(db: Db): boolean {
  const row = db.sqlite.prepare('SELECT count(*) AS n FROM sponsors').get() as { n: number };
  return row.n === 0;
}
