// SQL for the background work's leases (schema.ts `leases`): which server runs each kind
// of work when several share one database. Written once for both engines.
import { preparedPerConnection, type Db } from './connection.js';

export interface LeaseRow {
  name: string;
  holder: string;
  expiresAt: string;
  acquiredAt: string;
}

const statements = preparedPerConnection((db) => ({
  // One statement decides, so two servers cannot both take a free lease: the row's
  // primary key makes the second insert an update, and the update happens only when the
  // lease is expired or already the caller's. A renewal keeps acquired_at; a takeover
  // restarts it.
  take: db.prepare<[name: string, holder: string, expiresAt: string, acquiredAt: string, now: string]>(
    `INSERT INTO leases (name, holder, expires_at, acquired_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (name) DO UPDATE SET
       acquired_at = CASE WHEN leases.holder = excluded.holder THEN leases.acquired_at ELSE excluded.acquired_at END,
       holder = excluded.holder,
       expires_at = excluded.expires_at
     WHERE leases.expires_at <= ? OR leases.holder = excluded.holder`,
  ),
  read: db.prepare<[string], LeaseRow>(`SELECT name, holder, expires_at AS "expiresAt", acquired_at AS "acquiredAt" FROM leases WHERE name = ?`),
  release: db.prepare<[string]>(`DELETE FROM leases WHERE holder = ?`),
}));

/**
 * Takes or renews the lease `name` for `holder` until `expiresAt`, unless another holder's
 * lease is still running at `now`; returns whoever holds it afterwards.
 */
export async function takeLease(db: Db, name: string, holder: string, now: string, expiresAt: string): Promise<LeaseRow> {
  return db.write(async (tx) => {
    const s = statements(tx);
    await s.take.run(name, holder, expiresAt, now, now);
    const row = await s.read.get(name);
    if (!row) throw new Error(`lease ${name} vanished while it was being taken`);
    return row;
  });
}

export async function readLease(db: Db, name: string): Promise<LeaseRow | null> {
  return (await statements(db).read.get(name)) ?? null;
}

/** Frees every lease `holder` holds, so another server takes its work at once instead of after the expiry. */
export async function releaseLeases(db: Db, holder: string): Promise<number> {
  return (await statements(db).release.run(holder)).changes;
}
