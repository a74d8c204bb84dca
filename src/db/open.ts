// Which store a database address names: a postgres:// URL is PostgreSQL, anything else
// a SQLite file (the embedded default, which needs nothing installed).
import type { Db } from './connection.js';
import { openSqlite, type OpenOptions } from './sqlite-store.js';

export type { OpenOptions };

export const isPostgresUrl = (target: string) => /^postgres(ql)?:\/\//i.test(target);

export async function openDatabase(target: string, options: OpenOptions = {}): Promise<Db> {
  if (isPostgresUrl(target)) throw new Error('PostgreSQL is not wired yet');
  return openSqlite(target, options);
}
