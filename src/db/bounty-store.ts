// SQL for bounties, their submissions and the sample hashes that catch duplicates.
import { and, asc, desc, eq, gte, inArray, lt, lte, notExists, or } from 'drizzle-orm';
import type { Db } from './connection.js';
import { bounties, bountySampleHashes, bountySubmissions } from './schema.js';

export type BountyRow = typeof bounties.$inferSelect;
export type SubmissionRow = typeof bountySubmissions.$inferSelect;

export const insertBounty = async (db: Db, row: BountyRow) => await db.orm.insert(bounties).values(row).run();
export const getBounty = (db: Db, id: string) => db.orm.select().from(bounties).where(eq(bounties.id, id)).get();

export async function updateBounty(db: Db, id: string, fromStatuses: string[], set: Partial<BountyRow>): Promise<boolean> {
  return (
    (
      await db.orm
        .update(bounties)
        .set(set)
        .where(and(eq(bounties.id, id), inArray(bounties.status, fromStatuses)))
        .run()
    ).changes === 1
  );
}

export async function listBounties(db: Db, f: { status?: string; creatorId?: string; minRewardMsats?: number; beforeId?: string; limit: number }): Promise<BountyRow[]> {
  const filters = [
    f.status ? eq(bounties.status, f.status) : undefined,
    f.creatorId ? eq(bounties.creatorId, f.creatorId) : undefined,
    f.minRewardMsats !== undefined ? gte(bounties.rewardMsats, f.minRewardMsats) : undefined,
    f.beforeId ? lt(bounties.id, f.beforeId) : undefined,
  ].filter(Boolean);
  return db.orm
    .select()
    .from(bounties)
    .where(and(...filters))
    .orderBy(desc(bounties.id))
    .limit(f.limit)
    .all();
}

/**
 * Active bounties past their deadline with nothing left to wait for: no submission waiting
 * for review, or the review window (ending at reviewCutoff's deadline) over. Bounties still
 * in their review window are left out, so they never crowd out those that are due.
 */
export const dueBounties = (db: Db, nowIso: string, reviewCutoffIso: string) =>
  db.orm
    .select()
    .from(bounties)
    .where(
      and(
        eq(bounties.status, 'Active'),
        lte(bounties.deadline, nowIso),
        or(
          lte(bounties.deadline, reviewCutoffIso),
          notExists(
            db.orm
              .select({ id: bountySubmissions.id })
              .from(bountySubmissions)
              .where(and(eq(bountySubmissions.bountyId, bounties.id), eq(bountySubmissions.status, 'Pending'))),
          ),
        ),
      ),
    )
    .limit(200)
    .all();

export const insertSubmission = async (db: Db, row: SubmissionRow) => await db.orm.insert(bountySubmissions).values(row).run();
export const getSubmission = (db: Db, id: string) => db.orm.select().from(bountySubmissions).where(eq(bountySubmissions.id, id)).get();

export async function updateSubmission(db: Db, id: string, fromStatuses: string[], set: Partial<SubmissionRow>): Promise<boolean> {
  return (
    (
      await db.orm
        .update(bountySubmissions)
        .set(set)
        .where(and(eq(bountySubmissions.id, id), inArray(bountySubmissions.status, fromStatuses)))
        .run()
    ).changes === 1
  );
}

/** A bounty's submissions in the order they arrived; the creator may see them all, a contributor its own. */
export async function submissionsOf(db: Db, bountyId: string, f: { status?: string; contributorId?: string } = {}): Promise<SubmissionRow[]> {
  const filters = [
    eq(bountySubmissions.bountyId, bountyId),
    f.status ? eq(bountySubmissions.status, f.status) : undefined,
    f.contributorId ? eq(bountySubmissions.contributorId, f.contributorId) : undefined,
  ].filter(Boolean);
  return db.orm
    .select()
    .from(bountySubmissions)
    .where(and(...filters))
    .orderBy(asc(bountySubmissions.id))
    .all();
}

/** Which of these hashes an earlier submission to the bounty already contributed. */
export async function knownHashes(db: Db, bountyId: string, hashes: string[]): Promise<Set<string>> {
  const found = new Set<string>();
  // SQLite caps bound parameters; 500 per query stays well inside it.
  for (let i = 0; i < hashes.length; i += 500) {
    const rows = await db.orm
      .select({ sha256: bountySampleHashes.sha256 })
      .from(bountySampleHashes)
      .where(and(eq(bountySampleHashes.bountyId, bountyId), inArray(bountySampleHashes.sha256, hashes.slice(i, i + 500))))
      .all();
    for (const r of rows) found.add(r.sha256);
  }
  return found;
}

/** Who contributed any of these hashes, to any bounty (each hash with its contributors). */
export async function contributorsOfHashes(db: Db, hashes: string[]): Promise<{ sha256: string; contributorId: string }[]> {
  if (hashes.length === 0) return [];
  return db.orm
    .selectDistinct({ sha256: bountySampleHashes.sha256, contributorId: bountySubmissions.contributorId })
    .from(bountySampleHashes)
    .innerJoin(bountySubmissions, eq(bountySubmissions.id, bountySampleHashes.submissionId))
    .where(inArray(bountySampleHashes.sha256, hashes))
    .all();
}

export async function insertHashes(db: Db, bountyId: string, submissionId: string, hashes: string[]): Promise<void> {
  for (let i = 0; i < hashes.length; i += 300) {
    await db.orm
      .insert(bountySampleHashes)
      .values(hashes.slice(i, i + 300).map((sha256) => ({ bountyId, sha256, submissionId })))
      .run();
  }
}
