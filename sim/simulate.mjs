// `npm run simulate -- --seed N --steps K [--seeds M] [--jobs J] [--record FILE] [--rail nwc|sandbox] [--no-faults] [--json]
//   [--database-url postgres://… | --postgres]`:
// runs the fault-injecting simulation for seed N (or seeds N … N+M-1, J at a time, each in
// its own process) and exits 1 if any invariant broke, printing the seed, the step and the
// calls that led there. Each seed runs on a fresh SQLite file, or with --database-url on a
// fresh database of that PostgreSQL cluster (--postgres: a throwaway cluster started here). With --record, each finished seed is appended to FILE as one JSON
// line, and seeds FILE already records as passed with the same options are skipped, so a
// long run can be stopped and resumed. `--summary FILE` prints what FILE records, a seed a row.
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startPostgres } from './postgres.mjs';
import { simulate } from './simulation.mjs';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '1' },
    steps: { type: 'string', default: '2000' },
    jobs: { type: 'string', default: '1' },
    record: { type: 'string' },
    summary: { type: 'string' },
    'no-faults': { type: 'boolean', default: false },
    'no-hostile': { type: 'boolean', default: false },
    'kill-every': { type: 'string', default: '300' },
    'jump-every': { type: 'string', default: '700' },
    rail: { type: 'string', default: 'nwc' },
    'payment-timeout-ms': { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
    // Progress lines on stderr even with --json (what --jobs asks of each seed's process).
    progress: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
    // A PostgreSQL cluster (any database of it) on which each seed gets a fresh database, CREATE DATABASE sim_<seed>_<random>.
    'database-url': { type: 'string' },
    // A throwaway cluster started for this run (Debian's postgresql package), stopped at the end.
    postgres: { type: 'boolean', default: false },
    // Given to each seed's process (--jobs) with the --database-url of the cluster --postgres started: its reproduce command says --postgres.
    'throwaway-cluster': { type: 'boolean', default: false },
  },
});

if (values.summary) {
  summarise(readRecord(values.summary));
  await new Promise((flushed) => process.stdout.write('', flushed));
  process.exit(0);
}
if (!['nwc', 'sandbox'].includes(values.rail)) throw new Error(`--rail is nwc or sandbox, not ${values.rail}`);
// The wallet service and the NWC client (@getalby/sdk) log to the console; stdout carries only the report.
for (const level of ['log', 'info', 'debug', 'warn', 'error']) console[level] = values.verbose ? (...args) => process.stderr.write(`${args.join(' ')}\n`) : () => {};

if (values.postgres && values['database-url']) throw new Error('--postgres starts a cluster of its own: give it or --database-url, not both');
if (values['database-url'] && !/^postgres(ql)?:\/\//i.test(values['database-url'])) throw new Error(`--database-url is a postgres:// URL, not ${values['database-url']}`);

const options = {
  steps: Number(values.steps),
  faults: !values['no-faults'],
  hostile: !values['no-hostile'],
  killEvery: Number(values['kill-every']),
  jumpEvery: Number(values['jump-every']),
  rail: values.rail,
  paymentTimeoutMs: Number(values['payment-timeout-ms']),
  database: values.postgres || values['database-url'] ? 'postgres' : 'sqlite',
};
const first = Number(values.seed);
const seeds = Array.from({ length: Number(values.seeds) }, (_, i) => first + i);
const jobs = Math.max(1, Number(values.jobs));
const commit = currentCommit();

/** What a record line must match to count as the same run of a seed. */
const sameRun = (line) =>
  ['steps', 'faults', 'killEvery', 'jumpEvery', 'rail', 'paymentTimeoutMs'].every((k) => line.options?.[k] === options[k]) &&
  (line.options?.hostile ?? false) === options.hostile &&
  (line.options?.database ?? 'sqlite') === options.database;
const passed = new Set(
  values.record && fs.existsSync(values.record)
    ? readRecord(values.record)
        .filter((l) => l.ok && sameRun(l))
        .map((l) => l.seed)
    : [],
);
const todo = seeds.filter((seed) => !passed.has(seed));
if (passed.size > 0 && !values.json)
  process.stdout.write(
    `${values.record} records seeds ${[...passed]
      .filter((s) => seeds.includes(s))
      .sort((a, b) => a - b)
      .join(', ')} as passed; skipping them\n`,
  );

// The cluster every seed's database is made on; a throwaway one is kept (stopped, its folder left) when a seed failed, for its database.
const cluster = values.postgres && todo.length > 0 ? await startPostgres() : null;
const databaseUrl = cluster?.url ?? values['database-url'] ?? null;
const database = databaseUrl ? { databaseUrl, databaseFlag: cluster || values['throwaway-cluster'] ? '--postgres' : null } : {};

const results = [];
const finished = (result) => {
  results.push(result);
  if (values.record) {
    const { trace, dbPath, ...kept } = result;
    const line = {
      ...kept,
      options,
      commit,
      finished_at: new Date().toISOString(),
      problems: result.problems.slice(0, 10),
      trace: trace.slice(-20),
      ...(result.ok ? {} : { dbPath }),
    };
    fs.appendFileSync(values.record, `${JSON.stringify(line)}\n`);
  }
  if (!values.json) report(result);
};

if (jobs === 1) {
  for (const seed of todo) {
    const log = values.json && !values.progress ? () => {} : (line) => process.stderr.write(`${line}\n`);
    finished(await simulate({ seed, ...options, ...database, log }));
  }
} else {
  // Each seed in its own process: the simulation's process is busy (relay, wallet, clients, checks).
  const queue = [...todo];
  await Promise.all(
    Array.from({ length: Math.min(jobs, queue.length) }, async () => {
      while (queue.length > 0) finished(await inChild(queue.shift()));
    }),
  );
}
if (cluster) {
  const kept = results.some((r) => !r.ok);
  cluster.stop({ keep: kept });
  if (kept && !values.json) process.stdout.write(`the throwaway PostgreSQL cluster is stopped and kept in ${cluster.root}: start it again with\n  ${cluster.again}\n`);
}
if (values.json) process.stdout.write(`${JSON.stringify(results.map(({ trace, ...r }) => ({ ...r, trace: trace.slice(-20) })))}\n`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;

function report(result) {
  const s = result.stats;
  const lightning = s.lightning
    ? `, ${Object.values(s.lightning.faults).reduce((a, b) => a + b, 0)} wallet faults, ${s.killsDuringPayout} kills during a payout, ${s.lightning.relayDrops} relay drops, ${s.lightning.relayOutages} relay outages`
    : '';
  const hostile = s.hostile ? `, ${Object.values(s.hostile).reduce((a, o) => a + Object.values(o).reduce((x, y) => x + y, 0), 0)} hostile calls` : '';
  const lock = s.lock && s.database !== 'postgres' ? `; write lock held at most ${s.lock.maxMs} ms (${s.lock.over} holds over ${s.lock.thresholdMs} ms)` : '';
  const line = `seed ${result.seed} (${s.rail}${s.database === 'postgres' ? ', PostgreSQL' : ''}): ${result.ok ? 'ok' : 'FAILED'} — ${result.steps} steps, ${s.calls} calls in ${s.seconds} s, ${s.kills} kills (${s.killsInFlight} with calls in flight), ${s.jumps} clock jumps${lightning}${hostile}, ${s.retriedAfterCrash} calls retried after a crash, ${s.checks} invariant checks (${s.checkSeconds} s)${lock}; CPU: server ${s.serverCpuSeconds} s`;
  process.stdout.write(`${line}\n`);
  if (values.verbose)
    process.stdout.write(
      `${JSON.stringify({ errors: s.errors, operations: s.operations, reached: s.reached, lightning: s.lightning, hostile: s.hostile, hostileSurvey: s.hostileSurvey, lock: s.lock }, null, 1)}\n`,
    );
  if (!result.ok) {
    const key = result.secretKeyFile ? ` (its secret key: ${result.secretKeyFile})` : '';
    process.stdout.write(`  reproduce: ${result.reproduce} (fails at step ${result.failedAtStep})\n  database kept at ${result.dbPath}${key}\n`);
    for (const p of result.problems.slice(0, 10)) process.stdout.write(`  [${p.invariant}] step ${p.step}: ${p.message}${p.row ? `\n    ${JSON.stringify(p.row)}` : ''}\n`);
    process.stdout.write('  last calls:\n');
    for (const t of result.trace.slice(-20)) process.stdout.write(`    #${t.step} ${t.actor} ${t.tool} ${JSON.stringify(t.args).slice(0, 160)} → ${t.answer}\n`);
  }
}

/** Runs one seed as `simulate.mjs --json` in a child process; its progress lines go to stderr. */
function inChild(seed) {
  const args = [
    fileURLToPath(import.meta.url),
    '--seed',
    String(seed),
    '--steps',
    values.steps,
    '--rail',
    values.rail,
    '--kill-every',
    values['kill-every'],
    '--jump-every',
    values['jump-every'],
    '--payment-timeout-ms',
    values['payment-timeout-ms'],
    '--json',
    ...(databaseUrl ? ['--database-url', databaseUrl, ...(database.databaseFlag ? ['--throwaway-cluster'] : [])] : []),
    ...(values.json ? [] : ['--progress']),
    ...(values['no-faults'] ? ['--no-faults'] : []),
    ...(values['no-hostile'] ? ['--no-hostile'] : []),
  ];
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => {
      stderr = (stderr + d).slice(-20_000);
      if (!values.json) process.stderr.write(d);
    });
    child.on('exit', (code, signal) => {
      try {
        resolve(JSON.parse(stdout)[0]);
      } catch {
        const problem = { invariant: 'the simulation runs', message: `the process for seed ${seed} exited (${code ?? signal}) without a result:\n${stderr}`, step: null };
        resolve({ ok: false, seed, steps: options.steps, failedAtStep: null, reproduce: null, problems: [problem], trace: [], stats: emptyStats(), dbPath: null });
      }
    });
  });
}

function emptyStats() {
  return {
    rail: options.rail,
    database: options.database,
    calls: 0,
    seconds: 0,
    kills: 0,
    killsInFlight: 0,
    jumps: 0,
    retriedAfterCrash: 0,
    checks: 0,
    checkSeconds: 0,
    serverCpuSeconds: 0,
    killsDuringPayout: 0,
    errors: {},
    operations: {},
  };
}

function readRecord(file) {
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.trim())
    .flatMap((line) => {
      try {
        return [JSON.parse(line)];
      } catch {
        return [];
      }
    });
}

function currentCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: fileURLToPath(new URL('..', import.meta.url)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

/** The record as a table: each seed's run, and the totals of those that passed. */
function summarise(lines) {
  const sum = (o) => Object.values(o ?? {}).reduce((a, b) => a + b, 0);
  const rows = [...lines]
    .sort((a, b) => a.seed - b.seed)
    .map((l) => {
      const s = l.stats ?? {};
      return {
        seed: l.seed,
        ok: l.ok ? 'ok' : 'FAILED',
        steps: l.steps,
        rail: l.options?.rail ?? s.rail,
        database: l.options?.database ?? 'sqlite',
        calls: s.calls,
        kills: `${s.kills} (${s.killsInFlight} in flight, ${s.killsDuringPayout ?? 0} in a payout)`,
        jumps: s.jumps,
        'wallet faults': sum(s.lightning?.faults),
        'relay drops/outages': s.lightning ? `${s.lightning.relayDrops}/${s.lightning.relayOutages}` : '',
        checks: s.checks,
        hours: (s.seconds / 3600).toFixed(2),
        'server CPU s': s.serverCpuSeconds,
        commit: (l.commit ?? '').slice(0, 7),
        finished: l.finished_at?.slice(0, 16) ?? '',
      };
    });
  console.table(rows);
  const passed = lines.filter((l) => l.ok);
  const total = (f) => passed.reduce((a, l) => a + (f(l.stats ?? {}) ?? 0), 0);
  process.stdout.write(
    `${passed.length} passed (seeds ${passed
      .map((l) => l.seed)
      .sort((a, b) => a - b)
      .join(', ')}): ${passed.reduce((a, l) => a + l.steps, 0)} steps, ` +
      `${total((s) => s.calls)} calls, ${total((s) => s.kills)} kills, ${total((s) => s.jumps)} clock jumps, ${total((s) => sum(s.lightning?.faults))} wallet faults, ` +
      `${total((s) => s.checks)} invariant checks; ${lines.length - passed.length} failed\n`,
  );
}
