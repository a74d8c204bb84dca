// The PostgreSQL schema on a real cluster: drizzle-pg/'s migrations applied by
// migratePostgres (once, however many servers start together), the ledger's and the audit
// log's immutability, and the full-text search the stores will run (src/db/pg/ts-query.ts).
import { readFileSync } from 'node:fs';
import { drizzle } from 'drizzle-orm/node-postgres';
import { eq, getTableName, is } from 'drizzle-orm';
import { PgTable } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import * as schema from '../../src/db/pg/schema.js';
import { DATA_LISTINGS_RANK, SKILLS_RANK, toTsQuery } from '../../src/db/pg/ts-query.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';

const JOURNAL = JSON.parse(readFileSync(new URL('../../drizzle-pg/meta/_journal.json', import.meta.url), 'utf8')) as { entries: { tag: string }[] };

let cluster: PostgresCluster;
const pools: pg.Pool[] = [];
let databases = 0;

beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(async () => {
  await Promise.all(pools.map((pool) => pool.end()));
  cluster?.stop();
});

/** A fresh, empty database on the cluster, and pools onto it. */
async function freshDatabase(settings = '', createOptions = ''): Promise<(max?: number) => pg.Pool> {
  const name = `market_${++databases}`;
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name} ${createOptions}`);
    if (settings) await admin.query(`ALTER DATABASE ${name} SET ${settings}`);
  } finally {
    await admin.end();
  }
  return (max = 4) => {
    const pool = new pg.Pool({ connectionString: cluster.url.replace(/\/postgres$/, `/${name}`), max });
    pools.push(pool);
    return pool;
  };
}

async function migrated(createOptions = ''): Promise<pg.Pool> {
  const pool = (await freshDatabase('', createOptions))();
  await migratePostgres(pool);
  return pool;
}

const appliedMigrations = async (pool: pg.Pool) =>
  (await pool.query<{ hash: string; created_at: string }>('SELECT hash, created_at FROM drizzle.__drizzle_migrations ORDER BY id')).rows;

describe('migratePostgres', () => {
  it('creates every table of the schema on a fresh database and records each migration once', async () => {
    const pool = await migrated();
    const { rows } = await pool.query<{ table_name: string }>("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name");
    const expected = Object.values(schema)
      .filter((value) => is(value, PgTable))
      .map((table) => getTableName(table))
      .sort();
    expect(rows.map((r) => r.table_name)).toEqual(expected);
    expect(await appliedMigrations(pool)).toHaveLength(JOURNAL.entries.length);

    // Starting again finds nothing to do.
    await migratePostgres(pool);
    expect(await appliedMigrations(pool)).toHaveLength(JOURNAL.entries.length);
  });

  it('migrates once when three servers start at the same moment, even where transactions default to REPEATABLE READ', async () => {
    // Under REPEATABLE READ a waiting server's snapshot would predate the first one's
    // commit; migratePostgres reads the applied list in READ COMMITTED for that reason.
    const pool = await freshDatabase("default_transaction_isolation = 'repeatable read'");
    const servers = [pool(2), pool(2), pool(2)];
    await Promise.all(servers.map((p) => migratePostgres(p)));
    const applied = await appliedMigrations(servers[0]!);
    expect(applied).toHaveLength(JOURNAL.entries.length);
    expect(new Set(applied.map((m) => m.hash)).size).toBe(JOURNAL.entries.length);
  });

  it('applies nothing of a migration run that failed', async () => {
    const pool = (await freshDatabase())();
    // A table in the way of the first migration: its CREATE TABLE fails, and the whole run rolls back.
    await pool.query('CREATE TABLE skills (id text)');
    await expect(migratePostgres(pool)).rejects.toThrow(/already exists/);
    const { rows } = await pool.query("SELECT to_regclass('drizzle.__drizzle_migrations') AS bookkeeping, to_regclass('public.sponsors') AS sponsors");
    expect(rows[0]).toEqual({ bookkeeping: null, sponsors: null });
  });
});

describe('the ledger and the audit log on PostgreSQL', () => {
  let pool: pg.Pool;
  beforeAll(async () => {
    pool = await migrated();
    await pool.query("INSERT INTO sponsors (id, name, created_at) VALUES ('sp1', 'Sponsor', '2026-01-01T00:00:00.000Z')");
    await pool.query(
      `INSERT INTO accounts (id, kind, allow_negative, created_at) VALUES
         ('ext', 'external', 1, '2026-01-01T00:00:00.000Z'), ('wallet', 'agent', 0, '2026-01-01T00:00:00.000Z')`,
    );
  });

  it('records transfers and refuses to change or remove one (UPDATE, DELETE, TRUNCATE)', async () => {
    await pool.query(
      `INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount_msats, entry_type, phase, created_at, prev_hash, hash)
       VALUES (1, 't1', 'ext', 'wallet', 5000, 'TopUp', 'posted', '2026-01-01T00:00:00.000Z', '00', 'h1')`,
    );
    const refusal = { code: '23000', message: 'transfers are immutable: record a reversing transfer instead' };
    await expect(pool.query("UPDATE transfers SET amount_msats = 1 WHERE id = 't1'")).rejects.toMatchObject(refusal);
    await expect(pool.query("DELETE FROM transfers WHERE id = 't1'")).rejects.toMatchObject(refusal);
    await expect(pool.query('TRUNCATE transfers')).rejects.toMatchObject(refusal);
    await expect(pool.query('TRUNCATE accounts CASCADE')).rejects.toMatchObject(refusal);
    const { rows } = await pool.query('SELECT amount_msats::int AS amount FROM transfers');
    expect(rows).toEqual([{ amount: 5000 }]);
  });

  it('numbers audit rows itself and refuses to change or remove one (UPDATE, DELETE, TRUNCATE)', async () => {
    const insert = (id: string) =>
      pool.query(
        `INSERT INTO audit_log (id, sponsor_id, caller_role, caller_id, tool, action_type, amount_msats, outcome, rule, created_at)
         VALUES ($1, 'sp1', 'agent', 'a1', 'marketplace_check_balance', 'read', 0, 'allowed', 'default', '2026-01-01T00:00:00.000Z')`,
        [id],
      );
    await insert('au1');
    await insert('au2');
    const { rows } = await pool.query('SELECT seq::int AS seq, id FROM audit_log ORDER BY seq');
    expect(rows).toEqual([
      { seq: 1, id: 'au1' },
      { seq: 2, id: 'au2' },
    ]);
    const refusal = { code: '23000', message: 'the audit log is append-only' };
    await expect(pool.query("UPDATE audit_log SET outcome = 'denied' WHERE id = 'au1'")).rejects.toMatchObject(refusal);
    await expect(pool.query("DELETE FROM audit_log WHERE id = 'au1'")).rejects.toMatchObject(refusal);
    await expect(pool.query('TRUNCATE audit_log')).rejects.toMatchObject(refusal);
  });

  it('keeps the balance checks: no available balance below zero', async () => {
    await expect(pool.query("UPDATE accounts SET debits_posted_msats = 1 WHERE id = 'wallet'")).rejects.toMatchObject({
      code: '23514',
      constraint: 'accounts_available_not_negative',
    });
    await pool.query("UPDATE accounts SET debits_posted_msats = 1 WHERE id = 'ext'");
  });

  it('reads flags as booleans and JSON columns as values through drizzle, stored as SQLite stores them', async () => {
    const orm = drizzle(pool, { schema });
    const [ext] = await orm.select().from(schema.accounts).where(eq(schema.accounts.id, 'ext'));
    const [wallet] = await orm.select().from(schema.accounts).where(eq(schema.accounts.id, 'wallet'));
    expect([ext?.allowNegative, wallet?.allowNegative]).toEqual([true, false]);
    await orm.insert(schema.callerToolsets).values({ principalId: 'operator', toolsets: ['skills', 'wallet'], updatedAt: '2026-01-01T00:00:00.000Z' });
    const [row] = await orm.select().from(schema.callerToolsets);
    expect(row?.toolsets).toEqual(['skills', 'wallet']);
    const raw = await pool.query("SELECT toolsets, pg_typeof(toolsets)::text AS type FROM caller_toolsets WHERE principal_id = 'operator'");
    expect(raw.rows[0]).toEqual({ toolsets: '["skills","wallet"]', type: 'text' });
    // Defaults are SQLite's stored values: 0 for false, '[]' for an empty list.
    const defaults = await pool.query("INSERT INTO accounts (id, kind, created_at) VALUES ('w2', 'agent', 'now') RETURNING allow_negative::int AS flag");
    expect(defaults.rows[0]).toEqual({ flag: 0 });
  });
});

describe('full-text search on PostgreSQL', () => {
  let pool: pg.Pool;
  const at = '2026-01-01T00:00:00.000Z';

  /** A skill as the catalogue writes it: inserted unlisted, then pointed at a published version (updateListing). */
  async function publishSkill(pool: pg.Pool, s: { id: string; name: string; description: string; tags: string[]; readme: string; installs?: number; published?: boolean }) {
    const pricing = JSON.stringify({ model: 'Free' });
    const split = JSON.stringify({ creator: 60 });
    await pool.query(
      `INSERT INTO skills (id, slug, name, description, tags, author_id, author_kind, pricing, revenue_split, installs, created_at, updated_at)
       VALUES ($1, $1, $2, $3, $4, 'author', 'agent', $5, $6, $7, $8, $8)`,
      [s.id, s.name, s.description, JSON.stringify(s.tags), pricing, split, s.installs ?? 0, at],
    );
    await pool.query(
      `INSERT INTO skill_versions (skill_id, version, status, listing, readme, pricing, revenue_split, files, content_sha256, signature, created_at)
       VALUES ($1, '1.0.0', 'Published', '{}', $2, $3, $4, '[]', 'sha', '{}', $5)`,
      [s.id, s.readme, pricing, split, at],
    );
    if (s.published === false) return;
    await pool.query(`UPDATE skills SET name = $2, description = $3, tags = $4, latest_version = '1.0.0', updated_at = $5 WHERE id = $1`, [
      s.id,
      s.name,
      s.description,
      JSON.stringify(s.tags),
      at,
    ]);
  }

  /** The catalogue's relevance query on PostgreSQL, as proposed for skills-store.ts's searchSkills. */
  async function searchSkills(text: string, on = pool): Promise<{ id: string; rank: number }[]> {
    const query = toTsQuery(text);
    if (query === null) return [];
    const blended = `${SKILLS_RANK} * (1.0 + (CASE WHEN s.rating_count > 0 THEN s.rating_sum * 1.0 / s.rating_count ELSE 0 END) / 10.0) * (1.0 + ln(1.0 + s.installs) / 10.0)`;
    const { rows } = await on.query<{ id: string; rank: number }>(
      `SELECT s.id, ${SKILLS_RANK} AS rank FROM skills s CROSS JOIN to_tsquery('marketplace_search', $1) AS q
       WHERE s.search_vector @@ q AND s.latest_version IS NOT NULL ORDER BY ${blended} DESC, s.rowid DESC LIMIT $2 OFFSET $3`,
      [query, 20, 0],
    );
    return rows;
  }

  const ids = async (text: string, on = pool) => (await searchSkills(text, on)).map((r) => r.id);

  beforeAll(async () => {
    pool = await migrated();
    await publishSkill(pool, { id: 'invoice-parser', name: 'Invoice parser', description: 'Reads PDF bills into JSON', tags: ['finance', 'pdf'], readme: 'Usage: send a file.' });
    await publishSkill(pool, {
      id: 'weather',
      name: 'Weather',
      description: 'Forecasts for any city',
      tags: ['weather'],
      readme: 'Also reads an invoice of the forecast service.',
    });
    await publishSkill(pool, { id: 'tax-helper', name: 'Tax helper', description: 'Prepares returns', tags: ['invoice', 'tax'], readme: 'Nothing more.' });
    await publishSkill(pool, { id: 'cafe', name: 'Café finder', description: 'Finds coffee near you', tags: [], readme: '' });
    await publishSkill(pool, { id: 'mirror', name: 'Site mirror', description: 'Copies docs.example.com nightly (v2.1)', tags: ['web-archive'], readme: '' });
    await publishSkill(pool, { id: 'draft', name: 'Invoice draft', description: 'Not published yet', tags: [], readme: '', published: false });
  });

  it('finds published skills by name, description, tags and readme, ranked name over tags over readme', async () => {
    expect(await ids('invoice')).toEqual(['invoice-parser', 'tax-helper', 'weather']);
    expect(await ids('invoice pdf')).toEqual(['invoice-parser']);
    const [first] = await searchSkills('invoice');
    expect(first!.rank).toBeGreaterThan(0);
  });

  it('matches the last word as a prefix, folds case and accents, and stems nothing', async () => {
    expect(await ids('INVO')).toEqual(['invoice-parser', 'tax-helper', 'weather']);
    expect(await ids('cafe')).toEqual(['cafe']);
    expect(await ids('Café')).toEqual(['cafe']);
    expect(await ids('cafe\u0301')).toEqual(['cafe']);
    expect(await ids('forecast')).toEqual(['weather']);
    expect(await ids('forecasting')).toEqual([]);
  });

  it('splits words at punctuation, as unicode61 does: hosts, versions and hyphenated words are found by their parts', async () => {
    expect(await ids('example')).toEqual(['mirror']);
    expect(await ids('docs.example.com')).toEqual(['mirror']);
    expect(await ids('archive')).toEqual(['mirror']);
    expect(await ids('v2')).toEqual(['mirror']);
  });

  it('folds letters outside ASCII and splits at their punctuation where the database is UTF-8 (LC_CTYPE C.UTF-8)', async () => {
    const utf8 = await migrated("TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C.UTF-8'");
    await publishSkill(utf8, { id: 'greek', name: 'Ελληνικά “Λεξικό”', description: 'Wörterbuch—Übersetzung', tags: [], readme: '' });
    expect(await ids('ελληνικα', utf8)).toEqual(['greek']);
    expect(await ids('λεξικό', utf8)).toEqual(['greek']);
    expect(await ids('ubersetzung', utf8)).toEqual(['greek']);
    expect(await ids('WÖRTERBUCH', utf8)).toEqual(['greek']);
  });

  it('reads nothing the user types as syntax', async () => {
    for (const text of ["invoice' | 'weather", 'invoice & !pdf', "'):* <-> (", 'invoice\\', 'a']) {
      await expect(searchSkills(text)).resolves.toBeInstanceOf(Array);
    }
    expect(await ids("invoice' | 'weather")).toEqual(['weather']);
    expect(toTsQuery('a')).toBeNull();
  });

  it('follows the listing: a withdrawn skill leaves the index, a new description is found at once', async () => {
    await pool.query("UPDATE skills SET latest_version = NULL WHERE id = 'tax-helper'");
    expect(await ids('invoice')).toEqual(['invoice-parser', 'weather']);
    await pool.query("UPDATE skills SET description = 'Finds the best umbrella', latest_version = '1.0.0' WHERE id = 'tax-helper'");
    expect(await ids('umbrella')).toEqual(['tax-helper']);
    // Counting an install rewrites no search vector (the trigger watches the listed columns only).
    await pool.query("UPDATE skills SET installs = installs + 1 WHERE id = 'weather'");
    expect(await ids('forecast')).toEqual(['weather']);
  });

  it('finds active data listings only, title first', async () => {
    await pool.query(`INSERT INTO sponsors (id, name, created_at) VALUES ('sp', 'S', '${at}')`);
    await pool.query(`INSERT INTO agents (id, sponsor_id, name, npub, created_at) VALUES ('seller', 'sp', 'Seller', 'npub1', '${at}')`);
    const listing = (id: string, title: string, license: string | null, status: string) =>
      pool.query(
        `INSERT INTO data_listings (id, seller_id, title, description, listing_type, format, license, price_msats, sha256, status, created_at, updated_at)
         VALUES ($1, 'seller', $2, 'Rows of weather data', 'FullDataset', 'csv', $3, 1000, 'sha', $4, $5, $5)`,
        [id, title, license, status, at],
      );
    await listing('by-license', 'Station readings', 'open rainfall licence', 'Active');
    await listing('by-title', 'Rainfall 2025', 'CC-BY', 'Active');
    await listing('delisted', 'Rainfall archive', null, 'Delisted');
    const { rows } = await pool.query<{ id: string }>(
      `SELECT l.id FROM data_listings l CROSS JOIN to_tsquery('marketplace_search', $1) AS q
       WHERE l.status = 'Active' AND l.search_vector @@ q ORDER BY ${DATA_LISTINGS_RANK} DESC, l.purchases DESC, l.rowid DESC LIMIT 20 OFFSET 0`,
      [toTsQuery('rainfall')],
    );
    expect(rows.map((r) => r.id)).toEqual(['by-title', 'by-license']);
    await pool.query("UPDATE data_listings SET status = 'Active' WHERE id = 'delisted'");
    const again = await pool.query(`SELECT l.id FROM data_listings l WHERE l.search_vector @@ to_tsquery('marketplace_search', $1) ORDER BY l.rowid`, [toTsQuery('archive')]);
    expect(again.rows).toEqual([{ id: 'delisted' }]);
  });
});
