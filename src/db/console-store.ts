// SQL for the console's sign-in sessions (a sponsor's, or the operator's). Only the
// SHA-256 of a session id is stored, so a copy of the database does not sign anyone in.
import { preparedPerConnection, type Db } from './connection.js';
import type { PrincipalKind } from './identity-store.js';

export interface ConsoleSessionRow {
  idHash: string;
  /** Null for the operator's session. */
  sponsorId: string | null;
  tokenHash: string;
  csrfToken: string;
  createdAt: string;
  expiresAt: string;
}

/** A live session, with who its token stands for. */
export interface LiveConsoleSession extends ConsoleSessionRow {
  principalKind: PrincipalKind;
}

function prepare(db: Db) {
  const s = db;
  return {
    insert: s.prepare(
      `INSERT INTO console_sessions (id_hash, sponsor_id, token_hash, csrf_token, created_at, expires_at)
       VALUES (@idHash, @sponsorId, @tokenHash, @csrfToken, @createdAt, @expiresAt)`,
    ),
    // A session lives only as long as the token that opened it: rotating the token ends it.
    findLive: s.prepare(
      `SELECT s.id_hash AS "idHash", s.sponsor_id AS "sponsorId", s.token_hash AS "tokenHash", s.csrf_token AS "csrfToken",
         s.created_at AS "createdAt", s.expires_at AS "expiresAt", t.principal_kind AS "principalKind"
       FROM console_sessions s JOIN tokens t ON t.token_hash = s.token_hash AND t.revoked_at IS NULL
       WHERE s.id_hash = ? AND s.expires_at > ?`,
    ),
    delete: s.prepare(`DELETE FROM console_sessions WHERE id_hash = ?`),
    deleteExpired: s.prepare(`DELETE FROM console_sessions WHERE expires_at <= ?`),
  };
}

const sql = preparedPerConnection(prepare);

export async function insertConsoleSession(db: Db, row: ConsoleSessionRow): Promise<void> {
  await sql(db).insert.run(row);
}

/** The session with this id hash, unless it has expired by nowIso or its token was revoked. */
export async function findLiveConsoleSession(db: Db, idHash: string, nowIso: string): Promise<LiveConsoleSession | undefined> {
  return (await sql(db).findLive.get(idHash, nowIso)) as LiveConsoleSession | undefined;
}

export async function deleteConsoleSession(db: Db, idHash: string): Promise<void> {
  await sql(db).delete.run(idHash);
}

/** Housekeeping: sessions nobody signed out of would otherwise stay forever. */
export async function deleteExpiredConsoleSessions(db: Db, nowIso: string): Promise<number> {
  return (await sql(db).deleteExpired.run(nowIso)).changes;
}
