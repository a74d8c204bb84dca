// Applies drizzle-pg/'s migrations to PostgreSQL. Several stateless servers may start
// at once on one database, and drizzle's own migrator reads the applied list before its
// transaction, so two of them could both apply a migration (or race on CREATE SCHEMA).
// Here one transaction takes an advisory lock first and reads the list under it: the
// first server migrates, the others wait, then find nothing left to do.
import path from 'node:path';
import { readMigrationFiles } from 'drizzle-orm/migrator';
import type pg from 'pg';
import { PACKAGE_ROOT } from '../../package-root.js';

const MIGRATIONS_FOLDER = path.join(PACKAGE_ROOT, 'drizzle-pg');

/** The advisory lock key every server migrates under; any fixed bigint works, as long as it never changes. */
export const MIGRATION_LOCK_KEY = 7_431_925_180_225;

// drizzle's own bookkeeping table (drizzle-orm's pg migrator, drizzle-kit migrate), so
// either can still read a database this function migrated, and the other way round.
const BOOKKEEPING = 'drizzle.__drizzle_migrations';

export async function migratePostgres(pool: pg.Pool): Promise<void> {
  const migrations = readMigrationFiles({ migrationsFolder: MIGRATIONS_FOLDER });
  const client = await pool.connect();
  let failed = false;
  try {
    // READ COMMITTED whatever the server's default: each statement then sees what a server
    // that held the lock before us committed. Under REPEATABLE READ the snapshot would be
    // taken at the lock statement, before that commit, and we would migrate again.
    await client.query('BEGIN ISOLATION LEVEL READ COMMITTED');
    await client.query(`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_KEY})`);
    await client.query('CREATE SCHEMA IF NOT EXISTS drizzle');
    await client.query(`CREATE TABLE IF NOT EXISTS ${BOOKKEEPING} (id SERIAL PRIMARY KEY, hash text NOT NULL, created_at bigint)`);
    const { rows } = await client.query<{ created_at: string | number }>(`SELECT created_at FROM ${BOOKKEEPING} ORDER BY created_at DESC LIMIT 1`);
    const last = rows[0] ? Number(rows[0].created_at) : null;
    for (const migration of migrations) {
      if (last !== null && last >= migration.folderMillis) continue;
      for (const statement of migration.sql) if (statement.trim()) await client.query(statement);
      await client.query(`INSERT INTO ${BOOKKEEPING} (hash, created_at) VALUES ($1, $2)`, [migration.hash, migration.folderMillis]);
    }
    await client.query('COMMIT');
  } catch (error) {
    failed = true;
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    // A connection whose transaction failed is not handed back to the pool.
    client.release(failed);
  }
}
