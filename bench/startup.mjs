// Start-up: how long `serve --http` takes from spawn until it listens, on an existing
// database (a restart: what an IDE launching the stdio server, each admin command and each
// crash recovery pay), beside the bare SDK echo server started the same way. Starts are
// interleaved so background load falls on both. CPU-seconds are read from /proc at the
// moment the server says it listens (Linux; NaN elsewhere).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnServer } from './mcp.mjs';
import { compared } from './report.mjs';
import { summarize } from './timing.mjs';

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const ECHO = fileURLToPath(new URL('./echo-server.mjs', import.meta.url));
const STARTS = 8;
/** A marketplace server may start at most twice as slowly as a bare SDK server. */
const GOAL = 0.5;

export async function startupBench(dir) {
  const db = path.join(dir, 'startup.db');
  const ours = [CLI, 'serve', '--http', '--port', '0', '--db', db];
  await (await spawnServer(ours)).stop(); // creates and migrates the database: not timed
  const runs = { ours: [], echo: [] };
  for (let i = 0; i < STARTS; i++) {
    for (const [name, args] of [
      ['ours', ours],
      ['echo', [ECHO]],
    ]) {
      const t = performance.now();
      const server = await spawnServer(args);
      runs[name].push({ ms: performance.now() - t, cpu: cpuSeconds(server.pid) });
      await server.stop();
    }
  }
  const row = (name, samples, note) => {
    const total = samples.reduce((s, x) => s + x.ms, 0) / 1000;
    const cpu = samples.map((x) => x.cpu).sort((a, b) => a - b)[samples.length >> 1];
    return {
      name,
      transport: 'process',
      clients: 1,
      ...summarize(
        samples.map((x) => x.ms),
        total,
      ),
      note: `${note}; ${cpu.toFixed(2)} CPU-s to ready (median)`,
    };
  };
  const echo = row('echo server start (bare SDK)', runs.echo, 'express + McpServer, one tool');
  return [echo, compared(row('serve --http start', runs.ours, 'bundled dist/cli.js, existing database'), echo, GOAL)];
}

function cpuSeconds(pid) {
  try {
    // Fields 14 and 15 of /proc/PID/stat: user and system time in clock ticks (100 a second on Linux).
    const fields = fs
      .readFileSync(`/proc/${pid}/stat`, 'utf8')
      .replace(/^.*\) /, '')
      .split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}
