// Every SQL text the stores can produce, checked on both engines without data: each store
// function is called with a Db that records what it is asked to run (test/support/
// store-calls.ts, sql-recorder.ts), once as SQLite and once as PostgreSQL, with filters
// that reach every shape of the dynamic queries. SQLite must prepare the SQLite texts, and
// PostgreSQL (a real cluster, drizzle-pg's migrations applied) must PREPARE the PostgreSQL
// ones, which checks their syntax, names and parameter types without running them.
import { rmSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import * as identityStore from '../../src/db/identity-store.js';
import { PERIOD_BUCKETS } from '../../src/db/skill-analytics-store.js';
import * as skillsStore from '../../src/db/skills-store.js';
import { openSqlite } from '../../src/db/sqlite-store.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';
import { numberedParameters, rawPostgresDb } from '../support/sql-recorder.js';
import { CALLS, keyDir, NOW, textsFor } from '../support/store-calls.js';

/** PostgreSQL's numeric type, which node-postgres reads as a string. */
const NUMERIC = 1700;

describe('the stores’ SQL', () => {
  it('calls every function of every store', () => {
    for (const [name, [module, calls]] of Object.entries(CALLS)) {
      const functions = Object.entries(module)
        .filter(([, value]) => typeof value === 'function')
        .map(([key]) => key)
        .sort();
      expect(Object.keys(calls).sort(), name).toEqual(functions);
    }
  });

  it('prepares on SQLite', async () => {
    const db = await openSqlite(':memory:');
    try {
      const failures: { text: string; error: string }[] = [];
      for (const text of await textsFor('sqlite')) {
        try {
          db.sqlite!.prepare(text);
        } catch (error) {
          failures.push({ text, error: (error as Error).message });
        }
      }
      expect(failures).toEqual([]);
    } finally {
      await db.close();
    }
  });

  describe('on PostgreSQL', () => {
    let cluster: PostgresCluster;
    let pool: pg.Pool;
    beforeAll(async () => {
      cluster = await startPostgres();
      // Bigints read as numbers, as the engine reads them.
      pool = new pg.Pool({
        connectionString: cluster.url,
        max: 1,
        types: { getTypeParser: ((oid: number, format: never) => (oid === 20 ? Number : pg.types.getTypeParser(oid, format))) as never },
      });
      await migratePostgres(pool);
    });
    afterAll(async () => {
      await pool?.end();
      cluster?.stop();
      rmSync(keyDir, { recursive: true, force: true });
    });

    it('PREPAREs every text (syntax, names and parameter types)', async () => {
      const failures: { text: string; error: string }[] = [];
      const texts = await textsFor('postgres');
      expect(texts.length).toBeGreaterThan(150);
      for (const [i, text] of texts.entries()) {
        try {
          await pool.query(`PREPARE portable_${i} AS ${numberedParameters(text).text}`);
        } catch (error) {
          failures.push({ text, error: (error as Error).message });
        }
      }
      expect(failures).toEqual([]);
    });

    it('reads sums as integers: no column comes back numeric, which the driver would hand over as text', async () => {
      const client = await pool.connect();
      const numeric: string[] = [];
      try {
        for (const text of await textsFor('postgres')) {
          if (!/^\s*(select|with)\b|\breturning\b/i.test(text)) continue;
          const numbered = numberedParameters(text).text;
          await client.query(`PREPARE probe AS ${numbered}`);
          const { rows } = await client.query<{ n: number }>("SELECT cardinality(parameter_types) AS n FROM pg_prepared_statements WHERE name = 'probe'");
          await client.query('DEALLOCATE probe');
          // Run on the empty tables with every parameter null, and undone: only the row's shape is wanted.
          await client.query('BEGIN');
          try {
            const { fields } = await client.query(
              numbered,
              Array.from({ length: rows[0]!.n }, () => null),
            );
            for (const field of fields) if (field.dataTypeID === NUMERIC) numeric.push(`${field.name} in ${text}`);
          } finally {
            await client.query('ROLLBACK');
          }
        }
      } finally {
        client.release();
      }
      expect(numeric).toEqual([]);
    });

    it('puts payments in the weeks SQLite’s strftime %W puts them in', async () => {
      const days: string[] = [];
      for (let t = Date.UTC(2019, 11, 20); t <= Date.UTC(2031, 0, 10); t += 86_400_000) days.push(new Date(t + 43_200_000).toISOString());
      const values = days.map((day) => `('${day}')`).join(', ');
      const onPostgres = await pool.query(`SELECT created_at, ${PERIOD_BUCKETS.week.postgres} AS week FROM (VALUES ${values}) AS p(created_at) ORDER BY created_at`);
      const sqlite = new Database(':memory:');
      try {
        const onSqlite = sqlite
          .prepare(`SELECT created_at, ${PERIOD_BUCKETS.week.sqlite} AS week FROM (SELECT column1 AS created_at FROM (VALUES ${values})) ORDER BY created_at`)
          .all();
        expect(onPostgres.rows).toEqual(onSqlite);
      } finally {
        sqlite.close();
      }
    });

    it('finds skills by their words, tags, pricing model and rating on PostgreSQL', async () => {
      const db = rawPostgresDb(pool);
      const skill = (id: string, name: string, tags: string[], model: string) => ({
        id,
        slug: id,
        name,
        description: `${name}, as a service`,
        tags,
        authorId: 'author',
        authorKind: 'agent',
        iconUrl: null,
        requiredMcpServers: [],
        pricing: { model } as never,
        referencePriceSats: 10,
        revenueSplit: {} as never,
        createdAt: NOW,
      });
      for (const s of [skill('weather', 'Weather forecasts', ['weather', 'api'], 'per_call'), skill('tides', 'Tide tables', ['ocean'], 'free')]) {
        await skillsStore.insertSkill(db, s);
        // Publishing sets latest_version, which fills the search vector (drizzle-pg/0004_search.sql).
        await skillsStore.updateListing(db, { ...s, latestVersion: '1.0.0', updatedAt: NOW });
      }
      await skillsStore.addRating(db, 'weather', 9, 2);
      const found = async (f: Partial<skillsStore.SearchFilter>) => (await skillsStore.searchSkills(db, { sort: 'relevance', offset: 0, limit: 10, ...f })).map((r) => r.slug);
      expect(await found({})).toEqual(['tides', 'weather']);
      expect(await found({ text: 'forec' })).toEqual(['weather']);
      expect(await found({ text: 'tables tide' })).toEqual(['tides']);
      expect(await found({ tags: ['api', 'weather'] })).toEqual(['weather']);
      expect(await found({ tags: ['ocean', 'api'] })).toEqual([]);
      expect(await found({ pricingModel: 'free' })).toEqual(['tides']);
      expect(await found({ minRating: 4.5 })).toEqual(['weather']);
      expect(await found({ minRating: 4.6 })).toEqual([]);
      const [weather] = await skillsStore.searchSkills(db, { text: 'weather', sort: 'relevance', offset: 0, limit: 1 });
      expect(weather).toMatchObject({ slug: 'weather', tags: ['weather', 'api'], ratingSum: 9, ratingCount: 2, authorId: 'author' });
      expect(weather!.rank).toBeGreaterThan(0);
    });

    it('tells a new data version once anything was written', async () => {
      const db = rawPostgresDb(pool);
      const first = await identityStore.dataVersion(db);
      expect(await identityStore.dataVersion(db)).toBe(first);
      await pool.query("INSERT INTO marketplace_settings (key, value, created_at) VALUES ('probe', 'x', '2026-01-01T00:00:00.000Z')");
      expect(await identityStore.dataVersion(db)).not.toBe(first);
    });
  });
});
