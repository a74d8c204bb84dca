// Paying a deal out of escrow: the payee gets the price less the platform's fee. One
// rule for contracts, data sales and bounty rewards.
import type { Db } from '../../db/connection.js';
import type { Clock } from '../clock.js';
import { msatsToSats } from '../money.js';
import { agentAccountId, ESCROW, PLATFORM_REVENUE } from './accounts.js';
import { assertNamedPayee } from './payee-scope.js';
import { postTransfer } from './transfers.js';

export const PLATFORM_FEE_PCT = 5;

/** The payee's share and the platform's fee out of a settled price: the fee is floored. */
export function settlementShares(priceMsats: number, feePct = PLATFORM_FEE_PCT): { payeeMsats: number; feeMsats: number } {
  const feeMsats = Math.floor((priceMsats * feePct) / 100);
  return { payeeMsats: priceMsats - feeMsats, feeMsats };
}

/**
 * A settled price as its payee reads it, in whole sats: paid (the gross), received (after
 * the fee, rounded down like every balance) and the fee as their difference, so the three
 * numbers a reader checks always agree.
 */
export function paidAfterFee(priceMsats: number): { paid_sats: number; fee_sats: number; received_sats: number } {
  const paid = msatsToSats(priceMsats);
  const received = msatsToSats(settlementShares(priceMsats).payeeMsats);
  return { paid_sats: paid, fee_sats: paid - received, received_sats: received };
}

/** Moves priceMsats, already posted to escrow, to the payee and the platform. */
export async function payFromEscrow(db: Db, clock: Clock, p: { payerAgentId: string; payeeAccountId: string; priceMsats: number; reference: string; what: string }) {
  const { payeeMsats, feeMsats } = settlementShares(p.priceMsats);
  assertNamedPayee(db, agentAccountId(p.payerAgentId), p.payeeAccountId);
  if (payeeMsats > 0) {
    await postTransfer(db, clock, {
      debitAccountId: ESCROW.id,
      creditAccountId: p.payeeAccountId,
      amountMsats: payeeMsats,
      entryType: 'Payment',
      description: `Pay for ${p.what}`,
      reference: p.reference,
    });
  }
  if (feeMsats > 0) {
    await postTransfer(db, clock, {
      debitAccountId: ESCROW.id,
      creditAccountId: PLATFORM_REVENUE.id,
      amountMsats: feeMsats,
      entryType: 'Fee',
      description: `Platform fee on ${p.what}`,
      reference: p.reference,
    });
  }
  return { payeeMsats, feeMsats };
}
