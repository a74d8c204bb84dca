// MCP overhead: calls/s and latency of three of our tools beside the SDK's bare echo
// tool on the same transport: the in-memory pair (server and client in this process),
// then Streamable HTTP to a spawned `serve --http` and a spawned echo server with 1, 10
// and 100 concurrent clients; and the HTTP server's resident set idle and under load.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import { authenticate } from '../dist/domain/identity/registration.js';
import { createServer } from '../dist/server.js';
import { lcg, seedSkills, specificTerm } from './catalogue.mjs';
import { echoServer } from './echo-server.mjs';
import { closeMarket, openMarket, payerAndPayee } from './market.mjs';
import { compared } from './report.mjs';
import { closedLoop, interleaved } from './timing.mjs';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ECHO = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));
const CLIENT_COUNTS = [1, 10, 100];
const ROUNDS = 2;
const SLICE_MS = 1_500;
const WARMUP_MS = 300;
const CATALOGUE = 1_000;
const READ_GOAL = 0.5;
const MONEY_GOAL = 0.8;

/** The four calls measured; each throws on an error result, so a broken setup cannot pass for a fast one. */
function workload(payeeId) {
  const random = lcg(7);
  const terms = Array.from({ length: 64 }, () => specificTerm(random, CATALOGUE));
  let payment = 0;
  const run = `${process.pid}-${Date.now()}`;
  const checked = (name, args) => async (client) => {
    const result = await client.callTool({ name, arguments: args() });
    if (result.isError) throw new Error(`${name} failed: ${result.content?.[0]?.text}`);
    return result;
  };
  return {
    echo: checked('echo', () => ({ text: 'ping' })),
    check_balance: checked('marketplace_check_balance', () => ({})),
    send_payment: checked('marketplace_send_payment', () => ({ to_agent_id: payeeId, amount_sats: 1, idempotency_key: `bench-${run}-${payment++}` })),
    search_skills: checked('marketplace_search_skills', () => ({ query: terms[payment++ % terms.length], limit: 10 })),
  };
}

export async function mcpBench(dir, { rawSingle, profileDir }) {
  const rows = [];
  rows.push(...(await inMemory(dir, rawSingle)));
  rows.push(...(await overHttp(dir, rawSingle, profileDir)));
  return rows;
}

async function inMemory(dir, rawSingle) {
  const ctx = await openMarket(dir, 'mcp-memory');
  const { payer, payee } = await payerAndPayee(ctx);
  await seedSkills(ctx.db, payer.id, CATALOGUE);
  const calls = workload(payee.id);
  const rows = [];
  // Many clients in one process: concurrent calls share commits (group commit), which is
  // how the marketplace passes the single-commit fsync ceiling.
  for (const count of CLIENT_COUNTS) {
    const ours = await Promise.all(Array.from({ length: count }, () => pairedClient(createServer(ctx, { caller: () => authenticate(ctx.db, payer.token) }))));
    const echo = await Promise.all(Array.from({ length: count }, () => pairedClient(echoServer())));
    rows.push(...(await measureTransport('in-memory', count, { echo, ours }, calls, rawSingle)));
    await Promise.all([...ours, ...echo].map((c) => c.close()));
  }
  await closeMarket(ctx);
  return rows;
}

export async function pairedClient(server) {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  await server.connect(serverSide);
  const client = new Client({ name: 'bench', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

async function overHttp(dir, rawSingle, profileDir) {
  const ctx = await openMarket(dir, 'mcp-http');
  const { payer, payee } = await payerAndPayee(ctx);
  await seedSkills(ctx.db, payer.id, CATALOGUE);
  const file = ctx.db.path;
  await closeMarket(ctx);

  const profile = profileDir ? ['--cpu-prof', '--cpu-prof-dir', profileDir] : [];
  // One token drives every client here, so the per-caller rate limit is off: this measures the server, not its limit.
  const ours = await spawnServer([...profile, CLI, 'serve', '--http', '--port', '0', '--rate-limit', '0', '--db', file]);
  const echo = await spawnServer([ECHO]);
  const rows = [];
  try {
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    const idle = rssMb(ours.pid);
    const calls = workload(payee.id);
    let underLoad = [];
    for (const count of CLIENT_COUNTS) {
      const clients = {
        echo: await httpClients(echo.url, null, count),
        ours: await httpClients(ours.url, payer.token, count),
      };
      const sampler = count === Math.max(...CLIENT_COUNTS) ? sampleRss(ours.pid) : null;
      rows.push(...(await measureTransport('http', count, clients, calls, rawSingle)));
      if (sampler) underLoad = sampler.stop();
      await Promise.all([...clients.echo, ...clients.ours].map((c) => c.close()));
    }
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    const after = rssMb(ours.pid);
    const clients = Math.max(...CLIENT_COUNTS);
    rows.push(
      { name: 'server RSS idle', transport: 'http', clients: 0, rss_mb: idle, note: `${mb(idle)} (after start)` },
      { name: 'server RSS under load', transport: 'http', clients, rss_mb: Math.max(...underLoad), note: `${mb(Math.max(...underLoad))} peak, ${underLoad.length} samples` },
      { name: 'server RSS after load', transport: 'http', clients: 0, rss_mb: after, note: `${mb(after)} (2 s after the last call)` },
    );
  } finally {
    await Promise.all([ours.stop(), echo.stop()]);
  }
  return rows;
}

async function measureTransport(transport, count, clients, calls, rawSingle) {
  const ours = (call) => () => load(clients.ours, call);
  const variants = {
    echo: () => load(clients.echo, calls.echo),
    check_balance: ours(calls.check_balance),
    send_payment: ours(calls.send_payment),
    search_skills: ours(calls.search_skills),
  };
  for (const [name, call] of Object.entries(calls)) await closedLoop(name === 'echo' ? clients.echo : clients.ours, WARMUP_MS, call);
  const results = await interleaved(ROUNDS, variants);
  const row = (name) => ({ name, transport, clients: count, ...results[name] });
  const echo = { ...row('echo'), name: 'echo (bare SDK)' };
  // A payment costs a durable commit, so its ceiling is the lesser of the transport's and the disk's.
  const paymentFloor = echo.calls_per_s <= rawSingle.calls_per_s ? echo : rawSingle;
  return [
    echo,
    compared({ ...row('check_balance'), name: 'check_balance' }, echo, READ_GOAL),
    compared({ ...row('search_skills'), name: 'search_skills', note: `${CATALOGUE.toLocaleString('en-US')} skills, specific term` }, echo, READ_GOAL),
    compared({ ...row('send_payment'), name: 'send_payment', note: 'gated, 1 durable commit' }, paymentFloor, MONEY_GOAL),
  ];
}

async function load(clients, call) {
  const { latencies, seconds } = await closedLoop(clients, SLICE_MS, call);
  return { latencies, seconds, units: latencies.length };
}

function httpClients(url, token, count) {
  const headers = token ? { Authorization: `Bearer ${token}` } : {};
  return Promise.all(
    Array.from({ length: count }, async () => {
      const client = new Client({ name: 'bench', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers } }));
      return client;
    }),
  );
}

/** Starts a server process and waits for the "listening on URL" line on its stderr. */
export function spawnServer(args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env } });
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000);
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
      const match = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (!match || child.url) return;
      clearTimeout(timer);
      child.url = match[1];
      resolve({
        url: match[1],
        pid: child.pid,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null) return done();
            child.on('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (!child.url) reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
}

export function rssMb(pid) {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN; // no /proc (not Linux): the memory rows say NaN
  }
}

function sampleRss(pid) {
  const samples = [];
  const timer = setInterval(() => samples.push(rssMb(pid)), 100);
  return { stop: () => (clearInterval(timer), samples) };
}

const mb = (value) => `${value.toFixed(0)} MB`;
