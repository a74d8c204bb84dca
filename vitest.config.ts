import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Those need a PostgreSQL: npm run test:postgres (vitest.postgres.config.ts).
    exclude: [...configDefaults.exclude, 'test/postgres/**'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // A statement on the root handle inside a transaction fails at once instead of waiting for itself (src/db/sqlite-store.ts).
    env: { AGENT_MARKETPLACE_TX_GUARD: '1' },
  },
});
