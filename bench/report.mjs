// The one table every section adds to, and bench/results.json. A row is a marketplace
// figure or the baseline it is compared with; a compared row carries its ratio and,
// where the issue set one, the goal and whether it was met.
import fs from 'node:fs';
import os from 'node:os';

/**
 * row: { name, transport, clients, calls_per_s, p50_ms, p99_ms, note }
 * against: { name, calls_per_s } the baseline; goal: the least acceptable ratio, or null.
 */
export function compared(row, against, goal = null) {
  const ratio = row.calls_per_s / against.calls_per_s;
  return { ...row, baseline: against.name, ratio, goal, met: goal === null ? null : ratio >= goal };
}

export function machine() {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cpus: cpus.length,
    memory_gb: +(os.totalmem() / 2 ** 30).toFixed(1),
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    load_average_at_start: os.loadavg().map((l) => +l.toFixed(2)),
  };
}

const COLUMNS = [
  ['name', 'name', (r) => r.name],
  ['transport', 'transport', (r) => r.transport ?? ''],
  ['clients', 'clients', (r) => (r.clients ?? '') + ''],
  ['calls/s', 'calls_per_s', (r) => (r.calls_per_s === undefined ? '' : Math.round(r.calls_per_s).toLocaleString('en-US'))],
  ['p50 ms', 'p50_ms', (r) => ms(r.p50_ms)],
  ['p99 ms', 'p99_ms', (r) => ms(r.p99_ms)],
  ['ratio', 'ratio', (r) => (r.ratio === undefined ? '' : `${r.ratio.toFixed(2)}× ${r.baseline}`)],
  ['goal', 'goal', (r) => (r.goal == null ? '' : `≥ ${r.goal}×`)],
  ['met?', 'met', (r) => (r.met == null ? '' : r.met ? 'yes' : 'NO')],
  ['note', 'note', (r) => r.note ?? ''],
];

function ms(value) {
  if (value === undefined || Number.isNaN(value)) return '';
  return value >= 10 ? value.toFixed(1) : value >= 1 ? value.toFixed(2) : value.toFixed(3);
}

/** A Markdown table, so the README can show the same figures the terminal does. */
export function renderTable(rows) {
  const cells = rows.map((r) => COLUMNS.map(([, , cell]) => cell(r)));
  const widths = COLUMNS.map(([title], i) => Math.max(title.length, ...cells.map((c) => c[i].length)));
  const line = (values) => `| ${values.map((v, i) => v.padEnd(widths[i])).join(' | ')} |`;
  return [line(COLUMNS.map(([title]) => title)), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

export function writeResults(file, { startedAt, machine: host, rows, seconds }) {
  const round = (v) => (typeof v === 'number' && !Number.isInteger(v) ? +v.toPrecision(4) : v);
  const json = {
    date: startedAt.toISOString(),
    machine: host,
    duration_s: Math.round(seconds),
    rows: rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]))),
  };
  fs.writeFileSync(file, `${JSON.stringify(json, null, 2)}\n`);
}
