// The PostgreSQL store: a pool of connections, the same store port as SQLite
// (connection.ts), the same SQL text (placeholders rewritten, placeholders.ts). The
// guarantees SQLite gets from one writer at a time, PostgreSQL gets from SERIALIZABLE
// transactions, each run again when PostgreSQL reports a serialization failure or a
// deadlock: of two calls that both read a balance and spend it, one commits and the other
// runs again and sees the first. Unique constraints keep idempotency keys to one effect;
// rules over many rows take advisory locks in the stores (the ledger's hash chain).
import { createHash } from 'node:crypto';
import { drizzle as drizzleRemote } from 'drizzle-orm/sqlite-proxy';
import pg from 'pg';
import type { Db, Orm, Statement } from '../connection.js';
import { displayedDatabase } from '../database-url.js';
import type { Sealer } from '../sealing.js';
import { defaultSecretKeyFile, unlockSecrets } from '../secret-key.js';
import type { OpenOptions } from '../sqlite-store.js';
import { holdsChainFromStart, TRANSFER_CHAIN_LOCK } from './locks.js';
import { migratePostgres } from './migrate.js';
import { pgValues, toPgPlaceholders, type PgStatementText } from './placeholders.js';

/** How often a transaction is run again after a serialization failure before the error is the caller's. */
const MAX_ATTEMPTS = 40;
// Serialization failure and deadlock; and a unique violation, which is how PostgreSQL reports
// two SERIALIZABLE transactions inserting the same key (an idempotency key, a daily total):
// run again, the second finds the first's row. The stores never insert a duplicate on purpose.
const RETRYABLE = new Set(['40001', '40P01', '23505']);

// Counts and sums come back as bigint (int8) and numeric: JavaScript numbers here, as on
// SQLite. Every amount is integer millisats far below 2^53.
const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20 || oid === 1700) return (value: string) => Number(value);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export interface PostgresOptions extends OpenOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
}

export async function openPostgres(url: string, options: PostgresOptions = {}): Promise<Db> {
  // allowExitOnIdle: a one-shot command ends when its work does, not when idle connections time out.
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types, allowExitOnIdle: true });
  // An idle connection the server dropped must not crash the process; the next query gets a new one.
  pool.on('error', () => undefined);
  try {
    if (options.migrate !== false) await migratePostgres(pool);
    const db = postgresStore(pool, url);
    const keyFile = options.secretKeyFile ?? defaultSecretKeyFile(url);
    db.unlock(await db.write((tx) => unlockSecrets(tx, keyFile, () => new Date().toISOString())));
    return db;
  } catch (error) {
    await pool.end();
    throw error;
  }
}

/** Something that runs a query: the pool (each statement on its own) or one transaction's client. */
type Runner = Pick<pg.Pool | pg.PoolClient, 'query'>;

function postgresStore(pool: pg.Pool, url: string): Db & { unlock(s: Sealer): void } {
  const texts = new Map<string, PgStatementText & { name: string }>();
  const prepared = (sql: string) => {
    let t = texts.get(sql);
    if (!t) {
      // Named, so each connection parses and plans a statement once and reuses it.
      texts.set(sql, (t = { ...toPgPlaceholders(sql), name: `s_${createHash('sha1').update(sql).digest('hex').slice(0, 20)}` }));
    }
    return t;
  };
  const query = async (runner: Runner, sql: string, params: readonly unknown[], rowMode?: 'array') => {
    const t = prepared(sql);
    return runner.query({ name: t.name, text: t.text, values: pgValues(t, params), ...(rowMode ? { rowMode } : {}) });
  };
  const statementOn =
    (runner: Runner) =>
    (sql: string): Statement<unknown[], unknown> => ({
      get: async (...params) => (await query(runner, sql, params)).rows[0],
      all: async (...params) => (await query(runner, sql, params)).rows,
      run: async (...params) => ({ changes: (await query(runner, sql, params)).rowCount ?? 0 }),
    });
  // drizzle's SQLite builders, their SQL run here: the tables are the same, column for column.
  const ormOn = (runner: Runner) =>
    drizzleRemote(async (sql, params, method) => {
      if (method === 'run') {
        const r = await query(runner, sql, params);
        return { rows: [], changes: r.rowCount ?? 0 };
      }
      const r = await query(runner, sql, params, 'array');
      return { rows: method === 'get' ? (r.rows[0] as unknown[]) : (r.rows as unknown[]) };
    }) as unknown as Orm;

  let secrets: Sealer | undefined;
  const closers: (() => void | Promise<void>)[] = [];
  const shown = displayedDatabase(url);

  const handle = (runner: Runner, inTransaction: (fn: (tx: Db) => Promise<unknown>) => Promise<unknown>, read: Db['read']): Db => ({
    dialect: 'postgres',
    path: shown,
    sqlite: null,
    orm: ormOn(runner),
    prepare: statementOn(runner) as Db['prepare'],
    write: inTransaction as Db['write'],
    writeGrouped: inTransaction as Db['writeGrouped'],
    read,
    durable: () => Promise.resolve(),
    get secrets() {
      return secrets!;
    },
    close: () => Promise.reject(new Error('close() inside a transaction')),
    onClose: (fn) => void closers.push(fn),
  });

  /** One transaction on one client; nested writes are savepoints on it. */
  const transactionOn = (client: pg.PoolClient): Db => {
    let depth = 0;
    const nested = async (fn: (tx: Db) => Promise<unknown>) => {
      const name = `sp${++depth}`;
      await client.query(`SAVEPOINT ${name}`);
      try {
        const result = await fn(tx);
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      } finally {
        depth--;
      }
    };
    const tx: Db = handle(client, nested, (fn) => fn(tx));
    return tx;
  };

  const run = async <T>(begin: string, fn: (tx: Db) => Promise<T>): Promise<T> => {
    const client = await pool.connect();
    try {
      for (let attempt = 1; ; attempt++) {
        await client.query(begin);
        // Run again more than twice: the transaction most likely moves money, and everything
        // that does appends to the ledger's chain; holding that lock from the start, it can
        // no longer lose the race to the other transactions that do.
        const tx = transactionOn(client);
        if (attempt > 2 && !begin.includes('READ ONLY')) {
          await client.query(`SELECT pg_advisory_xact_lock(${TRANSFER_CHAIN_LOCK})`);
          holdsChainFromStart.add(tx);
        }
        try {
          const result = await fn(tx);
          await client.query('COMMIT');
          return result;
        } catch (error) {
          await client.query('ROLLBACK').catch(() => undefined);
          const code = pgErrorCode(error);
          if (!code || !RETRYABLE.has(code) || attempt >= MAX_ATTEMPTS) throw error;
          // Another transaction won the race: wait a little (more each time, with jitter) and run again.
          await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(2 ** attempt, 200)));
        }
      }
    } finally {
      client.release();
    }
  };

  const write = <T>(fn: (tx: Db) => Promise<T>) => run('BEGIN ISOLATION LEVEL SERIALIZABLE', fn);
  const root = handle(pool, write, (fn) => run('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY', fn));
  return {
    ...root,
    close: async () => {
      await pool.end();
      for (const fn of closers.splice(0)) await fn();
    },
    onClose: (fn) => void closers.push(fn),
    get secrets() {
      return secrets!;
    },
    unlock: (s) => void (secrets = s),
  };
}

/** PostgreSQL's SQLSTATE of a failure: on the error itself, or on its cause when drizzle wrapped it (DrizzleQueryError). */
function pgErrorCode(error: unknown): string | undefined {
  const e = error as { code?: unknown; cause?: { code?: unknown } } | null;
  const code = e?.code ?? e?.cause?.code;
  return typeof code === 'string' ? code : undefined;
}
