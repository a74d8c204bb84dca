// `ledger verify`: trust nothing that is stored as a summary. Walk the chain, recompute
// every balance and every hold from the transfers alone, and compare.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/ledger-store.js';
import { GENESIS_HASH, transferHash } from './chain.js';
import { utcDay } from './transfers.js';

export const PROBLEM_KINDS = ['chain', 'balance', 'total', 'negative', 'hold', 'orphan', 'daily'] as const;
export type ProblemKind = (typeof PROBLEM_KINDS)[number];

export interface LedgerProblem {
  kind: ProblemKind;
  message: string;
  row?: Record<string, unknown>;
}

export interface VerifyReport {
  ok: boolean;
  accounts: number;
  transfers: number;
  /** At most maxPerKind of each kind, in the order found. */
  problems: LedgerProblem[];
  /** Every problem found, by kind: the list is capped, the counts are not. */
  problemCounts: Record<ProblemKind, number>;
}

/** Problems listed of each kind; more are counted, not listed. */
export const MAX_LISTED_PER_KIND = 100;

interface Totals {
  debitsPosted: bigint;
  creditsPosted: bigint;
  debitsPending: bigint;
  creditsPending: bigint;
}

const zero = (): Totals => ({ debitsPosted: 0n, creditsPosted: 0n, debitsPending: 0n, creditsPending: 0n });

export async function verifyLedger(db: Db, maxPerKind = MAX_LISTED_PER_KIND): Promise<VerifyReport> {
  const problems: LedgerProblem[] = [];
  // Capped per kind, never overall: a flood of one kind (say, altered transfers) must not
  // hide another (a forged balance) from the operator (issue 19).
  const problemCounts = Object.fromEntries(PROBLEM_KINDS.map((k) => [k, 0])) as Record<ProblemKind, number>;
  const report = (p: LedgerProblem) => {
    if (problemCounts[p.kind]++ < maxPerKind) problems.push(p);
  };
  const totals = new Map<string, Totals>();
  const of = (id: string) => {
    let t = totals.get(id);
    if (!t) totals.set(id, (t = zero()));
    return t;
  };
  const daily = new Map<string, bigint>();
  const addDaily = (accountId: string, createdAt: string, entryType: string, amount: bigint) => {
    const key = JSON.stringify([accountId, utcDay(createdAt), entryType]);
    daily.set(key, (daily.get(key) ?? 0n) + amount);
  };
  const pendingHolds = new Map<string, { amount: bigint; debit: string; credit: string; at: string; ended?: string; posted: bigint }>();

  let count = 0;
  let prevHash = GENESIS_HASH;
  let expectedSeq = 1;
  // A read transaction gives one consistent snapshot even while a server keeps writing.
  return db.read(async (db) => {
    const holds = await store.allHolds(db);
    // A posted hold counts as spent from when its money was first reserved (holds.ts).
    const heldSince = new Map(holds.map((h) => [h.id, h.createdAt]));
    for await (const t of store.iterateTransfers(db)) {
      count++;
      if (t.seq !== expectedSeq) report({ kind: 'chain', message: `expected transfer #${expectedSeq}, found #${t.seq}: rows are missing`, row: { ...t } });
      expectedSeq = t.seq + 1;
      if (t.prevHash !== prevHash) report({ kind: 'chain', message: `transfer #${t.seq} does not link to the one before it`, row: { ...t } });
      const hash = transferHash(t.prevHash, t);
      if (hash !== t.hash) report({ kind: 'chain', message: `transfer #${t.seq} (${t.id}) was altered: its hash does not match its contents`, row: { ...t } });
      prevHash = t.hash;

      const amount = BigInt(t.amountMsats);
      const debit = of(t.debitAccountId);
      const credit = of(t.creditAccountId);
      if (t.phase === 'posted') {
        debit.debitsPosted += amount;
        credit.creditsPosted += amount;
        addDaily(t.debitAccountId, t.createdAt, t.entryType, amount);
      } else if (t.phase === 'pending') {
        debit.debitsPending += amount;
        credit.creditsPending += amount;
        pendingHolds.set(t.id, { amount, debit: t.debitAccountId, credit: t.creditAccountId, at: t.createdAt, posted: 0n });
      } else {
        const hold = t.pendingId ? pendingHolds.get(t.pendingId) : undefined;
        if (!hold || hold.ended || hold.debit !== t.debitAccountId || hold.credit !== t.creditAccountId) {
          report({ kind: 'hold', message: `transfer #${t.seq} ends hold ${t.pendingId}, which is unknown, already ended or on other accounts`, row: { ...t } });
          continue;
        }
        hold.ended = t.phase;
        debit.debitsPending -= hold.amount;
        credit.creditsPending -= hold.amount;
        if (t.phase === 'post') {
          if (amount > hold.amount) report({ kind: 'hold', message: `transfer #${t.seq} posts more than hold ${t.pendingId} reserved`, row: { ...t } });
          hold.posted = amount;
          debit.debitsPosted += amount;
          credit.creditsPosted += amount;
          addDaily(t.debitAccountId, heldSince.get(t.pendingId!) ?? hold.at, t.entryType, amount);
        } else if (amount !== hold.amount) {
          report({ kind: 'hold', message: `transfer #${t.seq} releases ${amount} msats of a ${hold.amount} msat hold`, row: { ...t } });
        }
      }
    }

    const accounts = await store.allAccounts(db);
    let sum = 0n;
    for (const a of accounts) {
      const t = totals.get(a.id) ?? zero();
      totals.delete(a.id);
      const stored = {
        debitsPosted: BigInt(a.debitsPostedMsats),
        creditsPosted: BigInt(a.creditsPostedMsats),
        debitsPending: BigInt(a.debitsPendingMsats),
        creditsPending: BigInt(a.creditsPendingMsats),
      };
      for (const field of Object.keys(stored) as (keyof Totals)[]) {
        if (stored[field] !== t[field]) {
          report({ kind: 'balance', message: `account ${a.id}: stored ${field} ${stored[field]} msats, transfers give ${t[field]}`, row: { ...a } });
        }
      }
      const balance = t.creditsPosted - t.debitsPosted;
      sum += balance;
      if (!a.allowNegative && balance - t.debitsPending < 0n) {
        report({ kind: 'negative', message: `account ${a.id} has a negative available balance (${balance - t.debitsPending} msats)`, row: { ...a } });
      }
    }
    for (const id of totals.keys()) report({ kind: 'orphan', message: `transfers name account ${id}, which does not exist` });
    if (sum !== 0n) report({ kind: 'total', message: `balances sum to ${sum} msats instead of zero` });

    for (const h of holds) {
      const recomputed = pendingHolds.get(h.id);
      if (recomputed && h.createdAt > recomputed.at) {
        report({ kind: 'hold', message: `hold ${h.id} says it began at ${h.createdAt}, after its reservation at ${recomputed.at}`, row: { ...h } });
      }
      const status = recomputed?.ended === undefined ? 'pending' : { post: 'posted', void: 'voided', expire: 'expired' }[recomputed.ended];
      if (!recomputed || status !== h.status || BigInt(h.amountMsats) !== recomputed.amount || BigInt(h.postedMsats) !== recomputed.posted) {
        report({ kind: 'hold', message: `hold ${h.id} is stored as ${h.status}, the transfers say ${recomputed ? status : 'no such hold'}`, row: { ...h } });
      }
      pendingHolds.delete(h.id);
    }
    for (const id of pendingHolds.keys()) report({ kind: 'hold', message: `pending transfer ${id} has no hold record` });

    for (const row of await store.allDailyDebits(db)) {
      const key = JSON.stringify([row.accountId, row.day, row.entryType]);
      const expected = daily.get(key) ?? 0n;
      daily.delete(key);
      if (expected !== BigInt(row.amountMsats)) {
        report({
          kind: 'daily',
          message: `daily debits of ${row.accountId} on ${row.day} (${row.entryType}) are stored as ${row.amountMsats} msats, the transfers give ${expected}`,
          row: { ...row },
        });
      }
    }
    for (const key of daily.keys()) report({ kind: 'daily', message: `no daily debit total for ${key}` });

    const ok = PROBLEM_KINDS.every((k) => problemCounts[k] === 0);
    return { ok, accounts: accounts.length, transfers: count, problems, problemCounts };
  });
}
