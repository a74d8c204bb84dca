// An agent's wallet as its sponsor and the agent itself see it: balance, holds, runway.
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { dailyDebitsSince } from '../../db/ledger-store.js';
import type { Clock } from '../clock.js';
import { agentAccountId } from '../ledger/accounts.js';
import { NON_SPEND_ENTRY_TYPES } from '../ledger/entry-types.js';
import { expireDueHoldsOf } from '../ledger/holds.js';
import { getBalance, utcDay } from '../ledger/transfers.js';
import { refreshLifecycle } from './lifecycle.js';
import { requireAgent } from './registry.js';
import { BURN_WINDOW_DAYS, lifecycleStatus, runwayDays, type AgentStatus, type StoredAgentStatus } from './runway.js';
import { mapInOrder } from '../../core/in-order.js';

const DAY_MS = 86_400_000;

export interface AgentWallet {
  agentId: string;
  name: string;
  balanceMsats: number;
  heldMsats: number;
  availableMsats: number;
  runwayDays: number | null;
  status: AgentStatus;
}

/** Spending over the window: today and the BURN_WINDOW_DAYS − 1 UTC days before it. */
async function spentInWindow(db: Db, clock: Clock, accountId: string): Promise<number> {
  const since = utcDay(new Date(clock.now().getTime() - (BURN_WINDOW_DAYS - 1) * DAY_MS).toISOString());
  let spent = 0;
  for (const [entryType, total] of await dailyDebitsSince(db, accountId, since)) {
    if (!(NON_SPEND_ENTRY_TYPES as readonly string[]).includes(entryType)) spent += total;
  }
  return spent;
}

export async function agentWallet(db: Db, clock: Clock, agentId: string): Promise<AgentWallet> {
  const accountId = agentAccountId(agentId);
  await expireDueHoldsOf(db, clock, accountId);
  let agent = await requireAgent(db, agentId);
  const balance = await getBalance(db, accountId);
  // Only an active agent with nothing available can be due for termination (every wallet read is hot).
  if (agent.status === 'Active' && balance.availableMsats === 0 && (await refreshLifecycle(db, clock, agentId)) !== 'Active') agent = await requireAgent(db, agentId);
  const sponsor = await identity.getSponsor(db, agent.sponsorId);
  const runway = runwayDays(balance.availableMsats, await spentInWindow(db, clock, accountId));
  return {
    agentId,
    name: agent.name,
    balanceMsats: balance.balanceMsats,
    heldMsats: balance.heldMsats,
    availableMsats: balance.availableMsats,
    runwayDays: runway,
    status: lifecycleStatus(agent.status as StoredAgentStatus, runway, sponsor?.lowBalanceDays),
  };
}

export async function sponsorWallets(db: Db, clock: Clock, sponsorId: string): Promise<AgentWallet[]> {
  return await mapInOrder(await identity.listSponsorAgents(db, sponsorId), async (agent) => agentWallet(db, clock, agent.id));
}
