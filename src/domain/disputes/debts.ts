// Debts: what a respondent could not repay when it lost a dispute is owed to the
// claimant and collected from whatever the respondent has available later, oldest debt
// first — before any gated call of the debtor (so it cannot spend what it owes) and by
// the sweep (so money that arrives while it is idle is collected too).
import type { Db } from '../../db/connection.js';
import * as hiring from '../../db/hiring-store.js';
import type { Clock } from '../clock.js';
import { agentAccountId } from '../ledger/accounts.js';
import { getBalance, postTransfer } from '../ledger/transfers.js';

/** Collects what `agentId` owes, as far as its available balance goes; returns the msats collected. Runs in the caller's transaction. */
export async function collectDebtsOf(db: Db, clock: Clock, agentId: string): Promise<number> {
  const owed = await hiring.debtsOwedBy(db, agentId);
  if (owed.length === 0) return 0;
  let available = (await getBalance(db, agentAccountId(agentId))).availableMsats;
  let collected = 0;
  for (const debt of owed) {
    if (available <= 0) break;
    const amountMsats = Math.min(available, debt.debtMsats);
    if (!(await hiring.reduceDebt(db, debt.id, debt.debtMsats, amountMsats, clock.now().toISOString()))) continue;
    await postTransfer(db, clock, {
      debitAccountId: agentAccountId(agentId),
      creditAccountId: agentAccountId(debt.claimantId),
      amountMsats,
      entryType: 'Refund',
      description: `Debt collected for dispute ${debt.id}`,
      reference: debt.id,
    });
    available -= amountMsats;
    collected += amountMsats;
  }
  return collected;
}

/** The sweep's part: every debtor, one transaction each. */
export async function collectDebts(db: Db, clock: Clock): Promise<number> {
  let collected = 0;
  for (const agentId of await hiring.debtors(db)) collected += await db.write(async (tx) => collectDebtsOf(tx, clock, agentId));
  return collected;
}
