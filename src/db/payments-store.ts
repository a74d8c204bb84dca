// SQL for Lightning deposits, withdrawals and the sandbox rail's pretend invoices.
import { and, asc, desc, eq, inArray, lt, ne } from 'drizzle-orm';
import type { Db } from './connection.js';
import { lightningInvoices, sandboxInvoices, withdrawals } from './schema.js';

export type InvoiceRow = typeof lightningInvoices.$inferSelect;
export type WithdrawalRow = typeof withdrawals.$inferSelect;

export const insertInvoice = async (db: Db, row: InvoiceRow) => await db.orm.insert(lightningInvoices).values(row).run();
export const invoiceById = (db: Db, id: string) => db.orm.select().from(lightningInvoices).where(eq(lightningInvoices.id, id)).get();
export const fillInvoice = async (db: Db, id: string, set: { bolt11: string; paymentHash: string; expiresAt: string }) =>
  await db.orm
    .update(lightningInvoices)
    .set({ ...set, status: 'pending' })
    .where(and(eq(lightningInvoices.id, id), eq(lightningInvoices.status, 'requested')))
    .run();
export const invoiceByHash = (db: Db, paymentHash: string) => db.orm.select().from(lightningInvoices).where(eq(lightningInvoices.paymentHash, paymentHash)).get();

export async function updateInvoice(db: Db, paymentHash: string, fromStatus: string, set: Partial<InvoiceRow>): Promise<boolean> {
  return (
    (
      await db.orm
        .update(lightningInvoices)
        .set(set)
        .where(and(eq(lightningInvoices.paymentHash, paymentHash), eq(lightningInvoices.status, fromStatus)))
        .run()
    ).changes === 1
  );
}

/** Invoices still waiting for payment, oldest first (the watcher asks the wallet about them). */
export const pendingInvoices = (db: Db, limit: number) =>
  db.orm.select().from(lightningInvoices).where(eq(lightningInvoices.status, 'pending')).orderBy(asc(lightningInvoices.id)).limit(limit).all();

export const allInvoices = (db: Db) => db.orm.select().from(lightningInvoices).all();

export const insertWithdrawal = async (db: Db, row: WithdrawalRow) => await db.orm.insert(withdrawals).values(row).run();
export const getWithdrawal = (db: Db, id: string) => db.orm.select().from(withdrawals).where(eq(withdrawals.id, id)).get();

export async function updateWithdrawal(db: Db, id: string, fromStatuses: string[], set: Partial<WithdrawalRow>): Promise<boolean> {
  return (
    (
      await db.orm
        .update(withdrawals)
        .set(set)
        .where(and(eq(withdrawals.id, id), inArray(withdrawals.status, fromStatuses)))
        .run()
    ).changes === 1
  );
}

/** A withdrawal for this payment hash that did not fail: paying the hash again would pay twice. */
export const liveWithdrawalFor = (db: Db, paymentHash: string) =>
  db.orm
    .select()
    .from(withdrawals)
    .where(and(eq(withdrawals.paymentHash, paymentHash), ne(withdrawals.status, 'failed')))
    .get();

/** Of these payment hashes, those a failed withdrawal tried before: the invoice is being paid again. */
export const retriedWithdrawalHashes = async (db: Db, paymentHashes: string[]) =>
  new Set(
    paymentHashes.length === 0
      ? []
      : (
          await db.orm
            .selectDistinct({ paymentHash: withdrawals.paymentHash })
            .from(withdrawals)
            .where(and(inArray(withdrawals.paymentHash, paymentHashes), eq(withdrawals.status, 'failed')))
            .all()
        ).map((r) => r.paymentHash),
  );

export const withdrawalsIn = (db: Db, statuses: string[]) => db.orm.select().from(withdrawals).where(inArray(withdrawals.status, statuses)).orderBy(asc(withdrawals.id)).all();
export const allWithdrawals = (db: Db) => db.orm.select().from(withdrawals).all();

export const listWithdrawals = (db: Db, agentId: string, beforeId: string | undefined, limit: number) =>
  db.orm
    .select()
    .from(withdrawals)
    .where(and(eq(withdrawals.agentId, agentId), beforeId ? lt(withdrawals.id, beforeId) : undefined))
    .orderBy(desc(withdrawals.id))
    .limit(limit)
    .all();

export const insertSandboxInvoice = async (db: Db, row: typeof sandboxInvoices.$inferInsert) => await db.orm.insert(sandboxInvoices).values(row).run();
export const sandboxInvoice = (db: Db, paymentHash: string) => db.orm.select().from(sandboxInvoices).where(eq(sandboxInvoices.paymentHash, paymentHash)).get();
export const paySandboxInvoice = async (db: Db, paymentHash: string, paidAt: string) =>
  (await db.orm.update(sandboxInvoices).set({ paidAt }).where(eq(sandboxInvoices.paymentHash, paymentHash)).run()).changes === 1;
export const allSandboxInvoices = (db: Db) => db.orm.select().from(sandboxInvoices).all();
