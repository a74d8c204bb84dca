// Leases on PostgreSQL, where several `serve --http` share one database: two servers are
// two contexts, each with its own pool, on one cluster (opened and migrated by
// openContext). The scenarios: test/support/lease-scenarios.ts.
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { silentLogger } from '../../src/core/logger.js';
import { openContext } from '../../src/runtime.js';
import { ManualClock, tempDir } from '../support/fixtures.js';
import { describeLeases } from '../support/lease-scenarios.js';
import { startPostgres, type PostgresCluster } from '../support/postgres.js';

let cluster: PostgresCluster;
let secretKeyFile: string;
const opened: AppContext[] = [];

beforeAll(
  async () => {
    cluster = await startPostgres();
    secretKeyFile = path.join(tempDir(), 'secret.key');
  },
  { parallel: true },
);
afterEach(
  async () => {
    for (const ctx of opened.splice(0)) {
      ctx.rail.close();
      await ctx.db.close();
    }
  },
  { parallel: true },
);
afterAll(() => cluster?.stop());

async function server(clock: ManualClock): Promise<AppContext> {
  const ctx = await openContext(loadConfig({ databaseUrl: cluster.url, secretKeyFile }, {}), { clock, logger: silentLogger });
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
