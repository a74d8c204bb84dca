// Our HTTP path beside the machine's limit: autocannon (a load generator that does not
// cap the server: many connections, no client-side MCP work) against a bare node:http
// JSON-RPC responder and against `serve --http`, for check_balance with 10 connections
// and durable send_payment with 100, in one run. The server's event-loop delay and
// resident memory are read during each load.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { closeMarket, openMarket, payerAndPayee } from './market.mjs';
import { rssMb, spawnServer } from './mcp.mjs';
import { compared } from './report.mjs';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const BARE = fileURLToPath(new URL('./bare-responder.mjs', import.meta.url));
const LOOP_DELAY = fileURLToPath(new URL('./loop-delay.mjs', import.meta.url));
const SECONDS = 5;
const WARMUP_SECONDS = 1;
/** The goals: check_balance ≥ 0.25× the bare responder; ≥ 8,000 durable payments a second. */
const READ_GOAL = 0.25;
const PAYMENTS_GOAL = 8_000;

const headers = (token) => ({
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
  'mcp-protocol-version': '2025-06-18',
  ...(token ? { authorization: `Bearer ${token}` } : {}),
});
const toolCall = (name, args) => JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name, arguments: args } });

async function load(url, { token, body, connections, seconds = SECONDS, check }) {
  const options = { url, method: 'POST', headers: headers(token), body, connections, pipelining: 1 };
  await autocannon({ ...options, duration: WARMUP_SECONDS });
  let failures = 0;
  const result = await autocannon({
    ...options,
    duration: seconds,
    // Every answer is read: a refused call must not pass for a fast one.
    setupClient: (client) => client.on('body', (b) => (check(b.toString('utf8')) ? undefined : failures++)),
  });
  if (failures > 0 || result.non2xx > 0 || result.errors > 0) throw new Error(`${url}: ${failures} failed answers, ${result.non2xx} non-2xx, ${result.errors} errors`);
  return { calls_per_s: result.requests.average, p50_ms: result.latency.p50, p99_ms: result.latency.p99 };
}

/** CPU seconds the process has used (user + system), from /proc: robust to other load on the machine. */
function cpuSeconds(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks (100 a second on Linux)
  } catch {
    return NaN;
  }
}

/** Runs `during` while sampling the server's memory and reading its event-loop delay and CPU time after. */
async function observed(server, delayFile, during) {
  process.kill(server.pid, 'SIGUSR2'); // start the delay afresh
  const cpuBefore = cpuSeconds(server.pid);
  const samples = [];
  const timer = setInterval(() => samples.push(rssMb(server.pid)), 100);
  try {
    const figures = await during();
    const cpu = cpuSeconds(server.pid) - cpuBefore;
    process.kill(server.pid, 'SIGUSR2');
    await new Promise((r) => setTimeout(r, 100));
    const delay = JSON.parse(fs.readFileSync(delayFile, 'utf8'));
    // Per call, over the warm-up and the measured seconds both.
    const calls = figures.calls_per_s * (SECONDS + WARMUP_SECONDS);
    return { ...figures, loop: delay, rss_mb: Math.max(...samples), cpu_us_per_call: (cpu / calls) * 1e6 };
  } finally {
    clearInterval(timer);
  }
}

export async function httpLimitBench(dir) {
  const ctx = await openMarket(dir, 'http-limit');
  const { payer, payee } = await payerAndPayee(ctx);
  const file = ctx.db.path;
  await closeMarket(ctx);
  const delayFile = path.join(dir, 'loop-delay.json');

  const bare = await spawnServer([BARE]);
  const ours = await spawnServer(['--import', LOOP_DELAY, CLI, 'serve', '--http', '--port', '0', '--rate-limit', '0', '--db', file], { LOOP_DELAY_FILE: delayFile });
  const rows = [];
  try {
    const ok = (text) => text.includes('"result"') && !text.includes('"isError":true');
    const bareRow = {
      name: 'bare node:http JSON-RPC',
      transport: 'http (autocannon)',
      clients: 10,
      ...(await load(bare.url, { body: toolCall('x', {}), connections: 10, check: ok })),
    };
    rows.push(bareRow);
    const balance = await observed(ours, delayFile, () => load(ours.url, { token: payer.token, body: toolCall('marketplace_check_balance', {}), connections: 10, check: ok }));
    rows.push(
      compared(
        {
          name: 'check_balance',
          transport: 'http (autocannon)',
          clients: 10,
          ...balance,
          note: `server CPU ${balance.cpu_us_per_call.toFixed(0)} µs/call; loop delay p99 ${balance.loop.p99_ms.toFixed(1)} ms, max ${balance.loop.max_ms.toFixed(1)} ms; RSS ${balance.rss_mb.toFixed(0)} MB`,
        },
        bareRow,
        READ_GOAL,
      ),
    );
    const payments = await observed(ours, delayFile, () =>
      load(ours.url, {
        token: payer.token,
        body: toolCall('marketplace_send_payment', { to_agent_id: payee.id, amount_sats: 1 }),
        connections: 100,
        check: (t) => ok(t) && t.includes('completed'),
      }),
    );
    rows.push({
      name: 'send_payment (durable)',
      transport: 'http (autocannon)',
      clients: 100,
      ...payments,
      goal_calls_per_s: PAYMENTS_GOAL,
      met: payments.calls_per_s >= PAYMENTS_GOAL,
      note: `goal ≥ ${PAYMENTS_GOAL.toLocaleString('en-US')}/s; server CPU ${payments.cpu_us_per_call.toFixed(0)} µs/call; loop delay p99 ${payments.loop.p99_ms.toFixed(1)} ms, max ${payments.loop.max_ms.toFixed(1)} ms; RSS ${payments.rss_mb.toFixed(0)} MB`,
    });
  } finally {
    await Promise.all([bare.stop(), ours.stop()]);
  }
  return rows;
}
