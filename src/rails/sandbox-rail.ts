// The sandbox rail, the embedded default: no money moves. Its invoices are pretend ones
// that only `agent-marketplace sandbox pay HASH` settles, so a developer can walk the
// whole deposit path without a wallet; payouts "succeed" without paying anyone, and are
// remembered so that `ledger reconcile` sees them as a wallet would.
import { createHash, randomBytes } from 'node:crypto';
import type { Db } from '../db/connection.js';
import * as store from '../db/payments-store.js';
import type { Clock } from '../domain/clock.js';
import type { PaymentRail, RailTransaction } from '../domain/payments/rail.js';
import { mapInOrder } from '../core/in-order.js';

export const SANDBOX_INVOICE_PREFIX = 'lnsandbox';

export function sandboxRail(db: Db, clock: Clock): PaymentRail {
  const view = (row: NonNullable<Awaited<ReturnType<typeof store.sandboxInvoice>>>): RailTransaction => ({
    direction: row.direction === 'outgoing' ? 'outgoing' : 'incoming',
    paymentHash: row.paymentHash,
    state: row.paidAt ? 'settled' : row.expiresAt <= clock.now().toISOString() ? 'expired' : 'pending',
    amountMsats: row.amountMsats,
    feeMsats: 0,
    preimage: null,
    settledAt: row.paidAt,
  });
  const sent = async (paymentHash: string): Promise<RailTransaction | null> => {
    const row = await store.sandboxInvoice(db, paymentHash);
    return row?.direction === 'outgoing' ? view(row) : null;
  };
  return {
    name: 'sandbox',
    async createInvoice(o) {
      const paymentHash = createHash('sha256').update(randomBytes(32)).digest('hex');
      const expiresAt = new Date(clock.now().getTime() + o.expirySeconds * 1000).toISOString();
      await store.insertSandboxInvoice(db, { paymentHash, amountMsats: o.amountMsats, expiresAt });
      return { bolt11: `${SANDBOX_INVOICE_PREFIX}${o.amountMsats}m1${paymentHash}`, paymentHash, expiresAt };
    },
    async lookupInvoice(paymentHash) {
      const row = await store.sandboxInvoice(db, paymentHash);
      return row?.direction === 'incoming' ? view(row) : null;
    },
    async paidInvoices({ paymentHashes }) {
      // Local rows: one indexed read each.
      return (await mapInOrder(paymentHashes, async (hash) => store.sandboxInvoice(db, hash))).flatMap((row) => (row?.direction === 'incoming' && row.paidAt ? [view(row)] : []));
    },
    async payInvoice({ paymentHash, amountMsats }) {
      const now = clock.now().toISOString();
      await store.insertSandboxInvoice(db, { paymentHash, direction: 'outgoing', amountMsats, expiresAt: now, paidAt: now });
      return { preimage: null, feeMsats: 0 };
    },
    async lookupPayment(paymentHash) {
      return sent(paymentHash);
    },
    async sentPayments({ paymentHashes }) {
      return (await mapInOrder(paymentHashes, sent)).filter((t) => t !== null);
    },
    async listTransactions() {
      return (await store.allSandboxInvoices(db)).map(view);
    },
    async balanceMsats() {
      return 0;
    },
    close() {},
  };
}

/** What `agent-marketplace sandbox pay` does: an outside payer pays a pretend invoice. */
export async function paySandboxInvoice(db: Db, clock: Clock, paymentHash: string): Promise<boolean> {
  const row = await store.sandboxInvoice(db, paymentHash);
  if (!row || row.direction !== 'incoming' || row.paidAt || row.expiresAt <= clock.now().toISOString()) return false;
  return store.paySandboxInvoice(db, paymentHash, clock.now().toISOString());
}
