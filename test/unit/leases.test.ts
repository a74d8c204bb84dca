// Leases on SQLite: two servers are two contexts on one temporary database file (each its
// own connection, as two processes would have). The scenarios: test/support/lease-scenarios.ts.
import { afterEach } from 'vitest';
import { closeContexts, makeContext, ManualClock } from '../support/fixtures.js';
import { describeLeases } from '../support/lease-scenarios.js';

afterEach(closeContexts);

describeLeases(
  'SQLite',
  async () => {
    const clock = new ManualClock();
    const a = await makeContext({ clock });
    const b = await makeContext({ clock, config: { db: a.config.dbPath } });
    return { a, b, clock };
  },
  { parallel: false },
);
