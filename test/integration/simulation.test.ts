// The fault-injecting simulation on a few fixed seeds: a short seeded workload of
// sponsors and agents against the real server, killed mid-call and restarted on the same
// database, its clock jumped past deadlines, calls retried under the same idempotency
// key, and the invariant checker run after every restart and at the end.
// `npm run simulate` runs long ones (README, "Simulation").
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SIMULATE = fileURLToPath(new URL('../../sim/simulate.mjs', import.meta.url));
const STEPS = 150;

function simulate(seed: number): Promise<{ code: number | null; results: any[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SIMULATE, '--seed', String(seed), '--steps', String(STEPS), '--json']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      try {
        resolve({ code, results: JSON.parse(stdout), stderr });
      } catch {
        reject(new Error(`simulate printed no JSON (exit ${code}):\n${stdout}\n${stderr}`));
      }
    });
  });
}

describe.concurrent('the simulation with faults', () => {
  // Concurrently: each seed spends most of its time waiting on its own server and fsyncs.
  for (const seed of [1, 2, 3]) {
    it(`keeps every invariant on seed ${seed}, through a crash with calls in flight and a clock jump`, async () => {
      const { code, results } = await simulate(seed);
      const [run] = results;
      expect(run.problems, `seed ${seed}: ${JSON.stringify({ problems: run.problems, lastCalls: run.trace }, null, 1)}`).toEqual([]);
      expect(code).toBe(0);
      expect(run.stats.kills).toBeGreaterThanOrEqual(1);
      expect(run.stats.jumps).toBeGreaterThanOrEqual(1);
      // After each restart and once at the end.
      expect(run.stats.checks).toBe(run.stats.kills + run.stats.jumps + 1);
      // Money really moved: deals reached their ends, not only their starts.
      expect(run.stats.reached.transfers).toBeGreaterThan(50);
    }, 120_000);
  }
});
