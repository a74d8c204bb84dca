// npm run test:postgres: the integration and end-to-end suites again, every database a
// PostgreSQL one (test/support/pg-global.ts starts a cluster and makes each test's database
// from a migrated template), plus the suites only PostgreSQL has (test/postgres). npm test
// stays on SQLite. Tests of what only SQLite has (its file, its pragmas) skip themselves
// here (fixtures.ts onPostgres).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/postgres/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    globalSetup: ['test/support/build.ts', 'test/support/pg-global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AGENT_MARKETPLACE_TX_GUARD: '1' },
  },
});
