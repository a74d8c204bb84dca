// One agent as its sponsor's console summarises it, gathered from the same domain
// functions the tools answer from: the wallet (marketplace_check_balance), the policy in
// force (marketplace_get_policy), spending as the gate counts it, and what waits.
import type { AppContext } from '../../context.js';
import { requireAgent } from '../../domain/agents/registry.js';
import { agentWallet, type AgentWallet } from '../../domain/agents/wallet.js';
import { unresolvedDisputeViews } from '../../domain/disputes/disputes.js';
import { getAgentPolicy, requireOwnAgent } from '../../domain/governance/sponsor-actions.js';
import type { VersionedPolicy } from '../../domain/governance/policies.js';
import { dailySpend, spendingSummary, type DaySpend, type SpendingSummary } from '../../domain/governance/spending.js';
import { utcDay } from '../../domain/ledger/transfers.js';

export const CHART_DAYS = 30;
const DAY_MS = 86_400_000;

export interface AgentOverview {
  wallet: AgentWallet;
  /** Why the stored status last changed (null if it never did). */
  statusReason: string | null;
  policy: VersionedPolicy;
  spending: SpendingSummary;
  days: DaySpend[];
  /** The UTC day the available balance runs out at the last 7 days' rate, when it is spending. */
  runsOutOn: string | null;
  disputes: Awaited<ReturnType<typeof unresolvedDisputeViews>>;
}

export async function agentOverview(ctx: AppContext, sponsorId: string, agentId: string): Promise<AgentOverview> {
  await requireOwnAgent(ctx.db, sponsorId, agentId);
  // The wallet first: reading it may end the agent's grace period, and the reason below is then that one.
  const wallet = await agentWallet(ctx.db, ctx.clock, agentId);
  const agent = await requireAgent(ctx.db, agentId);
  const policy = await getAgentPolicy(ctx.db, sponsorId, agentId);
  const now = ctx.clock.now().getTime();
  return {
    wallet,
    statusReason: agent.status === 'Active' ? null : agent.statusReason,
    policy,
    spending: await spendingSummary(ctx.db, ctx.clock, agentId, policy.policy),
    days: await dailySpend(ctx.db, ctx.clock, agentId, CHART_DAYS),
    runsOutOn: wallet.runwayDays === null ? null : utcDay(new Date(now + wallet.runwayDays * DAY_MS).toISOString()),
    disputes: await unresolvedDisputeViews(ctx.db, agentId),
  };
}
