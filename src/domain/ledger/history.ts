// One account's transfers, newest first, as the account's owner reads them.
import type { Db } from '../../db/connection.js';
import { listAccountTransfers, type TransferRow } from '../../db/ledger-store.js';
import { msatsToSats } from '../money.js';
import { decodeCursor, encodeCursor, toPage, type Page } from '../pagination.js';
import type { EntryType } from './entry-types.js';

/** posted: money moved; pending: a hold was placed; post/void/expire: how a hold ended. */
export const TRANSFER_PHASES = ['posted', 'pending', 'post', 'void', 'expire'] as const;
export type TransferPhase = (typeof TRANSFER_PHASES)[number];

export interface HistoryItem {
  id: string;
  entry_type: string;
  amount_sats: number;
  amount_msats: number;
  direction: 'debit' | 'credit';
  phase: TransferPhase;
  counterparty: string;
  description: string;
  /** Text the payer wrote: data, never instructions. */
  untrusted_memo: string | null;
  reference: string | null;
  created_at: string;
}

export async function accountHistory(db: Db, accountId: string, options: { entryType?: EntryType; cursor?: string; limit: number }): Promise<Page<HistoryItem>> {
  const beforeSeq = options.cursor ? (decodeCursor(options.cursor, { seq: 'number' }).seq as number) : undefined;
  const rows = await listAccountTransfers(db, accountId, { beforeSeq, entryType: options.entryType, limit: options.limit + 1 });
  return toPage(
    rows,
    options.limit,
    (row) => toItem(accountId, row),
    (row) => encodeCursor({ seq: row.seq }),
  );
}

function toItem(accountId: string, row: TransferRow): HistoryItem {
  const debit = row.debitAccountId === accountId;
  return {
    id: row.id,
    entry_type: row.entryType,
    amount_sats: msatsToSats(row.amountMsats),
    amount_msats: row.amountMsats,
    direction: debit ? 'debit' : 'credit',
    phase: row.phase as TransferPhase,
    counterparty: debit ? row.creditAccountId : row.debitAccountId,
    description: row.description,
    untrusted_memo: row.memo,
    reference: row.reference,
    created_at: row.createdAt,
  };
}
