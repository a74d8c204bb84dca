// The agent directory: public profiles, and finding agents for a task.
import type { Db } from '../../db/connection.js';
import * as hiring from '../../db/hiring-store.js';
import * as identity from '../../db/identity-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { formatSats } from '../money.js';
import { requireAgent } from './registry.js';
import { mapInOrder } from '../../core/in-order.js';

export const AVAILABILITY = ['available', 'busy', 'unavailable'] as const;
export type Availability = (typeof AVAILABILITY)[number];

export interface ProfileUpdate {
  description?: string;
  skills?: string[];
  mcp_servers?: string[];
  price_hint_sats?: number | null;
  availability?: Availability;
}

export interface AgentProfile {
  agent_id: string;
  name: string;
  /** The agent's own words about itself, read by others. */
  untrusted_description: string;
  skills: string[];
  mcp_servers: string[];
  price_hint_sats: number | null;
  availability: string;
  lightning_address: string | null;
  npub: string;
  /** From completed contracts, ratings and lost disputes; null before any. */
  reputation: number | null;
  /** What the directory ranks and min_reputation filters by: reputation, or the neutral start without a record. */
  score: number;
  status: string;
}

export async function updateProfile(db: Db, clock: Clock, agentId: string, update: ProfileUpdate): Promise<AgentProfile> {
  return db.write(async (tx) => {
    await requireAgent(tx, agentId);
    const current = await hiring.getProfile(tx, agentId);
    await hiring.upsertProfile(tx, {
      agentId,
      description: update.description ?? current?.description ?? '',
      skills: update.skills ?? current?.skills ?? [],
      mcpServers: update.mcp_servers ?? current?.mcpServers ?? [],
      priceHintSats: update.price_hint_sats !== undefined ? update.price_hint_sats : (current?.priceHintSats ?? null),
      availability: update.availability ?? current?.availability ?? 'available',
      updatedAt: clock.now().toISOString(),
    });
    return agentProfile(tx, agentId);
  });
}

export async function agentProfile(db: Db, agentId: string): Promise<AgentProfile> {
  const agent = await requireAgent(db, agentId);
  const profile = await hiring.getProfile(db, agentId);
  return {
    agent_id: agent.id,
    name: agent.name,
    untrusted_description: profile?.description ?? '',
    skills: profile?.skills ?? [],
    mcp_servers: profile?.mcpServers ?? [],
    price_hint_sats: profile?.priceHintSats ?? null,
    availability: profile?.availability ?? 'available',
    lightning_address: agent.lightningAddress,
    npub: agent.npub,
    reputation: agent.reputation,
    score: rankingScore(agent.reputation),
    status: agent.status,
  };
}

export interface AgentQuery {
  skills?: string[];
  mcpServers?: string[];
  minReputation?: number;
  maxPriceSats?: number;
  exclude?: string;
}

/** A directory filter an agent fails, and how: what a "no match" answer tells the asker. */
export interface FilterMiss {
  filter: 'skills' | 'mcp_servers' | 'max_price' | 'min_reputation' | 'availability';
  detail: string;
}

type DirectoryRow = Awaited<ReturnType<typeof hiring.directory>>[number];

function missesOf(a: DirectoryRow, q: AgentQuery): FilterMiss[] {
  const lacking = (list: string[], wanted: string[] | undefined) => {
    const set = new Set(list.map((s) => s.toLowerCase()));
    return (wanted ?? []).filter((w) => !set.has(w.toLowerCase()));
  };
  const misses: FilterMiss[] = [];
  if (a.availability === 'unavailable') misses.push({ filter: 'availability', detail: 'says it is unavailable' });
  const skills = lacking(a.skills, q.skills);
  if (skills.length > 0) misses.push({ filter: 'skills', detail: `lacks ${skills.join(', ')}` });
  const servers = lacking(a.mcpServers, q.mcpServers);
  if (servers.length > 0) misses.push({ filter: 'mcp_servers', detail: `lacks ${servers.join(', ')}` });
  if (q.maxPriceSats !== undefined && a.priceHintSats !== null && a.priceHintSats > q.maxPriceSats) {
    misses.push({ filter: 'max_price', detail: `its price hint ${formatSats(a.priceHintSats)} is above ${formatSats(q.maxPriceSats)}` });
  }
  const score = rankingScore(a.reputation);
  if (q.minReputation !== undefined && score < q.minReputation) misses.push({ filter: 'min_reputation', detail: `its score ${score} is below ${q.minReputation}` });
  return misses;
}

/**
 * Every active agent in the directory but the asker, with the filters it fails (none for a
 * match); best first: reputation, then price. An agent with no record yet counts with the
 * neutral score a first job would start from.
 */
export async function directoryFit(db: Db, q: AgentQuery): Promise<{ agentId: string; misses: FilterMiss[] }[]> {
  return (await hiring.directory(db))
    .filter((a) => a.status === 'Active' && a.agentId !== q.exclude)
    .map((a) => ({ a, score: rankingScore(a.reputation) }))
    .sort((x, y) => y.score - x.score || (x.a.priceHintSats ?? 0) - (y.a.priceHintSats ?? 0) || (x.a.agentId < y.a.agentId ? -1 : 1))
    .map(({ a }) => ({ agentId: a.agentId, misses: missesOf(a, q) }));
}

/** Active, available agents that have every required skill and MCP server, within the price and reputation asked; best first. */
export async function findAgents(db: Db, q: AgentQuery): Promise<AgentProfile[]> {
  return await mapInOrder(
    (await directoryFit(db, q)).filter((f) => f.misses.length === 0),
    async (f) => agentProfile(db, f.agentId),
  );
}

/** agentReputation of an empty record: (0.6 · 1/2 + 0.4 · 0.75). */
export const NEUTRAL_REPUTATION = 0.6;

const rankingScore = (reputation: number | null): number => reputation ?? NEUTRAL_REPUTATION;

export async function requireHireable(db: Db, agentId: string): Promise<void> {
  const agent = await identity.getAgent(db, agentId);
  if (!agent) throw new MarketError('NOT_FOUND', `No agent ${agentId}.`);
  if (agent.status !== 'Active') throw new MarketError('CONFLICT', `Agent ${agentId} is ${agent.status} and cannot be hired.`);
}
