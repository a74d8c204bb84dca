// SQL for accounts, transfers and holds. The ledger's hot path (one transfer = one
// insert and two balance updates) uses prepared statements on the raw connection:
// drizzle's unprepared builder costs 2-3x here (shared/PERFORMANCE-NOTES.md).
import { preparedPerConnection, type Db } from './connection.js';
import { holdsChainFromStart, TRANSFER_CHAIN_LOCK } from './pg/locks.js';

export interface AccountRow {
  id: string;
  kind: string;
  ownerId: string | null;
  allowNegative: boolean;
  debitsPostedMsats: number;
  creditsPostedMsats: number;
  debitsPendingMsats: number;
  creditsPendingMsats: number;
}

export interface TransferRow {
  seq: number;
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMsats: number;
  entryType: string;
  phase: string;
  pendingId: string | null;
  reference: string | null;
  description: string;
  memo: string | null;
  createdAt: string;
  prevHash: string;
  hash: string;
}

export interface HoldRow {
  id: string;
  debitAccountId: string;
  creditAccountId: string;
  amountMsats: number;
  entryType: string;
  status: string;
  postedMsats: number;
  reference: string | null;
  expiresAt: string | null;
  createdAt: string;
  resolvedAt: string | null;
}

export interface BalanceDelta {
  debitsPosted?: number;
  creditsPosted?: number;
  debitsPending?: number;
  creditsPending?: number;
}

// Sums are cast back to integers: PostgreSQL sums bigints as numeric, which its driver returns as text.
const ACCOUNT_COLUMNS = `id, kind, owner_id AS "ownerId", allow_negative AS "allowNegative",
  debits_posted_msats AS "debitsPostedMsats", credits_posted_msats AS "creditsPostedMsats",
  debits_pending_msats AS "debitsPendingMsats", credits_pending_msats AS "creditsPendingMsats"`;

const TRANSFER_COLUMNS = `seq, id, debit_account_id AS "debitAccountId", credit_account_id AS "creditAccountId",
  amount_msats AS "amountMsats", entry_type AS "entryType", phase, pending_id AS "pendingId", reference,
  description, memo, created_at AS "createdAt", prev_hash AS "prevHash", hash`;

const HOLD_COLUMNS = `id, debit_account_id AS "debitAccountId", credit_account_id AS "creditAccountId",
  amount_msats AS "amountMsats", entry_type AS "entryType", status, posted_msats AS "postedMsats", reference,
  expires_at AS "expiresAt", created_at AS "createdAt", resolved_at AS "resolvedAt"`;

function statements(db: Db) {
  const s = db;
  return {
    insertAccount: s.prepare(`INSERT INTO accounts (id, kind, owner_id, allow_negative, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`),
    getAccount: s.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts WHERE id = ?`),
    applyDelta: s.prepare(
      `UPDATE accounts SET
         debits_posted_msats = debits_posted_msats + @debitsPosted,
         credits_posted_msats = credits_posted_msats + @creditsPosted,
         debits_pending_msats = debits_pending_msats + @debitsPending,
         credits_pending_msats = credits_pending_msats + @creditsPending
       WHERE id = @id`,
    ),
    lastTransfer: s.prepare(`SELECT seq, hash FROM transfers ORDER BY seq DESC LIMIT 1`),
    insertTransfer: s.prepare(
      `INSERT INTO transfers (seq, id, debit_account_id, credit_account_id, amount_msats, entry_type, phase,
         pending_id, reference, description, memo, created_at, prev_hash, hash)
       VALUES (@seq, @id, @debitAccountId, @creditAccountId, @amountMsats, @entryType, @phase,
         @pendingId, @reference, @description, @memo, @createdAt, @prevHash, @hash)`,
    ),
    getTransfer: s.prepare(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE id = ?`),
    insertHold: s.prepare(
      `INSERT INTO holds (id, debit_account_id, credit_account_id, amount_msats, entry_type, status, reference,
         expires_at, created_at)
       VALUES (@id, @debitAccountId, @creditAccountId, @amountMsats, @entryType, 'pending', @reference,
         @expiresAt, @createdAt)`,
    ),
    getHold: s.prepare(`SELECT ${HOLD_COLUMNS} FROM holds WHERE id = ?`),
    resolveHold: s.prepare(
      `UPDATE holds SET status = @status, posted_msats = @postedMsats, resolved_at = @resolvedAt
       WHERE id = @id AND status = 'pending'`,
    ),
    dueHolds: s.prepare(
      `SELECT ${HOLD_COLUMNS} FROM holds WHERE status = 'pending' AND expires_at IS NOT NULL AND expires_at <= ?
       ORDER BY expires_at LIMIT ?`,
    ),
    dueHoldsForAccount: s.prepare(
      `SELECT ${HOLD_COLUMNS} FROM holds WHERE debit_account_id = ? AND status = 'pending'
         AND expires_at IS NOT NULL AND expires_at <= ?`,
    ),
    pendingHoldsSince: s.prepare(`SELECT CAST(COALESCE(SUM(amount_msats), 0) AS BIGINT) AS total FROM holds WHERE debit_account_id = ? AND status = 'pending' AND created_at >= ?`),
    hasPaid: s.prepare(`SELECT 1 FROM transfers WHERE debit_account_id = ? AND credit_account_id = ? LIMIT 1`),
    lastTouched: s.prepare(
      `SELECT max(created_at) AS at FROM (
         SELECT created_at FROM transfers WHERE debit_account_id = @id AND seq = (SELECT max(seq) FROM transfers WHERE debit_account_id = @id)
         UNION ALL
         SELECT created_at FROM transfers WHERE credit_account_id = @id AND seq = (SELECT max(seq) FROM transfers WHERE credit_account_id = @id)) AS touched`,
    ),
    history: s.prepare(historyQuery(false)),
    historyByType: s.prepare(historyQuery(true)),
    addDailyDebit: s.prepare(
      `INSERT INTO daily_debits (account_id, day, entry_type, amount_msats) VALUES (?, ?, ?, ?)
       ON CONFLICT (account_id, day, entry_type) DO UPDATE SET amount_msats = daily_debits.amount_msats + excluded.amount_msats`,
    ),
    dailyDebitsSince: s.prepare(
      `SELECT entry_type AS "entryType", CAST(SUM(amount_msats) AS BIGINT) AS total FROM daily_debits
       WHERE account_id = ? AND day >= ? GROUP BY entry_type`,
    ),
    dailyDebitsByDay: s.prepare(`SELECT day, entry_type AS "entryType", amount_msats AS total FROM daily_debits WHERE account_id = ? AND day >= ?`),
    pendingHoldsByDay: s.prepare(
      `SELECT substr(created_at, 1, 10) AS day, CAST(SUM(amount_msats) AS BIGINT) AS total FROM holds
       WHERE debit_account_id = ? AND status = 'pending' AND created_at >= ? GROUP BY day`,
    ),
  };
}

const sql = preparedPerConnection(statements);

function toAccount(row: unknown): AccountRow | undefined {
  if (!row) return undefined;
  const r = row as Omit<AccountRow, 'allowNegative'> & { allowNegative: number };
  return { ...r, allowNegative: r.allowNegative === 1 };
}

export async function insertAccount(db: Db, a: { id: string; kind: string; ownerId: string | null; allowNegative: boolean }, createdAt: string): Promise<void> {
  await sql(db).insertAccount.run(a.id, a.kind, a.ownerId, a.allowNegative ? 1 : 0, createdAt);
}

export async function getAccount(db: Db, id: string): Promise<AccountRow | undefined> {
  return toAccount(await sql(db).getAccount.get(id));
}

export async function applyDelta(db: Db, accountId: string, delta: BalanceDelta): Promise<void> {
  await sql(db).applyDelta.run({
    id: accountId,
    debitsPosted: delta.debitsPosted ?? 0,
    creditsPosted: delta.creditsPosted ?? 0,
    debitsPending: delta.debitsPending ?? 0,
    creditsPending: delta.creditsPending ?? 0,
  });
}

/**
 * The newest transfer, which the next one links to. On SQLite the write lock already
 * makes appending one at a time; on PostgreSQL concurrent transactions would all read the
 * same last link, so the appender first takes the chain's advisory lock (held to its
 * commit): the ledger's transfers form one sequence across every server.
 */
export async function lastTransfer(db: Db): Promise<{ seq: number; hash: string } | undefined> {
  if (db.dialect === 'postgres' && !holdsChainFromStart.has(db)) await db.prepare(`SELECT pg_advisory_xact_lock(${TRANSFER_CHAIN_LOCK}) AS locked`).get();
  return (await sql(db).lastTransfer.get()) as { seq: number; hash: string } | undefined;
}

export async function insertTransfer(db: Db, row: TransferRow): Promise<void> {
  await sql(db).insertTransfer.run(row);
}

export async function getTransfer(db: Db, id: string): Promise<TransferRow | undefined> {
  return (await sql(db).getTransfer.get(id)) as TransferRow | undefined;
}

export async function insertHold(
  db: Db,
  row: Pick<HoldRow, 'id' | 'debitAccountId' | 'creditAccountId' | 'amountMsats' | 'entryType' | 'reference' | 'expiresAt' | 'createdAt'>,
): Promise<void> {
  await sql(db).insertHold.run(row);
}

export async function getHold(db: Db, id: string): Promise<HoldRow | undefined> {
  return (await sql(db).getHold.get(id)) as HoldRow | undefined;
}

/** Returns false when the hold was no longer pending (someone else resolved it first). */
export async function resolveHold(db: Db, id: string, status: 'posted' | 'voided' | 'expired', postedMsats: number, resolvedAt: string): Promise<boolean> {
  return (await sql(db).resolveHold.run({ id, status, postedMsats, resolvedAt })).changes === 1;
}

export async function dueHolds(db: Db, nowIso: string, limit: number): Promise<HoldRow[]> {
  return (await sql(db).dueHolds.all(nowIso, limit)) as HoldRow[];
}

export async function dueHoldsForAccount(db: Db, accountId: string, nowIso: string): Promise<HoldRow[]> {
  return (await sql(db).dueHoldsForAccount.all(accountId, nowIso)) as HoldRow[];
}

/** Reserved (still pending) holds on the account opened at or after sinceIso. */
export async function pendingHoldsSince(db: Db, accountId: string, sinceIso: string): Promise<number> {
  return ((await sql(db).pendingHoldsSince.get(accountId, sinceIso)) as { total: number }).total;
}

export async function hasPaid(db: Db, debitAccountId: string, creditAccountId: string): Promise<boolean> {
  return (await sql(db).hasPaid.get(debitAccountId, creditAccountId)) !== undefined;
}

/** When a transfer last touched the account, or null if none ever did. */
export async function lastTouchedAt(db: Db, accountId: string): Promise<string | null> {
  return ((await sql(db).lastTouched.get({ id: accountId })) as { at: string | null }).at;
}

/** day is the UTC date, YYYY-MM-DD. */
export async function addDailyDebit(db: Db, accountId: string, day: string, entryType: string, amountMsats: number): Promise<void> {
  await sql(db).addDailyDebit.run(accountId, day, entryType, amountMsats);
}

/** Posted debits of the account from sinceDay (inclusive) on, by entry type. */
export async function dailyDebitsSince(db: Db, accountId: string, sinceDay: string): Promise<Map<string, number>> {
  const rows = (await sql(db).dailyDebitsSince.all(accountId, sinceDay)) as { entryType: string; total: number }[];
  return new Map(rows.map((r) => [r.entryType, r.total]));
}

/** Posted debits of the account from sinceDay (inclusive) on, one row per day and entry type. */
export async function dailyDebitsByDay(db: Db, accountId: string, sinceDay: string): Promise<{ day: string; entryType: string; total: number }[]> {
  return (await sql(db).dailyDebitsByDay.all(accountId, sinceDay)) as { day: string; entryType: string; total: number }[];
}

/** Still-pending holds on the account opened from sinceDay on, summed by the UTC day they were opened. */
export async function pendingHoldsByDay(db: Db, accountId: string, sinceDay: string): Promise<Map<string, number>> {
  const rows = (await sql(db).pendingHoldsByDay.all(accountId, `${sinceDay}T00:00:00.000Z`)) as { day: string; total: number }[];
  return new Map(rows.map((r) => [r.day, r.total]));
}

export async function allDailyDebits(db: Db): Promise<{ accountId: string; day: string; entryType: string; amountMsats: number }[]> {
  return (await db.prepare('SELECT account_id AS "accountId", day, entry_type AS "entryType", amount_msats AS "amountMsats" FROM daily_debits').all()) as {
    accountId: string;
    day: string;
    entryType: string;
    amountMsats: number;
  }[];
}

/**
 * One account's transfers before a position, newest first. Two indexed halves (debit
 * side, credit side) merged by seq: an OR over the two columns would make SQLite scan.
 */
function historyQuery(withEntryType: boolean): string {
  const filter = withEntryType ? 'seq < @beforeSeq AND entry_type = @entryType' : 'seq < @beforeSeq';
  return `SELECT ${TRANSFER_COLUMNS} FROM (
      SELECT * FROM transfers WHERE debit_account_id = @accountId AND ${filter}
      UNION ALL
      SELECT * FROM transfers WHERE credit_account_id = @accountId AND ${filter}
    ) AS history ORDER BY seq DESC LIMIT @limit`;
}

export async function listAccountTransfers(db: Db, accountId: string, options: { beforeSeq?: number; entryType?: string; limit: number }): Promise<TransferRow[]> {
  const statement = options.entryType ? sql(db).historyByType : sql(db).history;
  return (await statement.all({
    accountId,
    beforeSeq: options.beforeSeq ?? Number.MAX_SAFE_INTEGER,
    ...(options.entryType ? { entryType: options.entryType } : {}),
    limit: options.limit,
  })) as TransferRow[];
}

/** Every transfer in order, a page at a time: a whole ledger need not fit in memory. */
export async function* iterateTransfers(db: Db, pageSize = 1_000): AsyncGenerator<TransferRow> {
  const page = db.prepare<[number, number], TransferRow>(`SELECT ${TRANSFER_COLUMNS} FROM transfers WHERE seq > ? ORDER BY seq LIMIT ?`);
  for (let after = 0; ;) {
    const rows = await page.all(after, pageSize);
    yield* rows;
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1]!.seq;
  }
}

export async function allAccounts(db: Db): Promise<AccountRow[]> {
  return (await db.prepare(`SELECT ${ACCOUNT_COLUMNS} FROM accounts ORDER BY id`).all()).map((r) => toAccount(r)!);
}

export async function allHolds(db: Db): Promise<HoldRow[]> {
  return (await db.prepare(`SELECT ${HOLD_COLUMNS} FROM holds ORDER BY created_at`).all()) as HoldRow[];
}

export async function countTransfers(db: Db): Promise<number> {
  return ((await db.prepare('SELECT count(*) AS n FROM transfers').get()) as { n: number }).n;
}
