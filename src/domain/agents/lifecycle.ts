// Agent lifecycle (SEED-RULES): Suspended by a policy trigger or the sponsor;
// Terminated by the sponsor or when the available balance stays at zero past the grace
// period. Both can read but not act; the sponsor can reactivate.
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { lastTouchedAt } from '../../db/ledger-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { notifySponsor } from '../governance/notifications.js';
import { agentAccountId } from '../ledger/accounts.js';
import { getBalance } from '../ledger/transfers.js';
import type { StoredAgentStatus } from './runway.js';
import { requireAgent } from './registry.js';

export const TERMINATION_GRACE_MS = 72 * 3_600_000;

export async function setAgentStatus(db: Db, clock: Clock, agentId: string, status: StoredAgentStatus, reason: string): Promise<void> {
  await db.write(async (tx) => {
    const agent = await requireAgent(tx, agentId);
    // Reactivating an already active agent still restarts its zero-balance grace period.
    if (agent.status === status && status !== 'Active') return;
    await identity.updateAgentStatus(tx, agentId, status, clock.now().toISOString(), reason);
    if (agent.status !== status) await notifySponsor(tx, clock, agent.sponsorId, 'agent.status_changed', { agent_id: agentId, from: agent.status, to: status, reason });
  });
}

/**
 * Terminates an agent whose available balance has sat at zero for the grace period.
 * The moment it reached zero is the last transfer that touched its wallet (nothing has
 * changed it since), or the last reactivation if that came later. An agent that was
 * never funded has not started yet and is left alone.
 */
export async function refreshLifecycle(db: Db, clock: Clock, agentId: string): Promise<StoredAgentStatus> {
  // Nearly every call finds nothing due: decide on a read, and take the write lock only to terminate.
  const status = await terminationDue(db, clock, agentId);
  if (status !== 'due') return status;
  return db.write(async (tx) => {
    const again = await terminationDue(tx, clock, agentId);
    if (again !== 'due') return again;
    await setAgentStatus(tx, clock, agentId, 'Terminated', 'available balance stayed at zero past the 72 h grace period');
    return 'Terminated';
  });
}

async function terminationDue(db: Db, clock: Clock, agentId: string): Promise<StoredAgentStatus | 'due'> {
  const agent = await requireAgent(db, agentId);
  if (agent.status !== 'Active') return agent.status as StoredAgentStatus;
  const account = agentAccountId(agentId);
  if ((await getBalance(db, account)).availableMsats > 0) return 'Active';
  const touched = await lastTouchedAt(db, account);
  if (touched === null) return 'Active';
  const since = agent.statusChangedAt && agent.statusChangedAt > touched ? agent.statusChangedAt : touched;
  return clock.now().getTime() - Date.parse(since) < TERMINATION_GRACE_MS ? 'Active' : 'due';
}

export async function requireActive(db: Db, agentId: string): Promise<void> {
  const status = (await requireAgent(db, agentId)).status;
  if (status !== 'Active') {
    throw new MarketError('POLICY_DENIED', `This agent is ${status}: it can read but not act until its sponsor reactivates it.`);
  }
}
