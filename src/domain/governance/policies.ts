// Each agent's policy is versioned: setting one appends a version; the newest decides.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/governance-store.js';
import * as identity from '../../db/identity-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { refusesCounterparty } from './evaluate.js';
import { DEFAULT_POLICY, parsePolicy, type Policy } from './policy.js';

export interface VersionedPolicy {
  agentId: string;
  version: number;
  policy: Policy;
}

export async function currentPolicy(db: Db, agentId: string): Promise<VersionedPolicy> {
  const row = await store.latestPolicy(db, agentId);
  if (!row) return { agentId, version: 0, policy: DEFAULT_POLICY };
  return { agentId, version: row.version, policy: storedPolicy(row.document) };
}

/** Policies parsed from their stored text, since every gated call reads one; frozen, as they are shared. */
const parsedPolicies = new Map<string, Policy>();
const MAX_PARSED_POLICIES = 1_000;

function storedPolicy(document: string): Policy {
  let policy = parsedPolicies.get(document);
  if (!policy) {
    if (parsedPolicies.size >= MAX_PARSED_POLICIES) parsedPolicies.clear();
    policy = deepFreeze(parsePolicy(JSON.parse(document)));
    parsedPolicies.set(document, policy);
  }
  return policy;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}

/** The policy a new agent of this sponsor starts with. */
export async function sponsorDefaultPolicy(db: Db, sponsorId: string): Promise<Policy> {
  const sponsor = await identity.getSponsor(db, sponsorId);
  return sponsor?.defaultPolicy ? parsePolicy(JSON.parse(sponsor.defaultPolicy)) : DEFAULT_POLICY;
}

export async function setPolicy(db: Db, clock: Clock, agentId: string, document: unknown, createdBy: string): Promise<VersionedPolicy> {
  const policy = parsePolicy(document);
  return db.write(async (tx) => {
    if (!(await identity.getAgent(tx, agentId))) throw new MarketError('NOT_FOUND', `No agent ${agentId}.`);
    const version = ((await store.latestPolicy(tx, agentId))?.version ?? 0) + 1;
    await store.insertPolicy(tx, { agentId, version, document: JSON.stringify(policy), createdBy, createdAt: clock.now().toISOString() });
    return { agentId, version, policy };
  });
}

/** The policy new agents of this sponsor start with (existing agents keep theirs). */
export async function setSponsorDefaultPolicy(db: Db, sponsorId: string, document: unknown): Promise<Policy> {
  const policy = parsePolicy(document);
  await db.write(async (tx) => {
    if (!(await identity.getSponsor(tx, sponsorId))) throw new MarketError('NOT_FOUND', `No sponsor ${sponsorId}.`);
    await identity.updateSponsorDefaultPolicy(tx, sponsorId, JSON.stringify(policy));
  });
  return policy;
}

/**
 * Whether an agent's current policy lets it deal with another agent when nobody is asked
 * (see refusesCounterparty): used where one agent's money can reach an agent that chose
 * itself (an open coalition, a bounty contribution) or that a third party seated.
 */
export async function dealsWith(db: Db, agentId: string, otherId: string): Promise<boolean> {
  return agentId === otherId || !refusesCounterparty((await currentPolicy(db, agentId)).policy, otherId);
}
