// Each transfer carries SHA-256(previous hash ‖ its own fields), so editing, deleting or
// reordering any committed row breaks every hash after it (checked by `ledger verify`).
import { createHash } from 'node:crypto';

export const GENESIS_HASH = '0'.repeat(64);

export interface ChainedFields {
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
}

export function transferHash(prevHash: string, f: ChainedFields): string {
  const canonical = JSON.stringify([
    f.seq,
    f.id,
    f.debitAccountId,
    f.creditAccountId,
    f.amountMsats,
    f.entryType,
    f.phase,
    f.pendingId,
    f.reference,
    f.description,
    f.memo,
    f.createdAt,
  ]);
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}
