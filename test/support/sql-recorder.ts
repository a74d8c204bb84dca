// A Db that runs nothing and remembers every SQL text it is asked for: the store's raw
// statements and the SQL drizzle's builders generate. Calling the stores with it collects
// what each engine would be asked to run, to check the texts there without data.
import { randomBytes } from 'node:crypto';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import type { Db, Dialect, Orm } from '../../src/db/connection.js';
import * as schema from '../../src/db/schema.js';
import { sealer, SECRET_KEY_BYTES } from '../../src/db/sealing.js';

export interface RecordingDb extends Db {
  /** Every text asked for, in first-asked order. */
  readonly texts: Set<string>;
}

export function recordingDb(dialect: Dialect): RecordingDb {
  const texts = new Set<string>();
  const secrets = sealer(randomBytes(SECRET_KEY_BYTES));
  const orm = drizzle(
    (text, _params, method) => {
      texts.add(text);
      // drizzle reads a missing row of get() as rows undefined.
      return Promise.resolve({ rows: method === 'get' ? (undefined as unknown as unknown[]) : [] });
    },
    { schema },
  ) as unknown as Orm;
  const db: RecordingDb = {
    dialect,
    path: `recording:${dialect}`,
    texts,
    orm,
    prepare: ((text: string) => {
      texts.add(text);
      return { get: () => Promise.resolve(undefined), all: () => Promise.resolve([]), run: () => Promise.resolve({ changes: 0 }) };
    }) as Db['prepare'],
    write: (fn) => fn(db),
    writeGrouped: (fn) => fn(db),
    read: (fn) => fn(db),
    durable: () => Promise.resolve(),
    secrets,
    sqlite: null,
    close: () => Promise.resolve(),
    onClose: () => undefined,
  };
  return db;
}

/**
 * The text with '?' and '@name' placeholders numbered as PostgreSQL wants them ($1..$n;
 * one name, one number), and the names in their numbers' order (none for '?'). Quoted
 * strings and identifiers, comments and the '@@' operator are left as they are.
 */
export function numberedParameters(text: string): { text: string; names: string[] } {
  const names: string[] = [];
  let out = '';
  let positional = 0;
  for (let i = 0; i < text.length;) {
    const c = text[i]!;
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && !(text[j] === c && text[j + 1] !== c)) j += text[j] === c ? 2 : 1;
      out += text.slice(i, j + 1);
      i = j + 1;
    } else if (c === '-' && text[i + 1] === '-') {
      const j = text.indexOf('\n', i);
      const end = j === -1 ? text.length : j;
      out += text.slice(i, end);
      i = end;
    } else if (c === '@' && text[i + 1] === '@') {
      out += '@@';
      i += 2;
    } else if (c === '@' && /[A-Za-z_]/.test(text[i + 1] ?? '')) {
      const name = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i + 1))![0];
      let n = names.indexOf(name);
      if (n === -1) n = names.push(name) - 1;
      out += `$${n + 1}`;
      i += 1 + name.length;
    } else if (c === '?') {
      out += `$${++positional}`;
      i += 1;
    } else {
      out += c;
      i += 1;
    }
  }
  return { text: out, names };
}

/**
 * The statements of a Db, run on PostgreSQL as the stores write them (numbered as above;
 * bigints read as numbers): enough to run a store's raw SQL there with data. Everything
 * else is the recording Db's: drizzle's builders and transactions run nothing.
 */
export function rawPostgresDb(pool: { query(text: string, values: unknown[]): Promise<{ rows: unknown[]; rowCount: number | null }> }): RecordingDb {
  const db = recordingDb('postgres');
  const run = async (text: string, params: unknown[]) => {
    const numbered = numberedParameters(text);
    const named = numbered.names.length > 0 ? (params[0] as Record<string, unknown>) : null;
    return pool.query(numbered.text, named ? numbered.names.map((name) => named[name]) : params);
  };
  const raw: RecordingDb = {
    ...db,
    prepare: ((text: string) => ({
      get: async (...params: unknown[]) => (await run(text, params)).rows[0],
      all: async (...params: unknown[]) => (await run(text, params)).rows,
      run: async (...params: unknown[]) => ({ changes: (await run(text, params)).rowCount ?? 0 }),
    })) as Db['prepare'],
    write: (fn) => fn(raw),
    writeGrouped: (fn) => fn(raw),
    read: (fn) => fn(raw),
  };
  return raw;
}
