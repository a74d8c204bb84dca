// What a sponsor does to its own agents: set their policy, suspend, reactivate or
// terminate them. Each is checked for ownership and audited like a gate decision.
import type { Db } from '../../db/connection.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { setAgentStatus } from '../agents/lifecycle.js';
import type { StoredAgentStatus } from '../agents/runway.js';
import { requireAgent } from '../agents/registry.js';
import type { AgentRow } from '../../db/identity-store.js';
import { recordAudit } from './audit.js';
import { currentPolicy, setPolicy, type VersionedPolicy } from './policies.js';

export async function requireOwnAgent(db: Db, sponsorId: string, agentId: string): Promise<AgentRow> {
  const agent = await requireAgent(db, agentId);
  if (agent.sponsorId !== sponsorId) throw new MarketError('NOT_FOUND', `No agent ${agentId} among your agents.`);
  return agent;
}

async function auditSponsor(db: Db, clock: Clock, sponsorId: string, agentId: string, tool: string, actionType: string, message: string, policyVersion: number | null) {
  await recordAudit(db, clock, {
    sponsorId,
    agentId,
    caller: { role: 'sponsor', id: sponsorId },
    tool,
    actionType,
    amountMsats: 0,
    counterparty: null,
    outcome: 'allowed',
    rule: 'sponsor',
    policyVersion,
    message,
  });
}

export async function getAgentPolicy(db: Db, sponsorId: string, agentId: string): Promise<VersionedPolicy> {
  await requireOwnAgent(db, sponsorId, agentId);
  return currentPolicy(db, agentId);
}

export async function setAgentPolicy(db: Db, clock: Clock, sponsorId: string, agentId: string, document: unknown): Promise<VersionedPolicy> {
  return db.write(async (tx) => {
    await requireOwnAgent(tx, sponsorId, agentId);
    const set = await setPolicy(tx, clock, agentId, document, `sponsor:${sponsorId}`);
    await auditSponsor(tx, clock, sponsorId, agentId, 'marketplace_set_policy', 'SetPolicy', `policy v${set.version}`, set.version);
    return set;
  });
}

export const STATUS_ACTIONS = { suspend: 'Suspended', reactivate: 'Active', terminate: 'Terminated' } as const satisfies Record<string, StoredAgentStatus>;

export async function changeAgentStatus(
  db: Db,
  clock: Clock,
  sponsorId: string,
  agentId: string,
  action: keyof typeof STATUS_ACTIONS,
  reason: string | null,
): Promise<{ agent_id: string; status: StoredAgentStatus }> {
  return db.write(async (tx) => {
    await requireOwnAgent(tx, sponsorId, agentId);
    const status = STATUS_ACTIONS[action];
    await setAgentStatus(tx, clock, agentId, status, reason ?? `${action} by sponsor`);
    await auditSponsor(tx, clock, sponsorId, agentId, 'marketplace_set_agent_status', 'SetAgentStatus', `${action}${reason ? `: ${reason}` : ''}`, null);
    return { agent_id: agentId, status };
  });
}
