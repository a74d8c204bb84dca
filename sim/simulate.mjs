// `npm run simulate -- --seed N --steps K [--seeds M] [--rail nwc|sandbox] [--no-faults] [--json]`:
// runs the fault-injecting simulation for seed N (or seeds N … N+M-1) and exits 1 if any
// invariant broke, printing the seed, the step and the calls that led there.
import { parseArgs } from 'node:util';
import { simulate } from './simulation.mjs';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    seeds: { type: 'string', default: '1' },
    steps: { type: 'string', default: '2000' },
    'no-faults': { type: 'boolean', default: false },
    'kill-every': { type: 'string', default: '300' },
    'jump-every': { type: 'string', default: '700' },
    rail: { type: 'string', default: 'nwc' },
    'payment-timeout-ms': { type: 'string', default: '1000' },
    json: { type: 'boolean', default: false },
    verbose: { type: 'boolean', default: false },
  },
});

if (!['nwc', 'sandbox'].includes(values.rail)) throw new Error(`--rail is nwc or sandbox, not ${values.rail}`);
// The wallet service and the NWC client (@getalby/sdk) log to the console; stdout carries only the report.
for (const level of ['log', 'info', 'debug', 'warn', 'error']) console[level] = values.verbose ? (...args) => process.stderr.write(`${args.join(' ')}\n`) : () => {};

const first = Number(values.seed);
const count = Number(values.seeds);
const steps = Number(values.steps);
const results = [];
for (let seed = first; seed < first + count; seed++) {
  const log = values.json ? () => {} : (line) => process.stderr.write(`${line}\n`);
  const result = await simulate({
    seed,
    steps,
    faults: !values['no-faults'],
    killEvery: Number(values['kill-every']),
    jumpEvery: Number(values['jump-every']),
    rail: values.rail,
    paymentTimeoutMs: Number(values['payment-timeout-ms']),
    log,
  });
  results.push(result);
  if (values.json) continue;
  const s = result.stats;
  const lightning = s.lightning
    ? `, ${Object.values(s.lightning.faults).reduce((a, b) => a + b, 0)} wallet faults, ${s.killsDuringPayout} kills during a payout, ${s.lightning.relayDrops} relay drops, ${s.lightning.relayOutages} relay outages`
    : '';
  const line = `seed ${seed} (${s.rail}): ${result.ok ? 'ok' : 'FAILED'} — ${steps} steps, ${s.calls} calls in ${s.seconds} s, ${s.kills} kills (${s.killsInFlight} with calls in flight), ${s.jumps} clock jumps${lightning}, ${s.retriedAfterCrash} calls retried after a crash, ${s.checks} invariant checks (${s.checkSeconds} s); CPU: server ${s.serverCpuSeconds} s`;
  process.stdout.write(`${line}\n`);
  if (values.verbose) process.stdout.write(`${JSON.stringify({ errors: s.errors, operations: s.operations, reached: s.reached, lightning: s.lightning }, null, 1)}\n`);
  if (!result.ok) {
    process.stdout.write(`  reproduce: ${result.reproduce} (fails at step ${result.failedAtStep})\n  database kept at ${result.dbPath}\n`);
    for (const p of result.problems.slice(0, 10)) process.stdout.write(`  [${p.invariant}] step ${p.step}: ${p.message}${p.row ? `\n    ${JSON.stringify(p.row)}` : ''}\n`);
    process.stdout.write('  last calls:\n');
    for (const t of result.trace.slice(-20)) process.stdout.write(`    #${t.step} ${t.actor} ${t.tool} ${JSON.stringify(t.args).slice(0, 160)} → ${t.answer}\n`);
  }
}
if (values.json) process.stdout.write(`${JSON.stringify(results.map(({ trace, ...r }) => ({ ...r, trace: trace.slice(-20) })))}\n`);
process.exitCode = results.every((r) => r.ok) ? 0 : 1;
