// The SQLite store: one connection, durable and concurrent-safe pragmas, migrations
// applied under the write lock, and the transactions of the store port (connection.ts).
// better-sqlite3 is synchronous, so every statement completes at once; what makes a
// transaction asynchronous is the domain's code between statements, and the turn lock
// (turn-lock.ts) keeps other callers out until it commits.
import { AsyncLocalStorage } from 'node:async_hooks';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { drizzle as drizzleSync } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzleRemote } from 'drizzle-orm/sqlite-proxy';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import { PACKAGE_ROOT } from '../package-root.js';
import type { Db, Orm, Statement } from './connection.js';
import * as schema from './schema.js';
import type { Sealer } from './sealing.js';
import { defaultSecretKeyFile, unlockSecrets } from './secret-key.js';
import { turnLock, type TurnLock } from './turn-lock.js';

const MIGRATIONS_FOLDER = path.join(PACKAGE_ROOT, 'drizzle');

/**
 * Code inside a transaction must use the transaction it was handed: a statement on the
 * root handle would wait for the very transaction it runs in, for ever. The tests and the
 * simulator set AGENT_MARKETPLACE_TX_GUARD, and such a statement fails at once, with its
 * stack; without it nothing of this is built (an AsyncLocalStorage costs every promise).
 */
const guard = process.env.AGENT_MARKETPLACE_TX_GUARD ? new AsyncLocalStorage<{ open: boolean }>() : null;
const MISUSE = 'the root database handle was used inside a transaction: use the transaction the callback was handed (tx), or it waits for itself';
const BUSY_TIMEOUT_MS = 10_000;

export interface OpenOptions {
  migrate?: boolean;
  /** The key secrets are sealed under; default `<file>.key` (a throwaway key for ':memory:'). */
  secretKeyFile?: string;
}

export async function openSqlite(file: string, options: OpenOptions = {}): Promise<Db> {
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
  const db = sqliteStore(sqlite, file);
  try {
    if (options.migrate !== false) await migrateSqlite(db, sqlite);
    const keyFile = file === ':memory:' ? null : (options.secretKeyFile ?? defaultSecretKeyFile(file));
    db.unlock(await db.write((tx) => unlockSecrets(tx, keyFile, () => new Date().toISOString())));
  } catch (error) {
    sqlite.close();
    throw error;
  }
  return db;
}

/** Statements by their text, one set per connection: the root and the transaction share them. */
function statementCache(sqlite: Database.Database) {
  const cache = new Map<string, Database.Statement>();
  return (text: string) => {
    let statement = cache.get(text);
    if (!statement) cache.set(text, (statement = sqlite.prepare(text)));
    return statement;
  };
}

/** The rows' and parameters' types are the caller's claim (as with better-sqlite3's own prepare); the engine checks nothing of them. */
const untyped = (prepare: (text: string) => Statement<unknown[], unknown>) => prepare as Db['prepare'];

/** Statements of a handle whose caller may run them now (it holds the turn, or owns the connection): each completes before its promise is made. */
const runAtOnce = (statement: (text: string) => Database.Statement, run?: () => never) =>
  untyped((text) => {
    const s = statement(text);
    return {
      get: (...params) => Promise.resolve(s.get(...params)),
      all: (...params) => Promise.resolve(s.all(...params)),
      run: run ?? ((...params) => Promise.resolve(runOf(s, params))),
    };
  });

// better-sqlite3 refuses to run() a statement that returns rows and to all() one that does not; the port's run() means "I want no rows".
const runOf = (s: Database.Statement, params: unknown[]) => ({ changes: s.run(...params).changes });

function sqliteStore(sqlite: Database.Database, file: string): Db & { unlock(s: Sealer): void } {
  const statement = statementCache(sqlite);
  /** BEGIN, COMMIT, savepoints: prepared once, like every statement (parsing them each time was a tenth of a small write). */
  const control = (text: string) => void statement(text).run();
  const lock = turnLock();
  const trace = lockTrace();
  const closers: (() => void | Promise<void>)[] = [];
  let secrets: Sealer | undefined;

  // The transaction handle: statements run at once (the caller holds the lock).
  const txOrm = drizzleSync(sqlite, { schema }) as unknown as Orm;
  let depth = 0;
  const nested = async <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    const name = `sp${++depth}`;
    control(`SAVEPOINT ${name}`);
    try {
      const result = await fn(tx);
      control(`RELEASE ${name}`);
      return result;
    } catch (error) {
      if (sqlite.inTransaction) sqlite.exec(`ROLLBACK TO ${name}; RELEASE ${name}`);
      throw error;
    } finally {
      depth--;
    }
  };
  const tx: Db = {
    dialect: 'sqlite',
    path: file,
    sqlite,
    orm: txOrm,
    prepare: runAtOnce(statement),
    write: nested,
    writeGrouped: nested,
    read: (fn) => fn(tx),
    durable: () => Promise.reject(new Error('durable() was awaited inside a transaction: it resolves only after the transaction commits')),
    get secrets() {
      return secrets!;
    },
    close: () => Promise.reject(new Error('close() inside a transaction')),
    onClose: (fn) => void closers.push(fn),
  };

  /** Runs a root statement in turn: at once when no transaction is open, else after it. */
  const inTurn = <T>(run: () => T): Promise<T> => {
    if (guard?.getStore()?.open) return Promise.reject(new Error(MISUSE));
    if (!lock.held) return Promise.resolve(run());
    return lock.take().then(() => {
      try {
        return run();
      } finally {
        lock.give();
      }
    });
  };
  const rootOrm = drizzleRemote(
    (text, params, method) =>
      inTurn(() => {
        const s = statement(text);
        if (method === 'run') return { rows: [], ...runOf(s, params) };
        s.raw(true);
        try {
          // drizzle reads a missing row of get() as rows undefined.
          return { rows: (method === 'get' ? s.get(...params) : s.all(...params)) as unknown[] };
        } finally {
          s.raw(false);
        }
      }),
    { schema },
  ) as unknown as Orm;

  const group = groupCommit(sqlite, lock, trace, control);
  /** fn, marked as inside a transaction when the guard is on (guard below). */
  const guarded = <T>(fn: (tx: Db) => Promise<T>): Promise<T> => {
    if (!guard) return fn(tx);
    const mark = { open: true };
    return guard.run(mark, () => fn(tx)).finally(() => (mark.open = false));
  };
  /** A whole transaction in the caller's turn. */
  const transaction = async <T>(begin: string, fn: (tx: Db) => Promise<T>): Promise<T> => {
    if (guard?.getStore()?.open) throw new Error(MISUSE);
    if (!lock.tryTake()) await lock.take();
    try {
      // A write outside the group (a sweep, a command) commits the group first, so its own commit means what it always meant.
      group.commitHeld();
      control(begin);
      const lockedAt = trace ? performance.now() : 0;
      try {
        const result = await guarded(fn);
        control('COMMIT');
        return result;
      } catch (error) {
        if (sqlite.inTransaction) control('ROLLBACK');
        throw error;
      } finally {
        trace?.held('write', lockedAt);
      }
    } finally {
      lock.give();
    }
  };

  return {
    dialect: 'sqlite',
    path: file,
    sqlite,
    orm: rootOrm,
    prepare: untyped((text) => ({
      get: (...params) => inTurn(() => statement(text).get(...params)),
      all: (...params) => inTurn(() => statement(text).all(...params)),
      run: (...params) => inTurn(() => runOf(statement(text), params)),
    })),
    write: (fn) => transaction('BEGIN IMMEDIATE', fn),
    writeGrouped: (fn) => (guard?.getStore()?.open ? Promise.reject(new Error(MISUSE)) : group.run(() => guarded(() => nested(fn)))),
    read: (fn) => transaction('BEGIN', fn),
    durable: () => group.durable(),
    get secrets() {
      return secrets!;
    },
    unlock: (s) => void (secrets = s),
    close: async () => {
      if (!lock.tryTake()) await lock.take();
      group.commitHeld();
      sqlite.close();
      lock.give();
      for (const fn of closers.splice(0)) await fn();
    },
    onClose: (fn) => void closers.push(fn),
  };
}

/**
 * One open transaction shared by the grouped writes of one event-loop turn. Each grouped
 * call is a savepoint in it, taken in turn; the COMMIT waits its turn too. The waiters
 * are the calls whose answers must not leave before it is durable.
 */
function groupCommit(sqlite: Database.Database, lock: TurnLock, trace: LockTrace | null, control: (text: string) => void) {
  let open = false;
  let lockedAt = 0;
  let waiters: { resolve: () => void; reject: (error: unknown) => void }[] = [];
  /** Commits the open group; the caller holds the lock. */
  const commitHeld = () => {
    if (!open) return;
    open = false;
    const settled = waiters;
    waiters = [];
    try {
      control('COMMIT');
    } catch (error) {
      if (sqlite.inTransaction) control('ROLLBACK');
      for (const w of settled) w.reject(error);
      return;
    } finally {
      trace?.held('group', lockedAt);
    }
    for (const w of settled) w.resolve();
  };
  const commitInTurn = () => {
    if (!open) return;
    if (lock.tryTake()) {
      commitHeld();
      lock.give();
    } else {
      void lock.take().then(() => {
        commitHeld();
        lock.give();
      });
    }
  };
  return {
    commitHeld,
    async run<T>(fn: () => Promise<T>): Promise<T> {
      if (!lock.tryTake()) await lock.take();
      try {
        if (!open) {
          control('BEGIN IMMEDIATE');
          if (trace) lockedAt = performance.now();
          open = true;
          setImmediate(commitInTurn);
        }
        return await fn();
      } finally {
        lock.give();
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

/**
 * Applies drizzle-kit's migrations in one IMMEDIATE transaction. drizzle's own migrator
 * reads the applied list before taking the lock, so two servers starting at once on a
 * fresh file could both apply the same migration; this one reads under the lock.
 * It keeps drizzle's bookkeeping table, so drizzle-kit tooling still understands the file.
 */
async function migrateSqlite(db: Db, sqlite: Database.Database): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  await db.write(async () => {
    sqlite.exec('CREATE TABLE IF NOT EXISTS __drizzle_migrations (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at numeric)');
    const last = sqlite.prepare('SELECT created_at FROM __drizzle_migrations ORDER BY created_at DESC LIMIT 1').get() as { created_at: number } | undefined;
    const insert = sqlite.prepare('INSERT INTO __drizzle_migrations (hash, created_at) VALUES (?, ?)');
    for (const migration of migrations) {
      if (last && Number(last.created_at) >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) sqlite.exec(statement);
      insert.run(migration.hash, migration.folderMillis);
    }
  });
}

/**
 * A read-only connection dressed as a Db, for stores' read functions run off the main
 * thread (skill-search-worker.ts): it is that thread's own connection, so no turns are
 * taken; anything that tries to write is a bug, and says so.
 */
export function readerOf(sqlite: Database.Database): Db {
  const refuse = (): never => {
    throw new Error(`${sqlite.name} is open read-only here: writes go through the main connection.`);
  };
  const statement = statementCache(sqlite);
  const reader: Db = {
    dialect: 'sqlite',
    path: sqlite.name,
    sqlite,
    orm: drizzleSync(sqlite, { schema }) as unknown as Orm,
    prepare: runAtOnce(statement, refuse),
    write: refuse,
    writeGrouped: refuse,
    read: (fn) => fn(reader),
    durable: () => Promise.resolve(),
    get secrets(): Sealer {
      return refuse();
    },
    close: async () => void sqlite.close(),
    onClose: () => undefined,
  };
  return reader;
}
