// Which store a database address names: a postgres:// URL is PostgreSQL, anything else
// a SQLite file (the embedded default, which needs nothing installed).
import type { Db } from './connection.js';
import { isPostgresUrl } from './database-url.js';
import { openPostgres } from './pg/pg-store.js';
import { openSqlite, type OpenOptions } from './sqlite-store.js';

export type { OpenOptions };

export async function openDatabase(target: string, options: OpenOptions = {}): Promise<Db> {
  if (isPostgresUrl(target)) return openPostgres(target, options);
  return openSqlite(target, options);
}
