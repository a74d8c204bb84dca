// Timing loops shared by every section: per-call latencies in milliseconds, their
// percentiles, and a rate. Each section compares a marketplace figure with a baseline
// measured by the same loop, so only the ratio has to be trusted on a busy machine.

export function percentile(sortedMs, p) {
  if (sortedMs.length === 0) return NaN;
  return sortedMs[Math.min(sortedMs.length - 1, Math.floor((sortedMs.length * p) / 100))];
}

export function median(values) {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** calls/s over the wall time, p50 and p99 of the per-call latencies. */
export function summarize(latenciesMs, seconds, calls = latenciesMs.length) {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  return { calls_per_s: calls / seconds, p50_ms: percentile(sorted, 50), p99_ms: percentile(sorted, 99) };
}

const nowMs = () => Number(process.hrtime.bigint()) / 1e6;

/** Runs fn count times in a row; fn(i) may be synchronous or return a promise. */
export async function timeCalls(count, fn) {
  const latencies = new Array(count);
  const started = nowMs();
  for (let i = 0; i < count; i++) {
    const t = nowMs();
    const r = fn(i);
    if (r instanceof Promise) await r;
    latencies[i] = nowMs() - t;
  }
  return { latencies, seconds: (nowMs() - started) / 1000 };
}

/**
 * `clients` callers, each calling in a loop (one request in flight per caller) until
 * durationMs has passed; call(client, n) gets a counter unique across callers.
 */
export async function closedLoop(clients, durationMs, call) {
  const latencies = [];
  let n = 0;
  let failures = 0;
  const started = nowMs();
  const deadline = started + durationMs;
  await Promise.all(
    clients.map(async (client) => {
      while (nowMs() < deadline) {
        const t = nowMs();
        const result = await call(client, n++);
        if (result?.isError) failures++;
        latencies.push(nowMs() - t);
      }
    }),
  );
  return { latencies, seconds: (nowMs() - started) / 1000, failures };
}

/**
 * Alternates the variants for `rounds` rounds so that background load on a shared
 * machine falls on all of them alike; returns each variant's median rate and its
 * latencies pooled over the rounds.
 */
export async function interleaved(rounds, variants) {
  const runs = Object.fromEntries(Object.keys(variants).map((name) => [name, { rates: [], latencies: [], units: 0, seconds: 0 }]));
  for (let r = 0; r < rounds; r++) {
    for (const [name, measure] of Object.entries(variants)) {
      const { latencies, seconds, units } = await measure();
      const run = runs[name];
      run.rates.push(units / seconds);
      run.latencies.push(...latencies);
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, run]) => {
      const { p50_ms, p99_ms } = summarize(run.latencies, 1);
      return [name, { calls_per_s: median(run.rates), p50_ms, p99_ms }];
    }),
  );
}
