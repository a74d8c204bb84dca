// The fault-injecting simulation on a few fixed seeds: a short seeded workload of
// sponsors and agents against the real server on the nwc rail (a simulated wallet behind
// a real relay), killed mid-call and mid-payout and restarted on the same database, its
// clock jumped past deadlines, wallet answers lost, late or refused, the relay cut, calls
// retried under the same idempotency key, the invariant checker run after every restart,
// and `ledger reconcile --fix` at the end leaving the wallet and the ledger in agreement.
// `npm run simulate` runs long ones (README, "Simulation").
import { execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const SIMULATE = fileURLToPath(new URL('../../sim/simulate.mjs', import.meta.url));
const STEPS = 150;
// Shorter than the simulator's default: every lost or late wallet answer costs one timeout, and these seeds must stay quick.
const PAYMENT_TIMEOUT_MS = 700;

function simulate(seed: number): Promise<{ code: number | null; results: any[]; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [SIMULATE, '--seed', String(seed), '--steps', String(STEPS), '--payment-timeout-ms', String(PAYMENT_TIMEOUT_MS), '--json']);
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
  // The simulator runs the test relay, wallet and compute providers from test/support, compiled to sim/.build (as `npm run simulate` does).
  beforeAll(() => {
    const built = (name: string) => {
      const js = fileURLToPath(new URL(`../../sim/.build/${name}.js`, import.meta.url));
      return fs.existsSync(js) && fs.statSync(js).mtimeMs >= fs.statSync(fileURLToPath(new URL(`../support/${name}.ts`, import.meta.url))).mtimeMs;
    };
    // Compiled again only when a source is newer than its build.
    if (built('lightning-wallet') && built('relay') && built('dvm')) return;
    execFileSync(process.execPath, [fileURLToPath(new URL('../../node_modules/typescript/bin/tsc', import.meta.url)), '-p', 'tsconfig.sim.json'], { cwd: ROOT, stdio: 'inherit' });
  }, 60_000);

  // Concurrently: each seed spends most of its time waiting on its own server, wallet and fsyncs.
  for (const seed of [1, 2, 3]) {
    it(`keeps every invariant on seed ${seed}, through a crash with calls in flight, a clock jump and wallet and relay faults`, async () => {
      const { code, results } = await simulate(seed);
      const [run] = results;
      expect(run.problems, `seed ${seed} (reproduce: ${run.reproduce}): ${JSON.stringify({ problems: run.problems, lastCalls: run.trace }, null, 1)}`).toEqual([]);
      expect(code).toBe(0);
      expect(run.stats.rail).toBe('nwc');
      expect(run.stats.kills).toBeGreaterThanOrEqual(1);
      expect(run.stats.jumps).toBeGreaterThanOrEqual(1);
      // After each restart and once at the end.
      expect(run.stats.checks).toBe(run.stats.kills + run.stats.jumps + 1);
      // Money really moved: deals reached their ends, not only their starts, and money went out over the wallet (payouts, compute).
      expect(run.stats.reached.transfers).toBeGreaterThan(50);
      expect((run.stats.reached.withdrawals.completed ?? 0) + (run.stats.reached.computePayments.paid ?? 0)).toBeGreaterThanOrEqual(1);
      // The wallet misbehaved at least once.
      expect(Object.values(run.stats.lightning.faults).length).toBeGreaterThanOrEqual(1);
    }, 120_000);
  }
});
