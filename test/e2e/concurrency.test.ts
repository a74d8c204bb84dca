// Two processes on one database file: no overdraft, no lost update, no busy error,
// and a key shared between them takes effect once.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { agentAccountId } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, closeContexts, fundedAgent, makeContext } from '../support/fixtures.js';
import { fundAgentFromSandbox } from '../../src/domain/agents/funding.js';
import { cliJson } from '../support/processes.js';

const run = promisify(execFile);
const HAMMER = fileURLToPath(new URL('../support/hammer.mjs', import.meta.url));
const OPS = 1500;

describe('two processes hammering one database', () => {
  it('break no invariant of the ledger', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: first } = await fundedAgent(ctx, 100_000);
    const ids = [first.id];
    for (let i = 0; i < 4; i++) {
      const a = await agent(ctx, sponsor.id, `agent ${i}`);
      await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: a.id, amountMsats: 100_000_000 });
      ids.push(a.id);
    }
    const dbPath = ctx.db.path;
    await closeContexts();

    const workers = await Promise.all([11, 29].map((seed) => run(process.execPath, [HAMMER, dbPath, JSON.stringify(ids), String(seed), String(OPS)], { maxBuffer: 1 << 20 })));
    for (const w of workers) {
      const counts = JSON.parse(w.stdout);
      expect(counts.payments + counts.holds + counts.keyed + counts.refused).toBe(OPS);
      expect(counts.payments).toBeGreaterThan(100);
      expect(counts.refused).toBeGreaterThan(0); // the workers did push wallets to their limits
    }

    const db = await openDatabase(dbPath);
    try {
      for (const id of ids) expect((await getBalance(db, agentAccountId(id))).availableMsats).toBeGreaterThanOrEqual(0);
      const keys = db.sqlite!.prepare("SELECT count(*) AS n FROM idempotency_keys WHERE caller_id = 'hammer'").get() as { n: number };
      const deposits = db.sqlite!.prepare("SELECT count(*) AS n FROM transfers WHERE entry_type = 'Deposit'").get() as { n: number };
      expect(deposits.n).toBe(ids.length + keys.n); // one deposit per agent at set-up, one per distinct key
      expect(await verifyLedger(db)).toMatchObject({ ok: true, problems: [] });
    } finally {
      await db.close();
    }
    expect((await cliJson(['ledger', 'verify', '--db', dbPath])).json).toMatchObject({ ok: true });
  });
});
