// npm run test:postgres: the integration and end-to-end suites again, every database a
// PostgreSQL one (test/support/pg-global.ts starts a cluster and makes each test's database
// from a migrated template), plus the suites only PostgreSQL has (test/postgres). npm test
// stays on SQLite. Tests of what only SQLite has (its file, its pragmas) skip themselves
// here (fixtures.ts onPostgres).
import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/postgres/**/*.test.ts', 'test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
    exclude: [
      ...configDefaults.exclude,
      // Not yet on PostgreSQL: these suites check what they did by reading or writing the
      // SQLite file itself (raw statements, pragmas, the file beside its key, a forged row),
      // or a path made from the database's. Each needs its checks through the store port.
      ...[
        'e2e/cli',
        'e2e/concurrency',
        'e2e/governance-cli',
        'e2e/group-commit',
        'e2e/hostile-input-cli',
        'e2e/lightning-cli',
        'e2e/readme-commands',
        'e2e/secrets-at-rest',
        'e2e/skill-delivery-stdio',
        'e2e/webhooks',
        'integration/compute-jobs',
        'integration/deal-properties',
        'integration/discovery',
        'integration/fuzz',
        'integration/gate',
        'integration/ledger',
        'integration/lightning-address',
        'integration/lightning-nwc',
        'integration/lightning-sandbox',
        'integration/skill-delivery',
        'integration/skill-prompts',
        'integration/skill-search-worker',
        'integration/skills',
        'integration/well-formed-text',
      ].map((name) => `test/${name}.test.ts`),
    ],
    globalSetup: ['test/support/build.ts', 'test/support/pg-global.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AGENT_MARKETPLACE_TX_GUARD: '1' },
  },
});
