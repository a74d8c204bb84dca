// Where the time goes: `node bench/cpu-profile.mjs FILE.cpuprofile [N]` prints the N
// functions with the most self time, and the files they live in, from a profile written
// by `node --cpu-prof`.
import fs from 'node:fs';

const [file, top = '25'] = process.argv.slice(2);
if (!file) {
  console.error('usage: node bench/cpu-profile.mjs FILE.cpuprofile [N]');
  process.exit(2);
}
const profile = JSON.parse(fs.readFileSync(file, 'utf8'));
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map();
const deltas = profile.timeDeltas;
for (let i = 0; i < profile.samples.length; i++) {
  selfUs.set(profile.samples[i], (selfUs.get(profile.samples[i]) ?? 0) + (deltas[i] ?? 0));
}
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const where = (frame) => {
  const url = frame.url
    .replace(/^file:\/\//, '')
    .replace(/.*\/node_modules\//, '~/')
    .replace(/.*\/dist\//, 'dist/');
  return `${frame.functionName || '(anonymous)'} ${url ? `${url}:${frame.lineNumber + 1}` : ''}`.trim();
};
const group = (keyOf) => {
  const sums = new Map();
  for (const [id, us] of selfUs) {
    const key = keyOf(byId.get(id).callFrame);
    sums.set(key, (sums.get(key) ?? 0) + us);
  }
  return [...sums].sort((a, b) => b[1] - a[1]).slice(0, Number(top));
};
const show = (title, rows) => {
  console.log(`\n${title}`);
  for (const [key, us] of rows) console.log(`${((100 * us) / total).toFixed(1).padStart(5)}%  ${(us / 1000).toFixed(0).padStart(6)} ms  ${key}`);
};
// Inclusive time of the project's own functions: what each costs with everything it calls.
const parentOf = new Map();
for (const n of profile.nodes) for (const child of n.children ?? []) parentOf.set(child, n.id);
const inclusive = new Map();
for (const [id, us] of selfUs) {
  const seen = new Set();
  for (let at = id; at !== undefined; at = parentOf.get(at)) {
    const frame = byId.get(at).callFrame;
    if (!frame.url.includes('/dist/')) continue;
    const key = where(frame);
    if (seen.has(key)) continue;
    seen.add(key);
    inclusive.set(key, (inclusive.get(key) ?? 0) + us);
  }
}

console.log(`${file}: ${(total / 1e6).toFixed(2)} s sampled`);
show('self time by function', group(where));
show('inclusive time of dist/ functions', [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, Number(top)));
show(
  'self time by package or file',
  group((f) => {
    const url = f.url.replace(/^file:\/\//, '');
    const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
    return pkg ? pkg[1] : url.includes('/dist/') ? url.replace(/.*\/dist\//, 'dist/') : url || `(${f.functionName || 'native'})`;
  }),
);
