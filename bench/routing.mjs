// Routing a compute job over 10,000 known providers: each selection filters every
// provider, normalises price and latency over the survivors, scores and keeps the top 3;
// beside a bare filter-and-sort of the same array (the least any selection must do).
import { rankProviders } from '../dist/domain/compute/routing.js';
import { lcg } from './catalogue.mjs';
import { compared } from './report.mjs';
import { interleaved, timeCalls } from './timing.mjs';

const PROVIDERS = Number(process.env.BENCH_PROVIDERS ?? 10_000);
const SELECTIONS_PER_ROUND = 250;
const ROUNDS = 2;

export async function routingBench() {
  const random = lcg(7);
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
  const requests = {
    broad: { kind: 5050 },
    narrow: { kind: 5050, dataResidency: ['eu'], minReputation: 0.7, maxPriceMsats: 50_000 },
  };
  const selections = (fn) => async () => ({ ...(await timeCalls(SELECTIONS_PER_ROUND, fn)), units: SELECTIONS_PER_ROUND });
  const results = await interleaved(ROUNDS, {
    bare: selections(() =>
      providers
        .filter((p) => p.kinds.includes(5050))
        .sort((a, b) => b.reputation - a.reputation)
        .slice(0, 3),
    ),
    broad: selections(() => rankProviders(providers, requests.broad)),
    narrow: selections(() => rankProviders(providers, requests.narrow)),
  });
  const providersText = `${PROVIDERS.toLocaleString('en-US')} providers`;
  const baseline = { name: 'bare filter + sort', transport: 'js', clients: 1, ...results.bare, note: `${providersText}, kind + reputation only` };
  return [
    baseline,
    compared({ name: 'routing 10k: broad', transport: 'domain', clients: 1, ...results.broad, note: `${providersText}, kind 5050` }, baseline),
    compared({ name: 'routing 10k: narrow', transport: 'domain', clients: 1, ...results.narrow, note: 'residency eu, rep ≥ 0.7, price cap' }, baseline),
  ];
}
