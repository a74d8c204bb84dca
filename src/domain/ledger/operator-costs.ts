// The operator's costs: money a wallet spent beyond what an agent was held for (a
// Lightning fee past the reserve), recorded against platform:costs so the ledger still
// moves exactly as the wallet did.
import type { Db } from '../../db/connection.js';
import type { Clock } from '../clock.js';
import { OPERATOR_COSTS } from './accounts.js';
import { openAccount, postTransfer } from './transfers.js';

export async function absorbAsOperatorCost(db: Db, clock: Clock, o: { toAccountId: string; amountMsats: number; description: string; reference: string }): Promise<void> {
  await openAccount(db, clock, OPERATOR_COSTS);
  await postTransfer(db, clock, {
    debitAccountId: OPERATOR_COSTS.id,
    creditAccountId: o.toAccountId,
    amountMsats: o.amountMsats,
    entryType: 'Fee',
    description: o.description,
    reference: o.reference,
  });
}
