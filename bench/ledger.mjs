// Durable transfers through the domain layer (postTransfer: balance checks, the hash
// chain, daily spending totals) beside raw better-sqlite3 doing only the insert and the
// two balance updates, on the same schema, at the same durability (WAL, synchronous=FULL).
import Database from 'better-sqlite3';
import { uuidv7 } from 'uuidv7';
import { agentAccountId } from '../dist/domain/ledger/accounts.js';
import { postTransfer } from '../dist/domain/ledger/transfers.js';
import { verifyLedger } from '../dist/domain/ledger/verify.js';
import { closeMarket, openMarket, payerAndPayee } from './market.mjs';
import { compared } from './report.mjs';
import { interleaved, timeCalls } from './timing.mjs';

const ROUNDS = 3;
const SINGLES_PER_ROUND = 1_000;
const BATCH = 1_000;
const BATCHES_PER_ROUND = 3;
const GOAL = 0.8;

export async function ledgerBench(dir) {
  const ctx = await openMarket(dir, 'ledger');
  const { payer, payee } = await payerAndPayee(ctx);
  const [from, to] = [agentAccountId(payer.id), agentAccountId(payee.id)];
  const transferOn = (db) => postTransfer(db, ctx.clock, { debitAccountId: from, creditAccountId: to, amountMsats: 1000, entryType: 'Payment' });
  const transfer = () => transferOn(ctx.db);
  const domainBatch = () =>
    ctx.db.write(async (tx) => {
      for (let i = 0; i < BATCH; i++) await transferOn(tx);
    });

  const raw = await openRaw(dir);

  const single = await interleaved(ROUNDS, {
    raw: async () => units(SINGLES_PER_ROUND, await timeCalls(SINGLES_PER_ROUND, raw.single)),
    domain: async () => units(SINGLES_PER_ROUND, await timeCalls(SINGLES_PER_ROUND, transfer)),
  });
  const batched = await interleaved(ROUNDS, {
    raw: async () => units(BATCH * BATCHES_PER_ROUND, await timeCalls(BATCHES_PER_ROUND, raw.batch)),
    domain: async () => units(BATCH * BATCHES_PER_ROUND, await timeCalls(BATCHES_PER_ROUND, domainBatch)),
  });

  const report = await verifyLedger(ctx.db);
  if (!report.ok) throw new Error(`the ledger does not verify after the benchmark: ${JSON.stringify(report.problems.slice(0, 3))}`);
  raw.close();
  await closeMarket(ctx);

  const rawSingle = { name: 'raw single', transport: 'sqlite', clients: 1, ...single.raw, note: 'insert + 2 updates, 1 commit each' };
  const rawBatch = { name: 'raw batch', transport: 'sqlite', clients: 1, ...batched.raw, note: `${BATCH} per commit; p50/p99 per commit` };
  return {
    rawSingle,
    rows: [
      rawSingle,
      compared({ name: 'ledger single transfer', transport: 'domain', clients: 1, ...single.domain, note: 'postTransfer, 1 commit each' }, rawSingle, GOAL),
      rawBatch,
      compared({ name: 'ledger batch', transport: 'domain', clients: 1, ...batched.domain, note: `${BATCH} postTransfer per commit` }, rawBatch, GOAL),
    ],
  };
}

async function units(count, timing) {
  const { latencies, seconds } = await timing;
  return { latencies, seconds, units: count };
}

async function openRaw(dir) {
  // The marketplace's own schema (migrated by openMarket), opened without its code.
  const setup = await openMarket(dir, 'raw');
  const { payer, payee } = await payerAndPayee(setup);
  await closeMarket(setup);
  const db = new Database(setup.db.path);
  db.pragma('busy_timeout = 10000');
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  const [from, to] = [agentAccountId(payer.id), agentAccountId(payee.id)];
  let seq = db.prepare('SELECT COALESCE(max(seq), 0) AS n FROM transfers').get().n;
  const insert = db.prepare(
    `INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount_msats, entry_type, phase, created_at, prev_hash, hash)
     VALUES (?, ?, ?, ?, 1000, 'Payment', 'posted', ?, ?, ?)`,
  );
  // The same bytes as the chain's SHA-256 hex digests, so both write rows of one size;
  // computing the hashes is part of what the domain layer costs.
  const hash = 'f'.repeat(64);
  const debit = db.prepare('UPDATE accounts SET debits_posted_msats = debits_posted_msats + 1000 WHERE id = ?');
  const credit = db.prepare('UPDATE accounts SET credits_posted_msats = credits_posted_msats + 1000 WHERE id = ?');
  const one = () => {
    insert.run(++seq, `tr_${uuidv7().replaceAll('-', '')}`, from, to, new Date().toISOString(), hash, hash);
    debit.run(from);
    credit.run(to);
  };
  const single = db.transaction(one);
  const batch = db.transaction(() => {
    for (let i = 0; i < BATCH; i++) one();
  });
  return { single: () => single.immediate(), batch: () => batch.immediate(), close: () => db.close() };
}
