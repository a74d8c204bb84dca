// Group commit under SIGKILL: concurrent payments share commits, and no answer leaves the
// server before its commit is durable, so every payment a client was told about survives
// a kill, and retrying it with its key answers the same transfer without paying again.
import Database from 'better-sqlite3';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterEach, expect, it } from 'vitest';
import { tempDbPath } from '../support/fixtures.js';
import { cliJson, startHttpServer, type RunningServer } from '../support/processes.js';

const servers: RunningServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.stop();
});

async function client(url: string, token: string) {
  const c = new Client({ name: 'group-commit-test', version: '1.0.0' });
  await c.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return c;
}

it('keeps every acknowledged payment through a SIGKILL in the middle of 100 concurrent clients, and pays none twice', { timeout: 60_000 }, async () => {
  const db = tempDbPath();
  const { json: init } = await cliJson(['init', '--db', db]);
  const { json: payee } = await cliJson(['agent', 'create', '--sponsor', init.sponsor.id, '--name', 'payee', '--db', db]);
  await cliJson(['fund', '--agent', init.agent.id, '--sats', '10000', '--db', db]);
  const first = await startHttpServer(['--db', db, '--rate-limit', '0']); // one token, as fast as it goes
  servers.push(first);

  const acknowledged = new Map<string, string>();
  let attempted = 0;
  const pay = (c: Client, key: string) => c.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: payee.id, amount_sats: 1, idempotency_key: key } });
  const clients = await Promise.all(Array.from({ length: 100 }, () => client(first.url, init.agent.token)));
  let killed = false;
  await Promise.all(
    clients.map(async (c, i) => {
      for (let n = 0; !killed; n++) {
        const key = `c${i}-${n}`;
        attempted++;
        let r;
        try {
          r = await pay(c, key);
        } catch {
          return; // the server died under this call: it was never acknowledged
        }
        expect(r.structuredContent).toMatchObject({ status: 'completed' });
        acknowledged.set(key, (r.structuredContent as { transfer_id: string }).transfer_id);
        if (acknowledged.size >= 1_000 && !killed) {
          killed = true;
          first.process.kill('SIGKILL');
        }
      }
    }),
  );
  if (first.process.exitCode === null && first.process.signalCode === null) await new Promise((resolve) => first.process.once('exit', resolve));

  // Every acknowledged payment is on disk…
  const file = new Database(db, { readonly: true });
  const ids = [...acknowledged.values()];
  const found = file.prepare(`SELECT count(*) AS n FROM transfers WHERE id IN (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number };
  // …and no key paid twice: at most one payment per call attempted (one in flight may have committed unanswered).
  const paid = file.prepare(`SELECT count(*) AS n FROM transfers WHERE credit_account_id = ? AND entry_type = 'Payment'`).get(`agent:${payee.id}`) as { n: number };
  file.close();
  expect(found.n).toBe(acknowledged.size);
  expect(paid.n).toBeGreaterThanOrEqual(acknowledged.size);
  expect(paid.n).toBeLessThanOrEqual(attempted);

  // …and a retry of each answers the same transfer, paying nothing more.
  const second = await startHttpServer(['--db', db]);
  servers.push(second);
  const c = await client(second.url, init.agent.token);
  const before = (await c.callTool({ name: 'marketplace_check_balance', arguments: {} })).structuredContent as { balance_sats: number };
  for (const [key, transferId] of [...acknowledged].slice(0, 200)) {
    expect(((await pay(c, key)).structuredContent as { transfer_id: string }).transfer_id).toBe(transferId);
  }
  const after = (await c.callTool({ name: 'marketplace_check_balance', arguments: {} })).structuredContent as { balance_sats: number };
  expect(after.balance_sats).toBe(before.balance_sats);
  expect((await cliJson(['ledger', 'verify', '--db', db])).json.ok).toBe(true);
});
