// SQL for agent profiles and hiring contracts (not hot paths: drizzle's builder suffices).
import { and, desc, eq, inArray, isNull, lt, lte, or } from 'drizzle-orm';
import { conflictTarget } from './conflict-target.js';
import { preparedPerConnection, type Db } from './connection.js';
import { agentProfiles, agents, contracts, disputes } from './schema.js';

export type ProfileRow = typeof agentProfiles.$inferSelect;
export type ContractRow = typeof contracts.$inferSelect;

export async function getProfile(db: Db, agentId: string): Promise<ProfileRow | undefined> {
  return db.orm.select().from(agentProfiles).where(eq(agentProfiles.agentId, agentId)).get();
}

export async function upsertProfile(db: Db, row: ProfileRow): Promise<void> {
  await db.orm
    .insert(agentProfiles)
    .values(row)
    .onConflictDoUpdate({ target: conflictTarget(agentProfiles.agentId), set: row })
    .run();
}

/** Every active agent with a profile, and its reputation: the directory filters and ranks in the domain. */
export async function directory(db: Db): Promise<(ProfileRow & { name: string; status: string; reputation: number | null; npub: string; lightningAddress: string | null })[]> {
  return db.orm
    .select({
      agentId: agentProfiles.agentId,
      description: agentProfiles.description,
      skills: agentProfiles.skills,
      mcpServers: agentProfiles.mcpServers,
      priceHintSats: agentProfiles.priceHintSats,
      availability: agentProfiles.availability,
      updatedAt: agentProfiles.updatedAt,
      name: agents.name,
      status: agents.status,
      reputation: agents.reputation,
      npub: agents.npub,
      lightningAddress: agents.lightningAddress,
    })
    .from(agentProfiles)
    .innerJoin(agents, eq(agents.id, agentProfiles.agentId))
    .all();
}

export async function insertContract(db: Db, row: ContractRow): Promise<void> {
  await db.orm.insert(contracts).values(row).run();
}

export async function getContract(db: Db, id: string): Promise<ContractRow | undefined> {
  return db.orm.select().from(contracts).where(eq(contracts.id, id)).get();
}

export async function updateContract(db: Db, id: string, fromStatuses: string[], set: Partial<ContractRow>): Promise<boolean> {
  return (
    (
      await db.orm
        .update(contracts)
        .set(set)
        .where(and(eq(contracts.id, id), inArray(contracts.status, fromStatuses)))
        .run()
    ).changes === 1
  );
}

export async function listContracts(db: Db, agentId: string, status: string | undefined, beforeId: string | undefined, limit: number): Promise<ContractRow[]> {
  const mine = or(eq(contracts.hirerId, agentId), eq(contracts.agentId, agentId));
  const filters = [mine, status ? eq(contracts.status, status) : undefined, beforeId ? lt(contracts.id, beforeId) : undefined].filter(Boolean);
  return db.orm
    .select()
    .from(contracts)
    .where(and(...filters))
    .orderBy(desc(contracts.id))
    .limit(limit)
    .all();
}

/**
 * Contracts due to end: offers unanswered past their deadline or made before
 * offersMadeBefore, accepted work undelivered past its deadline, deliveries unreviewed
 * past the review window, and rejections the worker left unanswered past both the
 * deadline and its time to answer (kept in review_deadline while Rejected).
 */
export async function dueContracts(db: Db, nowIso: string, offersMadeBefore: string): Promise<ContractRow[]> {
  return db.orm
    .select()
    .from(contracts)
    .where(
      or(
        and(eq(contracts.status, 'Proposed'), or(lte(contracts.deadline, nowIso), lte(contracts.createdAt, offersMadeBefore))),
        and(eq(contracts.status, 'InProgress'), lte(contracts.deadline, nowIso)),
        and(eq(contracts.status, 'Delivered'), lte(contracts.reviewDeadline, nowIso)),
        and(eq(contracts.status, 'Rejected'), lte(contracts.reviewDeadline, nowIso), or(isNull(contracts.deadline), lte(contracts.deadline, nowIso))),
      ),
    )
    .limit(200)
    .all();
}

/** Completed contracts and ratings received as the hired agent: the inputs of its reputation. */
export async function workerRecord(db: Db, agentId: string): Promise<{ completed: number; failed: number; ratings: number[]; lastCompletedAt: string | null }> {
  const rows = await db.orm
    .select({ status: contracts.status, rating: contracts.hirerRating, updatedAt: contracts.updatedAt, claimantId: disputes.claimantId })
    .from(contracts)
    .leftJoin(disputes, and(eq(disputes.subjectKind, 'contract'), eq(disputes.subjectId, contracts.id)))
    .where(eq(contracts.agentId, agentId))
    .all();
  const completed = rows.filter((r) => r.status === 'Completed');
  const lost = (
    await db.orm
      .select({ id: disputes.id })
      .from(disputes)
      .where(and(eq(disputes.respondentId, agentId), inArray(disputes.resolution, ['RefundFull', 'RefundPartial'])))
      .all()
  ).length;
  return {
    completed: completed.length,
    // A lost dispute counts as a failed job: SEED-RULES "A lost dispute lowers the respondent's reputation".
    // A contract the worker itself disputes (contesting a rejection) is not held against it while the operator decides.
    failed: rows.filter((r) => r.status === 'Expired' || (r.status === 'Disputed' && r.claimantId !== agentId)).length + lost,
    ratings: rows.flatMap((r) => (r.rating === null ? [] : [r.rating])),
    lastCompletedAt:
      completed
        .map((r) => r.updatedAt)
        .sort()
        .at(-1) ?? null,
  };
}

export type DisputeRow = typeof disputes.$inferSelect;
export const insertDispute = async (db: Db, row: DisputeRow) => await db.orm.insert(disputes).values(row).run();
export const getDispute = (db: Db, id: string) => db.orm.select().from(disputes).where(eq(disputes.id, id)).get();
export const disputeOf = (db: Db, kind: string, subjectId: string) =>
  db.orm
    .select()
    .from(disputes)
    .where(and(eq(disputes.subjectKind, kind), eq(disputes.subjectId, subjectId)))
    .get();
export const updateDispute = async (db: Db, id: string, fromStatuses: string[], set: Partial<DisputeRow>) =>
  (
    await db.orm
      .update(disputes)
      .set(set)
      .where(and(eq(disputes.id, id), inArray(disputes.status, fromStatuses)))
      .run()
  ).changes === 1;
/** Debts left by resolved disputes. Raw statements: the gate asks on every agent's call. */
const debtStatements = preparedPerConnection((db) => ({
  owedBy: db.prepare<[string], { id: string; claimantId: string; debtMsats: number }>(
    'SELECT id, claimant_id AS "claimantId", debt_msats AS "debtMsats" FROM disputes WHERE respondent_id = ? AND debt_msats > 0 ORDER BY created_at, id',
  ),
  debtors: db.prepare<[], { respondentId: string }>('SELECT DISTINCT respondent_id AS "respondentId" FROM disputes WHERE debt_msats > 0'),
  reduce: db.prepare<[number, string, string, number]>('UPDATE disputes SET debt_msats = debt_msats - ?, updated_at = ? WHERE id = ? AND debt_msats = ?'),
}));
export const debtsOwedBy = (db: Db, respondentId: string) => debtStatements(db).owedBy.all(respondentId);
export const debtors = async (db: Db) => (await debtStatements(db).debtors.all()).map((r) => r.respondentId);
/** Lowers a debt that still stands at `fromMsats`; false when someone else collected first. */
export const reduceDebt = async (db: Db, id: string, fromMsats: number, byMsats: number, at: string) =>
  (await debtStatements(db).reduce.run(byMsats, at, id, fromMsats)).changes === 1;
export const listDisputes = (db: Db, agentId: string | null, status: string | undefined) =>
  db.orm
    .select()
    .from(disputes)
    .where(and(agentId ? or(eq(disputes.claimantId, agentId), eq(disputes.respondentId, agentId)) : undefined, status ? eq(disputes.status, status) : undefined))
    .orderBy(desc(disputes.id))
    .limit(100)
    .all();
