import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { MarketError } from '../../core/errors.js';

export function requireAgent(db: Db, agentId: string): identity.AgentRow {
  const agent = identity.getAgent(db, agentId);
  if (!agent) throw new MarketError('NOT_FOUND', `No agent ${agentId}.`);
  return agent;
}
