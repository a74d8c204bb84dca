// Reconciliation: the wallet's own transaction list against the ledger's Lightning
// records. Every difference is reported; with fix, those the wallet's record settles
// are settled (a payment that arrived but was never credited, a payout whose outcome
// was unknown). What only a person can judge (money the wallet never saw) is reported.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/payments-store.js';
import * as compute from '../../db/provider-store.js';
import type { Clock } from '../clock.js';
import { creditPaidInvoice } from './deposits.js';
import type { PaymentRail, RailTransaction } from './rail.js';
import { settleComputePayments } from '../compute/payments.js';
import { settleWithdrawals } from './withdrawals.js';

export type DifferenceKind = 'deposit_not_credited' | 'credited_without_payment' | 'payout_outcome_unknown' | 'payout_not_in_wallet' | 'wallet_payment_unknown_to_ledger';

export interface Difference {
  kind: DifferenceKind;
  payment_hash: string;
  detail: string;
  fixed: boolean;
}

const HISTORY_LIMIT = 10_000;

export async function reconcile(db: Db, clock: Clock, rail: PaymentRail, o: { fix: boolean }): Promise<{ ok: boolean; checked: number; differences: Difference[] }> {
  const wallet = await rail.listTransactions({ limit: HISTORY_LIMIT });
  const byHash = new Map<string, RailTransaction>();
  for (const t of wallet) byHash.set(`${t.direction}:${t.paymentHash}`, t);
  // Payouts settle from this same read unless it was cut short.
  const history = wallet.length < HISTORY_LIMIT ? wallet : undefined;
  const differences: Difference[] = [];

  for (const inv of await store.allInvoices(db)) {
    if (inv.rail !== rail.name || inv.paymentHash === null) continue;
    const seen = byHash.get(`incoming:${inv.paymentHash}`);
    if (seen?.state === 'settled' && inv.status !== 'credited') {
      const fixed = o.fix && (await creditPaidInvoice(db, clock, inv.paymentHash, seen.amountMsats));
      differences.push({
        kind: 'deposit_not_credited',
        payment_hash: inv.paymentHash,
        detail: `The wallet received ${seen.amountMsats} msats for invoice ${inv.id}; the ledger has not credited it.`,
        fixed,
      });
    } else if (inv.status === 'credited' && seen?.state !== 'settled') {
      differences.push({
        kind: 'credited_without_payment',
        payment_hash: inv.paymentHash,
        detail: `Invoice ${inv.id} was credited but the wallet shows it ${seen?.state ?? 'unknown'}.`,
        fixed: false,
      });
    }
  }

  const unknownBefore = (await store.withdrawalsIn(db, ['sending'])).filter((w) => w.rail === rail.name);
  const computeUnknownBefore = await compute.computePaymentsIn(db, 'sending');
  if (o.fix) {
    await settleWithdrawals(db, clock, rail, { failUnrecorded: true, history });
    await settleComputePayments(db, clock, rail, { failUnrecorded: true, history });
  }
  for (const w of unknownBefore) {
    const after = (await store.getWithdrawal(db, w.id))!;
    differences.push({
      kind: 'payout_outcome_unknown',
      payment_hash: w.paymentHash,
      detail: `Withdrawal ${w.id} was sent without a known outcome${after.status === 'sending' ? '' : `; the wallet's record settles it as ${after.status}`}.`,
      fixed: after.status !== 'sending',
    });
  }
  for (const p of computeUnknownBefore) {
    const after = (await compute.getComputePayment(db, p.id))!;
    differences.push({
      kind: 'payout_outcome_unknown',
      payment_hash: p.paymentHash,
      detail: `Compute job ${p.jobId}'s payment to provider ${p.providerId} was sent without a known outcome${after.status === 'sending' ? '' : `; the wallet's record settles it as ${after.status}`}.`,
      fixed: after.status !== 'sending',
    });
  }
  const ours = new Set<string>();
  // A payment the wallet made is accounted for by a payout that did not fail; one the ledger
  // calls failed (the wallet paid late, or someone paid the invoice by other means) is not.
  for (const w of await store.allWithdrawals(db)) {
    if (w.rail !== rail.name) continue;
    if (w.status !== 'failed') ours.add(w.paymentHash);
    if (w.status === 'completed' && byHash.get(`outgoing:${w.paymentHash}`)?.state !== 'settled') {
      differences.push({
        kind: 'payout_not_in_wallet',
        payment_hash: w.paymentHash,
        detail: `Withdrawal ${w.id} is completed in the ledger but not settled in the wallet.`,
        fixed: false,
      });
    }
  }
  for (const p of await compute.allComputePayments(db)) {
    if (p.status !== 'failed') ours.add(p.paymentHash);
    if (p.status === 'paid' && byHash.get(`outgoing:${p.paymentHash}`)?.state !== 'settled') {
      differences.push({
        kind: 'payout_not_in_wallet',
        payment_hash: p.paymentHash,
        detail: `Compute job ${p.jobId}'s payment is recorded as paid but not settled in the wallet.`,
        fixed: false,
      });
    }
  }
  for (const t of wallet) {
    if (t.direction === 'outgoing' && t.state === 'settled' && !ours.has(t.paymentHash)) {
      differences.push({
        kind: 'wallet_payment_unknown_to_ledger',
        payment_hash: t.paymentHash,
        detail: `The wallet paid ${t.amountMsats} msats that no withdrawal or compute payment accounts for.`,
        fixed: false,
      });
    }
  }
  return { ok: differences.every((d) => d.fixed), checked: wallet.length, differences };
}
