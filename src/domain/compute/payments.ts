// Payments to compute providers. Each is recorded (sending) before the wallet is asked,
// in the same transaction that checks it fits what is left of the job's maximum, so a
// payment whose answer is lost — to a timeout, a cut connection or a crash — is never
// forgotten: the watcher settles it from the wallet's record, as it does a withdrawal,
// and the job's hold is not ended until every payment of the job has an outcome.
import type { Db } from '../../db/connection.js';
import { getHold } from '../../db/ledger-store.js';
import * as store from '../../db/provider-store.js';
import type { ComputePaymentRow } from '../../db/provider-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { absorbAsOperatorCost } from '../ledger/operator-costs.js';
import type { PaymentRail } from '../payments/rail.js';
import { readPayoutRecords, type SettleOptions } from '../payments/payout-record.js';
import { closeJobHold, JOB_STATUSES, remainingMsats, requireJob } from './jobs.js';

/** Records a payment about to be asked of the wallet; refuses one that does not fit, or an invoice paid before. */
export async function startComputePayment(db: Db, clock: Clock, o: { jobId: string; providerId: string; paymentHash: string; amountMsats: number }): Promise<ComputePaymentRow> {
  return db.write(async (tx) => {
    if ((await requireJob(tx, o.jobId)).status !== 'running') throw new MarketError('CONFLICT', `Compute job ${o.jobId} has ended; nothing more is paid for it.`);
    if (await store.computePaymentByHash(tx, o.paymentHash)) throw new MarketError('CONFLICT', 'This invoice was already paid or is being paid; an invoice is never paid twice.');
    if (o.amountMsats > (await remainingMsats(tx, o.jobId)))
      throw new MarketError('LIMIT_EXCEEDED', `The provider asked ${o.amountMsats} msats, more than the job's remaining maximum.`);
    const now = clock.now().toISOString();
    const row: ComputePaymentRow = {
      id: newId('cp'),
      jobId: o.jobId,
      providerId: o.providerId,
      paymentHash: o.paymentHash,
      amountMsats: o.amountMsats,
      feeMsats: null,
      status: 'sending',
      error: null,
      createdAt: now,
      updatedAt: now,
    };
    await store.insertComputePayment(tx, row);
    return row;
  });
}

/**
 * The wallet paid: the job is charged the amount and the fee, up to its maximum (a fee
 * beyond it is the operator's cost, as with withdrawals). Safe to call more than once.
 */
export async function computePaymentPaid(db: Db, clock: Clock, id: string, feeMsats: number): Promise<void> {
  await db.write(async (tx) => {
    const now = clock.now().toISOString();
    if (!(await store.updateComputePayment(tx, id, 'sending', { status: 'paid', feeMsats, error: null, updatedAt: now }))) return;
    const p = (await store.getComputePayment(tx, id))!;
    const j = await requireJob(tx, p.jobId);
    const charged = Math.min(p.amountMsats + feeMsats, j.maxPriceMsats - j.costMsats);
    await store.updateJob(tx, j.id, [...JOB_STATUSES], { costMsats: j.costMsats + charged, updatedAt: now });
    const overrun = p.amountMsats + feeMsats - charged;
    if (overrun > 0) {
      await absorbAsOperatorCost(tx, clock, {
        toAccountId: (await getHold(tx, j.holdId))!.creditAccountId,
        amountMsats: overrun,
        description: `Compute job ${j.id}: the wallet's fee took the payment ${overrun} msats past the job's maximum (the operator's cost)`,
        reference: j.id,
      });
    }
    await closeJobHold(tx, clock, j.id);
  });
}

/** The wallet did not pay (it said so, or has no record of it past the grace). */
export async function computePaymentFailed(db: Db, clock: Clock, id: string, reason: string): Promise<void> {
  await db.write(async (tx) => {
    if (!(await store.updateComputePayment(tx, id, 'sending', { status: 'failed', error: reason, updatedAt: clock.now().toISOString() }))) return;
    await closeJobHold(tx, clock, (await store.getComputePayment(tx, id))!.jobId);
  });
}

/**
 * Settles payments whose outcome is unknown from the wallet's own record. With
 * `failUnrecorded` (`ledger reconcile --fix`), one the wallet has no record of after the
 * grace counts as never sent. Returns how many ended.
 */
export async function settleComputePayments(db: Db, clock: Clock, rail: PaymentRail, o: SettleOptions = {}): Promise<number> {
  let ended = 0;
  for (const { payout: p, outcome } of await readPayoutRecords(rail, await store.computePaymentsIn(db, 'sending'), clock.now(), o)) {
    if (outcome?.outcome === 'paid') await computePaymentPaid(db, clock, p.id, outcome.feeMsats);
    else if (outcome?.outcome === 'failed') await computePaymentFailed(db, clock, p.id, outcome.reason);
    else continue;
    ended++;
  }
  return ended;
}
