// `npm run bench`: the ledger's and the server's speed on this machine. Prints a table
// and writes bench/results/<time>.json. Never part of `npm test`.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { loadConfig } from '../dist/config.js';
import { fundAgentFromSandbox } from '../dist/domain/agents/funding.js';
import { withIdempotency } from '../dist/domain/idempotency.js';
import { authenticate, createAgent, createSponsor } from '../dist/domain/identity/registration.js';
import { agentAccountId } from '../dist/domain/ledger/accounts.js';
import { createHold, postHold } from '../dist/domain/ledger/holds.js';
import { getBalance, postTransfer } from '../dist/domain/ledger/transfers.js';
import { verifyLedger } from '../dist/domain/ledger/verify.js';
import { setPolicy } from '../dist/domain/governance/policies.js';
import { scanSkillFiles } from '../dist/domain/skills/scanner.js';
import { silentLogger } from '../dist/domain/logger.js';
import { openContext } from '../dist/runtime.js';
import { createServer } from '../dist/server.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-marketplace-bench-'));
const ctx = openContext(loadConfig({ db: path.join(dir, 'bench.db') }, {}), { logger: silentLogger });
const sponsor = createSponsor(ctx.db, ctx.clock, { name: 'bench' });
const a = createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'a' });
const b = createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'b' });
fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: a.id, amountMsats: 1e12 });
const [from, to] = [agentAccountId(a.id), agentAccountId(b.id)];

const rows = [];
async function measure(name, count, fn, note = '') {
  const rssBefore = process.memoryUsage().rss;
  const started = process.hrtime.bigint();
  for (let i = 0; i < count; i++) await fn(i);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  rows.push({ name, count, seconds: +seconds.toFixed(3), per_second: Math.round(count / seconds), rss_growth_mb: +((process.memoryUsage().rss - rssBefore) / 2 ** 20).toFixed(1), note });
}

const pay = () => postTransfer(ctx.db, ctx.clock, { debitAccountId: from, creditAccountId: to, amountMsats: 1000, entryType: 'Payment' });
await measure('transfer (1 per transaction, synchronous=FULL)', 3000, pay, 'fsync-bound');
await measure('transfers (100 per transaction)', 30000, (i) => (i % 100 === 0 ? ctx.db.write(() => { for (let j = 0; j < 100; j++) pay(); }) : undefined), 'one commit per 100');
await measure('hold + post', 2000, () => {
  const hold = createHold(ctx.db, ctx.clock, { debitAccountId: from, creditAccountId: to, amountMsats: 5000, entryType: 'Escrow' });
  postHold(ctx.db, ctx.clock, hold.id, 3000);
});
withIdempotency(ctx.db, ctx.clock, { callerId: a.id, tool: 'pay', key: 'k', args: { n: 1 } }, () => pay().id);
await measure('idempotent replay', 50000, () => withIdempotency(ctx.db, ctx.clock, { callerId: a.id, tool: 'pay', key: 'k', args: { n: 1 } }, () => pay().id));
await measure('balance read', 200000, () => getBalance(ctx.db, from));
await measure('authenticate (token lookup)', 100000, () => authenticate(ctx.db, a.token));

const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
await createServer(ctx, { caller: () => authenticate(ctx.db, a.token) }).connect(serverSide);
const client = new Client({ name: 'bench', version: '1' });
await client.connect(clientSide);
await measure('tools/call marketplace_check_balance (in-memory)', 5000, () => client.callTool({ name: 'marketplace_check_balance', arguments: {} }));
const payee = createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'payee' });
setPolicy(ctx.db, ctx.clock, a.id, { level: 'SemiAutonomous', action_limits: { max_transaction_sats: 10_000, max_daily_spend_sats: 1_000_000_000 }, budgets: [{ period: 'Monthly', limit_sats: 1_000_000_000 }] }, 'bench');
await measure('tools/call marketplace_send_payment (gated, in-memory)', 3000, (i) =>
  client.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: payee.id, amount_sats: 1, idempotency_key: `bench-${i}` } }),
 'policy + audit + payment + key, one commit');
const hostile = 'a-'.repeat(128 * 1024);
await measure('scanner: 256 KiB hostile skill file', 5, () => scanSkillFiles([{ path: 'SKILL.md', content: hostile }]), 'regex backtracking guard');
await measure('ledger verify (whole ledger)', 1, () => {
  const r = verifyLedger(ctx.db);
  if (!r.ok) throw new Error('ledger verify failed');
}, 'see count in JSON');
const transfers = ctx.db.sqlite.prepare('SELECT count(*) AS n FROM transfers').get().n;
rows[rows.length - 1].note = `${transfers} transfers`;

console.table(rows);
const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, `ledger-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ node: process.version, cpus: os.cpus().length, platform: `${os.platform()} ${os.arch()}`, rows }, null, 2));
console.log(`wrote ${file}`);
await client.close();
ctx.db.close();
fs.rmSync(dir, { recursive: true, force: true });
