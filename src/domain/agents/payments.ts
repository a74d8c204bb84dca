// An agent paying another agent: the simplest spend, and the model every later
// spending operation follows (the gate classifies it as Spend to the payee).
import type { Db } from '../../db/connection.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { agentAccountId } from '../ledger/accounts.js';
import { postTransfer, type Transfer } from '../ledger/transfers.js';
import { requireAgent } from './registry.js';

export const MAX_MEMO_LENGTH = 500;

export async function sendPayment(db: Db, clock: Clock, p: { fromAgentId: string; toAgentId: string; amountMsats: number; memo?: string | null }): Promise<Transfer> {
  if (p.fromAgentId === p.toAgentId) throw new MarketError('INVALID_INPUT', 'An agent cannot pay itself.');
  if (p.memo && p.memo.length > MAX_MEMO_LENGTH) throw new MarketError('INVALID_INPUT', `memo is limited to ${MAX_MEMO_LENGTH} characters.`);
  return db.write(async (tx) => {
    const payer = await requireAgent(tx, p.fromAgentId);
    const payee = await requireAgent(tx, p.toAgentId);
    if (payee.status === 'Terminated') throw new MarketError('CONFLICT', `Agent ${payee.id} is terminated and cannot receive payments.`);
    return postTransfer(tx, clock, {
      debitAccountId: agentAccountId(payer.id),
      creditAccountId: agentAccountId(payee.id),
      amountMsats: p.amountMsats,
      entryType: 'Payment',
      description: `Payment from ${payer.name} to ${payee.name}`,
      memo: p.memo ?? null,
    });
  });
}
