// A worker process for the concurrency test: hammers one database file with payments,
// holds and keyed (idempotent) top-ups while another process does the same.
import { openDatabase } from '../../dist/db/open.js';
import { fundAgentFromSandbox } from '../../dist/domain/agents/funding.js';
import { systemClock } from '../../dist/domain/clock.js';
import { withIdempotency } from '../../dist/domain/idempotency.js';
import { agentAccountId } from '../../dist/domain/ledger/accounts.js';
import { createHold, postHold, voidHold } from '../../dist/domain/ledger/holds.js';
import { postTransfer } from '../../dist/domain/ledger/transfers.js';

const [dbPath, idsJson, seedText, opsText] = process.argv.slice(2);
const ids = JSON.parse(idsJson);
// mulberry32: a small seeded generator, so a failing run can be replayed.
let seed = Number(seedText) >>> 0;
const random = () => {
  seed = (seed + 0x6d2b79f5) >>> 0;
  let t = seed;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
};
const pick = (list) => list[Math.floor(random() * list.length)];

const db = await openDatabase(dbPath);
const counts = { payments: 0, holds: 0, keyed: 0, refused: 0 };
const EXPECTED = new Set(['INSUFFICIENT_FUNDS', 'CONFLICT']);

for (let i = 0; i < Number(opsText); i++) {
  const from = pick(ids);
  const to = pick(ids.filter((id) => id !== from));
  const amountMsats = 1 + Math.floor(random() * 30_000_000);
  try {
    const r = random();
    if (r < 0.45) {
      await postTransfer(db, systemClock, { debitAccountId: agentAccountId(from), creditAccountId: agentAccountId(to), amountMsats, entryType: 'Payment' });
      counts.payments++;
    } else if (r < 0.85) {
      const hold = await createHold(db, systemClock, { debitAccountId: agentAccountId(from), creditAccountId: agentAccountId(to), amountMsats, entryType: 'Escrow' });
      if (random() < 0.5) await postHold(db, systemClock, hold.id, Math.max(1, Math.floor(amountMsats * random())));
      else await voidHold(db, systemClock, hold.id);
      counts.holds++;
    } else {
      // Both workers use the same 40 keys with the same arguments: each must take effect once.
      const n = Math.floor(random() * 40);
      await withIdempotency(
        db,
        systemClock,
        { callerId: 'hammer', tool: 'fund', key: `k${n}`, args: { agent: ids[n % ids.length], sats: 1000 } },
        async (tx) => (await fundAgentFromSandbox(tx, systemClock, { agentId: ids[n % ids.length], amountMsats: 1_000_000 })).topUp.id,
      );
      counts.keyed++;
    }
  } catch (error) {
    if (!EXPECTED.has(error.code)) {
      process.stderr.write(`unexpected: ${error.code ?? ''} ${error.stack}\n`);
      process.exit(1);
    }
    counts.refused++;
  }
}
await db.close();
process.stdout.write(JSON.stringify(counts));
