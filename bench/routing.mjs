// `npm run bench` (part 3): routing a job over 10,000 known providers. Each selection
// filters every provider, normalises price and latency over the survivors, scores and
// keeps the top 3; p50/p99 per selection for a broad request and for a narrow one
// (residency + reputation + price), beside a bare filter-and-sort of the same array.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rankProviders } from '../dist/domain/compute/routing.js';

const PROVIDERS = Number(process.env.BENCH_PROVIDERS ?? 10_000);
const SELECTIONS = 2_000;
let seed = 7;
const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
const REGIONS = ['eu', 'us', 'asia', 'sa', 'af'];
const TIERS = ['Elite', 'Trusted', 'Established', 'New'];
const providers = Array.from({ length: PROVIDERS }, (_, i) => {
  const region = REGIONS[Math.floor(random() * REGIONS.length)];
  return {
    id: `p${i}`,
    kinds: [5000 + Math.floor(random() * 20), 5050],
    reputation: random(),
    tier: TIERS[Math.floor(random() ** 2 * 4)],
    priceMsats: 1000 + Math.floor(random() * 100_000),
    latencyMs: random() < 0.1 ? null : Math.floor(50 + random() * 5000),
    regions: [region],
    residency: random() < 0.5 ? [region] : [],
    jobsToday: Math.floor(random() * 20),
    approved: random() > 0.05,
  };
});

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}
function timeEach(fn) {
  const times = [];
  for (let i = 0; i < SELECTIONS; i++) {
    const t = process.hrtime.bigint();
    fn(i);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return times.sort((a, b) => a - b);
}

const requests = {
  'broad (kind 5050)': () => ({ kind: 5050 }),
  'narrow (residency, rep ≥ 0.7, price cap)': () => ({ kind: 5050, dataResidency: ['eu'], minReputation: 0.7, maxPriceMsats: 50_000 }),
};
const rows = [];
for (const [name, make] of Object.entries(requests)) {
  let chosen = 0;
  const marketplace = timeEach(() => (chosen += rankProviders(providers, make()).length));
  // The floor: one filter on kind and a sort by reputation, nothing else.
  const raw = timeEach(() => providers.filter((p) => p.kinds.includes(5050)).sort((a, b) => b.reputation - a.reputation).slice(0, 3));
  rows.push({
    selection: name,
    p50_ms: +percentile(marketplace, 50).toFixed(3),
    p99_ms: +percentile(marketplace, 99).toFixed(3),
    raw_p50_ms: +percentile(raw, 50).toFixed(3),
    ratio_p50: +(percentile(marketplace, 50) / percentile(raw, 50)).toFixed(2),
    chosen_per_selection: +(chosen / SELECTIONS).toFixed(2),
  });
}

console.log(`routing over ${PROVIDERS.toLocaleString()} providers, ${SELECTIONS} selections each`);
console.table(rows);
const out = path.join(path.dirname(new URL(import.meta.url).pathname), 'results');
fs.mkdirSync(out, { recursive: true });
const file = path.join(out, `routing-${new Date().toISOString().replace(/[:.]/g, '-')}.json`);
fs.writeFileSync(file, JSON.stringify({ node: process.version, cpus: os.cpus().length, date: new Date().toISOString(), providers: PROVIDERS, rows }, null, 2));
console.log(`wrote ${file}`);
