import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { MarketError } from '../../core/errors.js';

export async function requireAgent(db: Db, agentId: string): Promise<identity.AgentRow> {
  const agent = await identity.getAgent(db, agentId);
  if (!agent) throw new MarketError('NOT_FOUND', `No agent ${agentId}.`);
  return agent;
}
