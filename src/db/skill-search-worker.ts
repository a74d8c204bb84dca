// The worker thread skill searches run in (skill-search.ts starts it): its own read-only
// connection to the database file, one search at a time, rows back by message. A broad
// term over 100,000 skills ranks tens of thousands of matches, tens of milliseconds
// during which the main thread would serve no one else.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import { isMarketError } from '../core/errors.js';
import { readerOf } from './sqlite-store.js';
import { searchSkills, type SearchFilter } from './skills-store.js';

const db = readerOf(new Database((workerData as { file: string }).file, { readonly: true, fileMustExist: true }));

parentPort!.on('message', async ({ id, filter }: { id: number; filter: SearchFilter }) => {
  try {
    parentPort!.postMessage({ id, rows: await searchSkills(db, filter) });
  } catch (error) {
    const coded = isMarketError(error) ? { code: error.code, message: error.message, details: error.details } : null;
    parentPort!.postMessage({ id, error: coded ?? { message: error instanceof Error ? error.message : String(error) } });
  }
});
