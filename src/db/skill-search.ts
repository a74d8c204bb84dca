// Skill searches off the main thread. The catalogue query ranks every match of its terms
// (bm25 blended with rating and installs), so a broad term over 100,000 skills costs tens
// of milliseconds; run on the main thread it would stall every other caller for as long
// (the event loop serves everyone). One worker per database, with its own read-only
// connection, runs them in turn; the main thread only posts the filter and reads the rows.
// An in-memory database cannot be shared with a worker, so there the search runs inline.
import fs from 'node:fs';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { MarketError } from '../core/errors.js';
import { PACKAGE_ROOT } from '../package-root.js';
import type { Db } from './connection.js';
import { searchSkills, type SearchFilter } from './skills-store.js';

type Rows = Awaited<ReturnType<typeof searchSkills>>;
type Pending = { resolve: (rows: Rows) => void; reject: (error: unknown) => void };

/** tsc's module beside this one: the bundled command (dist/cli.js) has no file of its own to hand a worker. */
const WORKER_FILE = path.join(PACKAGE_ROOT, 'dist', 'db', 'skill-search-worker.js');

interface Searcher {
  worker: Worker;
  pending: Map<number, Pending>;
  next: number;
}
const searchers = new WeakMap<Db, Searcher>();

function searcherFor(db: Db): Searcher | null {
  const known = searchers.get(db);
  if (known) return known;
  // PostgreSQL runs the query on its own server, not on this thread: no worker needed there.
  if (db.dialect !== 'sqlite' || db.path === ':memory:' || !fs.existsSync(WORKER_FILE)) return null;
  const worker = new Worker(WORKER_FILE, { workerData: { file: db.path } });
  // A worker must never be what keeps a finished process (a command, a test) alive.
  worker.unref();
  const searcher: Searcher = { worker, pending: new Map(), next: 1 };
  const failAll = (error: unknown) => {
    searchers.delete(db);
    for (const p of searcher.pending.values()) p.reject(error);
    searcher.pending.clear();
  };
  worker.on('message', (m: { id: number; rows?: Rows; error?: { code?: string; message: string; details?: Record<string, unknown> } }) => {
    const p = searcher.pending.get(m.id);
    if (!p) return;
    searcher.pending.delete(m.id);
    if (searcher.pending.size === 0) worker.unref();
    if (m.error) p.reject(m.error.code ? new MarketError(m.error.code as MarketError['code'], m.error.message, m.error.details) : new Error(m.error.message));
    else p.resolve(m.rows!);
  });
  // The next search starts a new worker; these fail as the tool's unexpected error.
  worker.on('error', failAll);
  worker.on('exit', (code) => failAll(new Error(`the skill search worker stopped (exit ${code})`)));
  searchers.set(db, searcher);
  // A closed database's worker would hold a thread and a connection for the life of the process.
  db.onClose(() => {
    searchers.delete(db);
    void worker.terminate();
  });
  return searcher;
}

/** searchSkills, run in the database's search worker (inline for an in-memory database, and on PostgreSQL). */
export function searchSkillsOffThread(db: Db, filter: SearchFilter): Promise<Rows> {
  const searcher = searcherFor(db);
  if (!searcher) return Promise.resolve().then(() => searchSkills(db, filter));
  return new Promise((resolve, reject) => {
    const id = searcher.next++;
    searcher.pending.set(id, { resolve, reject });
    // Held while a search is out, so an awaited search cannot be cut off by the process ending.
    searcher.worker.ref();
    searcher.worker.postMessage({ id, filter });
  });
}
