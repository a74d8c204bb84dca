// npm run test:postgres: one PostgreSQL cluster for the whole run, with a migrated
// template database; each test's database is a copy of it (fixtures.ts tempDbPath), made
// in a few milliseconds instead of migrating each time. The workers and the servers they
// start find the cluster through MARKETPLACE_TEST_POSTGRES.
import pg from 'pg';
import { migratePostgres } from '../../src/db/pg/migrate.js';
import { pgBinDir, startPostgres } from './postgres.js';

export const TEMPLATE_DATABASE = 'marketplace_template';

export default async function setup(): Promise<() => void> {
  const cluster = await startPostgres();
  const admin = new pg.Client({ connectionString: cluster.url });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${TEMPLATE_DATABASE}`);
  await admin.end();
  const template = new pg.Pool({ connectionString: cluster.url.replace(/\/postgres$/, `/${TEMPLATE_DATABASE}`) });
  await migratePostgres(template);
  await template.end();
  process.env.MARKETPLACE_TEST_POSTGRES = cluster.url;
  process.env.MARKETPLACE_TEST_PG_BIN = pgBinDir();
  return () => cluster.stop();
}
