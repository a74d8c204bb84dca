// Funding an agent on the sandbox rail: pretend money enters the sponsor's funding
// account from outside, then moves to the agent's wallet, in one transaction. No real
// money moves; every balance, hold and limit works exactly as with Lightning.
import type { Db } from '../../db/connection.js';
import type { Clock } from '../clock.js';
import { EXTERNAL_SANDBOX, agentAccountId, sponsorAccountId } from '../ledger/accounts.js';
import { getBalance, postTransfer, type Transfer } from '../ledger/transfers.js';
import { MarketError } from '../../core/errors.js';
import { requireAgent } from './registry.js';

export async function fundAgentFromSandbox(db: Db, clock: Clock, input: { agentId: string; amountMsats: number }): Promise<{ topUp: Transfer; balanceMsats: number }> {
  if (input.amountMsats <= 0) throw new MarketError('INVALID_INPUT', 'Fund at least 1 sat.');
  return db.write(async (tx) => {
    const agent = await requireAgent(tx, input.agentId);
    const sponsorAccount = sponsorAccountId(agent.sponsorId);
    await postTransfer(tx, clock, {
      debitAccountId: EXTERNAL_SANDBOX.id,
      creditAccountId: sponsorAccount,
      amountMsats: input.amountMsats,
      entryType: 'Deposit',
      description: 'Sandbox deposit (no real money)',
    });
    const topUp = await postTransfer(tx, clock, {
      debitAccountId: sponsorAccount,
      creditAccountId: agentAccountId(agent.id),
      amountMsats: input.amountMsats,
      entryType: 'TopUp',
      description: `Top-up of ${agent.name} by its sponsor`,
    });
    return { topUp, balanceMsats: (await getBalance(tx, agentAccountId(agent.id))).balanceMsats };
  });
}
