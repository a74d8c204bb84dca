// The PostgreSQL the scale-out tests run on: a real cluster per run (test/support/postgres.ts),
// reached over TCP by node-postgres, with the durability settings the ledger relies on.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';

let cluster: PostgresCluster;
beforeAll(async () => {
  cluster = await startPostgres();
});
afterAll(() => cluster?.stop());

describe('a throwaway PostgreSQL cluster', () => {
  it('takes connections on loopback, commits durably, and refuses a second row under a unique key', async () => {
    const client = new pg.Client({ connectionString: cluster.url });
    await client.connect();
    try {
      const settings = await client.query("SELECT current_setting('fsync') AS fsync, current_setting('synchronous_commit') AS sync");
      expect(settings.rows[0]).toEqual({ fsync: 'on', sync: 'on' });
      await client.query('CREATE TABLE keyed (key text PRIMARY KEY, amount bigint NOT NULL CHECK (amount >= 0))');
      await client.query("INSERT INTO keyed VALUES ('k', 9007199254740993)");
      await expect(client.query("INSERT INTO keyed VALUES ('k', 1)")).rejects.toMatchObject({ code: '23505' });
      const { rows } = await client.query('SELECT amount::text FROM keyed');
      expect(rows).toEqual([{ amount: '9007199254740993' }]);
    } finally {
      await client.end();
    }
  });
});
