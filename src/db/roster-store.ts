// Every sponsor and every agent, for the operator's `sponsors list` and `agents list`.
import { asc } from 'drizzle-orm';
import type { Db } from './connection.js';
import type { AgentRow, SponsorRow } from './identity-store.js';
import { agents, sponsors } from './schema.js';

export async function listSponsors(db: Db): Promise<SponsorRow[]> {
  return db.orm.select().from(sponsors).orderBy(asc(sponsors.id)).all();
}

/** Grouped by sponsor, each sponsor's in the order they were created (ids are time-ordered). */
export async function listAgents(db: Db): Promise<AgentRow[]> {
  return db.orm.select().from(agents).orderBy(asc(agents.sponsorId), asc(agents.id)).all();
}
