// SQL for compute providers and their ratings. Listing filters in SQL what SQL can (kind,
// region, approval); reputation is computed in the domain from the stored metrics.
import { and, asc, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { SQLiteColumn } from 'drizzle-orm/sqlite-core';
import { conflictTarget } from './conflict-target.js';
import { preparedPerConnection, type Db } from './connection.js';
import { computeJobs, computePayments, computeProviders, providerRatings } from './schema.js';

export type ProviderRow = typeof computeProviders.$inferSelect;

export const insertProvider = async (db: Db, row: ProviderRow) => await db.orm.insert(computeProviders).values(row).run();
export const getProvider = (db: Db, id: string) => db.orm.select().from(computeProviders).where(eq(computeProviders.id, id)).get();
export const providerByNpub = (db: Db, npub: string) => db.orm.select().from(computeProviders).where(eq(computeProviders.npub, npub)).get();
export const setApproved = async (db: Db, id: string, approved: boolean, updatedAt: string) =>
  (await db.orm.update(computeProviders).set({ approved, updatedAt }).where(eq(computeProviders.id, id)).run()).changes === 1;

/** The JSON array in the column holds the value. PostgreSQL reads the elements as text, so a number is compared as its text. */
function inJsonArray(db: Db, column: SQLiteColumn, value: string | number): SQL {
  return db.dialect === 'postgres'
    ? sql`EXISTS (SELECT 1 FROM jsonb_array_elements_text(CAST(${column} AS jsonb)) AS t(value) WHERE t.value = ${String(value)})`
    : sql`EXISTS (SELECT 1 FROM json_each(${column}) WHERE value = ${value})`;
}

export async function listProviders(db: Db, f: { kind?: number; region?: string; includeUnapproved: boolean }): Promise<ProviderRow[]> {
  return db.orm
    .select()
    .from(computeProviders)
    .where(
      and(
        f.includeUnapproved ? undefined : eq(computeProviders.approved, true),
        f.kind !== undefined ? inJsonArray(db, computeProviders.kinds, f.kind) : undefined,
        f.region !== undefined ? inJsonArray(db, computeProviders.regions, f.region) : undefined,
      ),
    )
    .orderBy(asc(computeProviders.id))
    .all();
}

export const ratingsOf = async (db: Db, providerId: string) =>
  (await db.orm.select({ stars: providerRatings.stars }).from(providerRatings).where(eq(providerRatings.providerId, providerId)).all()).map((r) => r.stars);

export const upsertRating = async (db: Db, row: typeof providerRatings.$inferSelect) =>
  await db.orm
    .insert(providerRatings)
    .values(row)
    .onConflictDoUpdate({ target: conflictTarget(providerRatings.providerId, providerRatings.agentId), set: { stars: row.stars, updatedAt: row.updatedAt } })
    .run();
export const updateProvider = async (db: Db, id: string, set: Partial<ProviderRow>) => await db.orm.update(computeProviders).set(set).where(eq(computeProviders.id, id)).run();

export type JobRow = typeof computeJobs.$inferSelect;
export const insertJob = async (db: Db, row: JobRow) => await db.orm.insert(computeJobs).values(row).run();
export const getJob = (db: Db, id: string) => db.orm.select().from(computeJobs).where(eq(computeJobs.id, id)).get();
export const updateJob = async (db: Db, id: string, fromStatuses: string[], set: Partial<JobRow>) =>
  (
    await db.orm
      .update(computeJobs)
      .set(set)
      .where(and(eq(computeJobs.id, id), inArray(computeJobs.status, fromStatuses)))
      .run()
  ).changes === 1;

/** Folds one attempt's outcome into the provider's record (its reputation reads these). */
export async function recordOutcome(db: Db, id: string, o: { ok: boolean; responseMs: number; at: string }): Promise<void> {
  await db.orm
    .update(computeProviders)
    .set(
      o.ok
        ? {
            completed: sql`${computeProviders.completed} + 1`,
            responseMsTotal: sql`${computeProviders.responseMsTotal} + ${Math.round(o.responseMs)}`,
            lastCompletedAt: o.at,
            updatedAt: o.at,
          }
        : { failed: sql`${computeProviders.failed} + 1`, updatedAt: o.at },
    )
    .where(eq(computeProviders.id, id))
    .run();
}

/** One discovery round's look at a provider: up when it announced itself or was active since the last round. */
export async function recordUptimeCheck(db: Db, id: string, up: boolean, at: string): Promise<void> {
  await uptimeStatements(db).check.run({ seen: up ? 1 : 0, at, id });
}

// Prepared once: a discovery round runs it for every known provider.
const uptimeStatements = preparedPerConnection((db) => ({
  check: db.prepare(
    `UPDATE compute_providers SET uptime_checks = uptime_checks + 1, uptime_seen = uptime_seen + @seen,
       uptime_pct = 100.0 * (uptime_seen + @seen) / (uptime_checks + 1), updated_at = @at WHERE id = @id`,
  ),
}));

/** Jobs a provider took today (UTC), for its tier's daily cap. */
export const jobsToday = async (db: Db, providerId: string, dayStartIso: string) =>
  ((await db.prepare('SELECT count(*) AS n FROM compute_jobs WHERE provider_id = ? AND created_at >= ?').get(providerId, dayStartIso)) as { n: number }).n;
export type ComputePaymentRow = typeof computePayments.$inferSelect;
export const insertComputePayment = async (db: Db, row: ComputePaymentRow) => await db.orm.insert(computePayments).values(row).run();
export const getComputePayment = (db: Db, id: string) => db.orm.select().from(computePayments).where(eq(computePayments.id, id)).get();
export const computePaymentByHash = (db: Db, paymentHash: string) => db.orm.select().from(computePayments).where(eq(computePayments.paymentHash, paymentHash)).get();
export const computePaymentsOf = (db: Db, jobId: string) => db.orm.select().from(computePayments).where(eq(computePayments.jobId, jobId)).all();
export const computePaymentsIn = (db: Db, status: string) => db.orm.select().from(computePayments).where(eq(computePayments.status, status)).orderBy(asc(computePayments.id)).all();
export const allComputePayments = (db: Db) => db.orm.select().from(computePayments).all();
export const updateComputePayment = async (db: Db, id: string, fromStatus: string, set: Partial<ComputePaymentRow>) =>
  (
    await db.orm
      .update(computePayments)
      .set(set)
      .where(and(eq(computePayments.id, id), eq(computePayments.status, fromStatus)))
      .run()
  ).changes === 1;

export const unfinishedJobs = (db: Db) =>
  db.orm
    .select()
    .from(computeJobs)
    .where(inArray(computeJobs.status, ['queued', 'running']))
    .all();
