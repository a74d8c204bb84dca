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

export function requireOwnAgent(db: Db, sponsorId: string, agentId: string): AgentRow {
  const agent = requireAgent(db, agentId);
  if (agent.sponsorId !== sponsorId) throw new MarketError('NOT_FOUND', `No agent ${agentId} among your agents.`);
  return agent;
}

function auditSponsor(db: Db, clock: Clock, sponsorId: string, agentId: string, tool: string, actionType: string, message: string, policyVersion: number | null) {
  recordAudit(db, clock, {
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

export function getAgentPolicy(db: Db, sponsorId: string, agentId: string): VersionedPolicy {
  requireOwnAgent(db, sponsorId, agentId);
  return currentPolicy(db, agentId);
}

export function setAgentPolicy(db: Db, clock: Clock, sponsorId: string, agentId: string, document: unknown): VersionedPolicy {
  return db.write(async (tx) => {
    requireOwnAgent(tx, sponsorId, agentId);
    const set = setPolicy(tx, clock, agentId, document, `sponsor:${sponsorId}`);
    auditSponsor(tx, clock, sponsorId, agentId, 'marketplace_set_policy', 'SetPolicy', `policy v${set.version}`, set.version);
    return set;
  });
}

export const STATUS_ACTIONS = { suspend: 'Suspended', reactivate: 'Active', terminate: 'Terminated' } as const satisfies Record<string, StoredAgentStatus>;

export function changeAgentStatus(
  db: Db,
  clock: Clock,
  sponsorId: string,
  agentId: string,
  action: keyof typeof STATUS_ACTIONS,
  reason: string | null,
): { agent_id: string; status: StoredAgentStatus } {
  return db.write(async (tx) => {
    requireOwnAgent(tx, sponsorId, agentId);
    const status = STATUS_ACTIONS[action];
    setAgentStatus(tx, clock, agentId, status, reason ?? `${action} by sponsor`);
    auditSponsor(tx, clock, sponsorId, agentId, 'marketplace_set_agent_status', 'SetAgentStatus', `${action}${reason ? `: ${reason}` : ''}`, null);
    return { agent_id: agentId, status };
  });
}
