// Leases on PostgreSQL, where several `serve --http` share one database: two servers are
// two contexts, each with its own pool, on one cluster. The scenarios: test/support/lease-scenarios.ts.
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { silentLogger } from '../../src/core/logger.js';
import { openDatabase } from '../../src/db/open.js';
import { nostrComputeTransport } from '../../src/nostr/dvm-transport.js';
import { sandboxRail } from '../../src/rails/sandbox-rail.js';
import { ManualClock, tempDir } from '../support/fixtures.js';
import { describeLeases } from '../support/lease-scenarios.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';

let cluster: PostgresCluster;
let secretKeyFile: string;
const opened: AppContext[] = [];

beforeAll(async () => {
  cluster = await startPostgres();
  secretKeyFile = path.join(tempDir(), 'secret.key');
});
afterEach(async () => {
  for (const ctx of opened.splice(0)) {
    ctx.rail.close();
    await ctx.db.close();
  }
});
afterAll(() => cluster?.stop());

// Built by hand rather than by openContext: the context is what a server has, over a
// database openDatabase opens (and migrates) as `serve --database-url` does; no system
// accounts, since leases need none.
async function server(clock: ManualClock): Promise<AppContext> {
  const config = loadConfig({ databaseUrl: cluster.url, secretKeyFile }, {});
  const db = await openDatabase(config.dbPath, { secretKeyFile });
  const ctx: AppContext = { db, clock, logger: silentLogger, config, rail: sandboxRail(db, clock), compute: nostrComputeTransport([]) };
  opened.push(ctx);
  return ctx;
}

describeLeases(
  'PostgreSQL',
  async () => {
    const clock = new ManualClock();
    return { a: await server(clock), b: await server(clock), clock };
  },
  { parallel: true },
);
