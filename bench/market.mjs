// A marketplace database for the benchmarks: a sponsor, a payer with a deep wallet
// under a realistic policy (limits the gate must evaluate, none it will hit), and a payee.
import path from 'node:path';
import { loadConfig } from '../dist/config.js';
import { fundAgentFromSandbox } from '../dist/domain/agents/funding.js';
import { setPolicy } from '../dist/domain/governance/policies.js';
import { createAgent, createSponsor } from '../dist/domain/identity/registration.js';
import { silentLogger } from '../dist/core/logger.js';
import { openContext } from '../dist/runtime.js';

export const BENCH_POLICY = {
  level: 'SemiAutonomous',
  action_limits: { max_transaction_sats: 10_000, max_daily_spend_sats: 1_000_000_000 },
  budgets: [{ period: 'Monthly', limit_sats: 1_000_000_000 }],
};

export async function openMarket(dir, name) {
  const file = path.join(dir, `${name}.db`);
  return await openContext(loadConfig({ db: file }, {}), { logger: silentLogger });
}

export async function closeMarket(ctx) {
  ctx.rail.close();
  await ctx.db.close();
}

/** A sponsor, a payer funded with a billion sats and a payee; tokens included. */
export async function payerAndPayee(ctx) {
  const sponsor = await createSponsor(ctx.db, ctx.clock, { name: 'bench sponsor' });
  const payer = await createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'payer' });
  const payee = await createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: 'payee' });
  await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: payer.id, amountMsats: 1e12 });
  await setPolicy(ctx.db, ctx.clock, payer.id, BENCH_POLICY, 'bench');
  return { sponsor, payer, payee };
}
