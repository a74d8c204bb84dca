// SQL for coalitions, their members and subtasks.
import { and, eq, sql } from 'drizzle-orm';
import { conflictTarget } from './conflict-target.js';
import type { Db } from './connection.js';
import { coalitionMembers, coalitions, coalitionSubtasks } from './schema.js';

export type CoalitionRow = typeof coalitions.$inferSelect;
export type MemberRow = typeof coalitionMembers.$inferSelect;
export type SubtaskRow = typeof coalitionSubtasks.$inferSelect;

export const insertCoalition = async (db: Db, row: CoalitionRow) => await db.orm.insert(coalitions).values(row).run();
export const getCoalition = (db: Db, id: string) => db.orm.select().from(coalitions).where(eq(coalitions.id, id)).get();
export const updateCoalition = async (db: Db, id: string, fromStatus: string, set: Partial<CoalitionRow>) =>
  (
    await db.orm
      .update(coalitions)
      .set(set)
      .where(and(eq(coalitions.id, id), eq(coalitions.status, fromStatus)))
      .run()
  ).changes === 1;

// In the order they joined: a member's row changes only when it is invited, joins or leaves,
// so a joined member's updated_at is when it joined; rowid (insertion order) breaks ties.
// Settlement gives the remainder to the first member, which must not depend on agent ids.
export const members = (db: Db, coalitionId: string) =>
  db.orm
    .select()
    .from(coalitionMembers)
    .where(eq(coalitionMembers.coalitionId, coalitionId))
    .orderBy(coalitionMembers.updatedAt, sql`rowid`)
    .all();
export const upsertMember = async (db: Db, row: MemberRow) =>
  await db.orm
    .insert(coalitionMembers)
    .values(row)
    .onConflictDoUpdate({
      target: conflictTarget(coalitionMembers.coalitionId, coalitionMembers.agentId),
      set: { status: row.status, fixedMsats: row.fixedMsats, updatedAt: row.updatedAt },
    })
    .run();

export const subtasks = (db: Db, coalitionId: string, round: number) =>
  db.orm
    .select()
    .from(coalitionSubtasks)
    .where(and(eq(coalitionSubtasks.coalitionId, coalitionId), eq(coalitionSubtasks.round, round)))
    .all();
export const insertSubtask = async (db: Db, row: SubtaskRow) => await db.orm.insert(coalitionSubtasks).values(row).run();
export const updateSubtask = async (db: Db, coalitionId: string, round: number, key: string, set: Partial<SubtaskRow>) =>
  await db.orm
    .update(coalitionSubtasks)
    .set(set)
    .where(and(eq(coalitionSubtasks.coalitionId, coalitionId), eq(coalitionSubtasks.round, round), eq(coalitionSubtasks.key, key)))
    .run();

export type CoalitionRole = 'funder' | 'coordinator' | 'member' | 'invited' | 'open';

export interface CoalitionListRow {
  id: string;
  coalitionType: string;
  status: string;
  funderId: string;
  coordinatorId: string | null;
  poolMsats: number;
  memberCount: number;
}

/**
 * Coalitions an agent is in by the given role (none: any role), or open Market ones,
 * newest first (ids are time-ordered). member_count counts joined members.
 */
export async function listCoalitions(db: Db, f: { agentId: string; role?: CoalitionRole; status?: string; beforeId?: string; limit: number }): Promise<CoalitionListRow[]> {
  const membership = (status: string) => `EXISTS (SELECT 1 FROM coalition_members m WHERE m.coalition_id = c.id AND m.agent_id = @agentId AND m.status = '${status}')`;
  const byRole: Record<CoalitionRole, string> = {
    funder: 'c.funder_id = @agentId',
    coordinator: 'c.coordinator_id = @agentId',
    member: membership('joined'),
    invited: membership('invited'),
    // Anyone may join a Market coalition while it forms or runs; a status filter widens or narrows that.
    open: `c.coalition_type = 'Market'${f.status ? '' : " AND c.status IN ('Forming', 'Active')"}`,
  };
  const where = [
    f.role ? byRole[f.role] : `(${[byRole.funder, byRole.coordinator, membership('joined'), membership('invited')].join(' OR ')})`,
    f.status ? 'c.status = @status' : null,
    f.beforeId ? 'c.id < @beforeId' : null,
  ].filter(Boolean);
  return (await db
    .prepare(
      `SELECT c.id, c.coalition_type AS "coalitionType", c.status, c.funder_id AS "funderId", c.coordinator_id AS "coordinatorId", c.pool_msats AS "poolMsats",
         (SELECT COUNT(*) FROM coalition_members m WHERE m.coalition_id = c.id AND m.status = 'joined') AS "memberCount"
       FROM coalitions c WHERE ${where.join(' AND ')} ORDER BY c.id DESC LIMIT @limit`,
    )
    .all({ agentId: f.agentId, status: f.status ?? null, beforeId: f.beforeId ?? null, limit: f.limit })) as CoalitionListRow[];
}
