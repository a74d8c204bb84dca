import os from 'node:os'; import fs from 'node:fs'; import path from 'node:path';
import { openMarket, closeMarket, payerAndPayee } from '../market.mjs';
import { directToolCalls } from '../../dist/server.js';
import { authenticate } from '../../dist/domain/identity/registration.js';
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payprof-'));
const ctx = openMarket(dir, 'p');
const { payer, payee } = payerAndPayee(ctx);
const caller = authenticate(ctx.db, payer.token);
const toolFor = directToolCalls(ctx);
const tool = process.argv[2] ?? 'marketplace_send_payment';
const run = toolFor(caller, tool);
const args = tool === 'marketplace_send_payment' ? { to_agent_id: payee.id, amount_sats: 1 } : {};
const N = 20000, B = 100;
const t0 = performance.now(); const c0 = process.cpuUsage();
for (let i = 0; i < N; i += B) {
  const rs = await Promise.all(Array.from({ length: B }, () => run(args)));
  if (rs.some((r) => r.isError)) throw new Error(JSON.stringify(rs.find((r) => r.isError)));
}
const c = process.cpuUsage(c0); const t = performance.now() - t0;
console.log(tool, `${Math.round(N / (t / 1000))}/s`, `user ${(c.user / N).toFixed(0)} µs/call, system ${(c.system / N).toFixed(0)} µs/call`);
closeMarket(ctx);
