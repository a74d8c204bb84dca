// An agent's coalitions by the part it plays, and the open Market coalitions anyone may join.
import type { Db } from '../../db/connection.js';
import { listCoalitions, type CoalitionListRow, type CoalitionRole } from '../../db/coalition-store.js';
import { msatsToSats } from '../money.js';
import { decodeCursor, encodeCursor, toPage } from '../pagination.js';
import type { CoalitionStatus, CoalitionType } from './coalitions.js';

export const COALITION_ROLES: readonly CoalitionRole[] = ['funder', 'coordinator', 'member', 'invited', 'open'];

const view = (r: CoalitionListRow) => ({
  coalition_id: r.id,
  coalition_type: r.coalitionType as CoalitionType,
  status: r.status as CoalitionStatus,
  funder_id: r.funderId,
  coordinator_id: r.coordinatorId,
  pool_sats: msatsToSats(r.poolMsats),
  member_count: r.memberCount,
});

export async function listCoalitionsPage(db: Db, agentId: string, q: { role?: CoalitionRole; status?: CoalitionStatus; cursor?: string; limit: number }) {
  const beforeId = q.cursor ? (decodeCursor(q.cursor, { id: 'string' }).id as string) : undefined;
  const rows = await listCoalitions(db, { agentId, role: q.role, status: q.status, beforeId, limit: q.limit + 1 });
  return toPage(rows, q.limit, view, (r) => encodeCursor({ id: r.id }));
}
