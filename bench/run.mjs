// `npm run bench`: the ledger, MCP overhead, search and routing on this machine, each
// beside a baseline doing the least the same work needs, in one table. Writes
// bench/results.json (machine, Node version, date, every row). Never part of `npm test`.
//
//   node bench/run.mjs [ledger] [mcp] [http] [skills] [routing] [startup] [postgres]   only these sections
//   BENCH_CPU_PROFILE=DIR                                  CPU profile of `serve --http` into DIR
//                                                          (read it with bench/cpu-profile.mjs)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpLimitBench } from './http-limit.mjs';
import { ledgerBench } from './ledger.mjs';
import { mcpBench } from './mcp.mjs';
import { postgresBench } from './postgres.mjs';
import { machine, renderTable, writeResults } from './report.mjs';
import { routingBench } from './routing.mjs';
import { skillsBench } from './skills.mjs';
import { startupBench } from './startup.mjs';

const SECTIONS = ['ledger', 'mcp', 'http', 'skills', 'routing', 'startup', 'postgres'];
const chosen = process.argv.slice(2);
for (const name of chosen) if (!SECTIONS.includes(name)) throw new Error(`unknown section ${name}; choose from ${SECTIONS.join(', ')}`);
const runs = (name) => chosen.length === 0 || chosen.includes(name);

const startedAt = new Date();
const host = machine();
const log = (message) => process.stderr.write(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(3)} s] ${message}\n`);
log(`${host.cpu} × ${host.cpus}, ${host.memory_gb} GB, Node ${host.node}, load ${host.load_average_at_start.join(' ')}`);

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-marketplace-bench-'));
const rows = [];
try {
  // The ledger runs first: its raw durable commit rate is the payment tools' disk ceiling.
  const ledger = runs('ledger') || runs('mcp') ? (log('ledger: durable transfers, domain vs raw better-sqlite3'), await ledgerBench(dir)) : null;
  if (runs('ledger')) rows.push(...ledger.rows);
  if (runs('mcp')) {
    log('mcp: in-memory pair, then Streamable HTTP with 1, 10, 100 clients');
    rows.push(...(await mcpBench(dir, { rawSingle: ledger.rawSingle, profileDir: process.env.BENCH_CPU_PROFILE })));
  }
  if (runs('http')) {
    log('http: autocannon against a bare node:http responder and serve --http (check_balance ×10, send_payment ×100)');
    rows.push(...(await httpLimitBench(dir)));
  }
  if (runs('skills')) {
    log('skills: search over 100,000 skills, installs and usage');
    rows.push(...(await skillsBench(dir, log)));
  }
  if (runs('routing')) {
    log('routing: selections over 10,000 providers');
    rows.push(...(await routingBench()));
  }
  if (runs('startup')) {
    log('startup: serve --http from spawn to listening, beside a bare SDK server');
    rows.push(...(await startupBench(dir)));
  }
  if (runs('postgres')) {
    log('postgres: ledger and send_payment on a throwaway PostgreSQL cluster, beside raw node-postgres');
    rows.push(...(await postgresBench(dir)));
  }
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}

const seconds = (Date.now() - startedAt.getTime()) / 1000;
console.log(`\nagent-marketplace bench, ${startedAt.toISOString()}, ${host.cpu} × ${host.cpus}, Node ${host.node}\n`);
console.log(renderTable(rows));
const missed = rows.filter((r) => r.met === false);
console.log(
  `\n${rows.filter((r) => r.met === true).length} goals met, ${missed.length} missed${missed.length ? `: ${missed.map((r) => `${r.name} (${r.transport}, ${r.clients})`).join(', ')}` : ''}.`,
);
if (chosen.length === 0) {
  const file = fileURLToPath(new URL('./results.json', import.meta.url));
  writeResults(file, { startedAt, machine: host, rows, seconds });
  log(`wrote ${path.relative(process.cwd(), file)}`);
} else {
  log('a partial run: bench/results.json left as it was');
}
