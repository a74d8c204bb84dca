// The ledger and send_payment on PostgreSQL, beside raw node-postgres writing the same
// rows (one transfer insert and two balance updates a commit, appenders taking turns on
// an advisory lock as the ledger's chain does) on the same cluster at
// synchronous_commit=on: what the store port, SERIALIZABLE and the advisory locks cost.
// A throwaway cluster (Debian's postgresql package) is started for the section and removed after.
import pg from 'pg';
import { uuidv7 } from 'uuidv7';
import { loadConfig } from '../dist/config.js';
import { silentLogger } from '../dist/core/logger.js';
import { authenticate } from '../dist/domain/identity/registration.js';
import { agentAccountId } from '../dist/domain/ledger/accounts.js';
import { postTransfer } from '../dist/domain/ledger/transfers.js';
import { verifyLedger } from '../dist/domain/ledger/verify.js';
import { openContext } from '../dist/runtime.js';
import { createServer } from '../dist/server.js';
import { createSeedDatabase, startPostgres } from '../sim/postgres.mjs';
import { closeMarket, payerAndPayee } from './market.mjs';
import { pairedClient } from './mcp.mjs';
import { compared } from './report.mjs';
import { closedLoop, interleaved, summarize, timeCalls } from './timing.mjs';

const ROUNDS = 3;
const SINGLES_PER_ROUND = 500;
const CLIENTS = 10;
const LOAD_MS = 3_000;

export async function postgresBench(dir) {
  const cluster = await startPostgres();
  try {
    const url = await createSeedDatabase(cluster.url, 1);
    const ctx = await openContext(loadConfig({ db: url, secretKeyFile: `${dir}/pg.key` }, {}), { logger: silentLogger });
    const { payer, payee } = await payerAndPayee(ctx);
    const [from, to] = [agentAccountId(payer.id), agentAccountId(payee.id)];
    const transfer = () => postTransfer(ctx.db, ctx.clock, { debitAccountId: from, creditAccountId: to, amountMsats: 1000, entryType: 'Payment' });

    // Raw rows in a database of their own (migrated, with the same two accounts): they carry no valid hash chain.
    const rawUrl = await createSeedDatabase(cluster.url, 2);
    const setup = await openContext(loadConfig({ db: rawUrl, secretKeyFile: `${dir}/pg-raw.key` }, {}), { logger: silentLogger });
    const rawPair = await payerAndPayee(setup);
    await closeMarket(setup);
    const [rawFrom, rawTo] = [agentAccountId(rawPair.payer.id), agentAccountId(rawPair.payee.id)];
    const raw = new pg.Pool({ connectionString: rawUrl, max: CLIENTS });
    const rawSingle = async () => {
      const c = await raw.connect();
      try {
        await c.query('BEGIN');
        // The rows' sequence numbers are one sequence, as the ledger's chain is: appenders take turns.
        await c.query('SELECT pg_advisory_xact_lock(1)');
        await c.query(
          `INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount_msats, entry_type, phase, created_at, prev_hash, hash)
           VALUES ((SELECT COALESCE(max(seq), 0) + 1 FROM transfers), $1, $2, $3, 1000, 'Payment', 'posted', $4, $5, $5)`,
          [uuidv7(), rawFrom, rawTo, new Date().toISOString(), 'f'.repeat(64)],
        );
        await c.query('UPDATE accounts SET debits_posted_msats = debits_posted_msats + 1000 WHERE id = $1', [rawFrom]);
        await c.query('UPDATE accounts SET credits_posted_msats = credits_posted_msats + 1000 WHERE id = $1', [rawTo]);
        await c.query('COMMIT');
      } finally {
        c.release();
      }
    };

    const single = await interleaved(ROUNDS, {
      raw: async () => ({ ...(await timeCalls(SINGLES_PER_ROUND, rawSingle)), units: SINGLES_PER_ROUND }),
      domain: async () => ({ ...(await timeCalls(SINGLES_PER_ROUND, transfer)), units: SINGLES_PER_ROUND }),
    });

    // send_payment through the tool (the real MCP client over the in-memory transport), 10 at a time, beside raw at 10.
    const clients = await Promise.all(Array.from({ length: CLIENTS }, () => pairedClient(createServer(ctx, { caller: () => authenticate(ctx.db, payer.token) }))));
    const pay = (client, n) => client.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: payee.id, amount_sats: 1, idempotency_key: `bench-${n}` } });
    const tool = await closedLoop(clients, LOAD_MS, pay);
    const rawLoad = await closedLoop(Array.from({ length: CLIENTS }), LOAD_MS, () => rawSingle());
    await Promise.all(clients.map((c) => c.close()));
    await raw.end();

    const report = await verifyLedger(ctx.db);
    if (!report.ok) throw new Error(`the PostgreSQL ledger does not verify after the benchmark: ${JSON.stringify(report.problems.slice(0, 3))}`);
    await closeMarket(ctx);

    const rawSingleRow = { name: 'raw pg single', transport: 'postgres', clients: 1, ...single.raw, note: 'insert + 2 updates, 1 commit each, synchronous_commit=on' };
    const rawLoadRow = {
      name: 'raw pg, 10 at a time',
      transport: 'postgres',
      clients: CLIENTS,
      ...summarize(rawLoad.latencies, rawLoad.seconds),
      note: 'the same rows, 10 connections',
    };
    return [
      rawSingleRow,
      compared({ name: 'pg ledger single transfer', transport: 'postgres', clients: 1, ...single.domain, note: 'postTransfer, SERIALIZABLE, chain lock' }, rawSingleRow),
      rawLoadRow,
      compared(
        {
          name: 'pg send_payment, 10 at a time',
          transport: 'postgres',
          clients: CLIENTS,
          ...summarize(tool.latencies, tool.seconds),
          note: `the tool through the gate, durable; ${tool.failures} failed`,
        },
        rawLoadRow,
      ),
    ];
  } finally {
    cluster.stop();
  }
}
