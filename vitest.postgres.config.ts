// npm run test:postgres: the suites that need a real PostgreSQL (Debian's postgresql
// package; test/support/postgres.ts starts a cluster per file). npm test stays on SQLite.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/postgres/**/*.test.ts'],
    globalSetup: ['test/support/build.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    env: { AGENT_MARKETPLACE_TX_GUARD: '1' },
  },
});
