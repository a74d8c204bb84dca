// The payment rail: how money enters and leaves the ledger. One port, two adapters
// (src/rails): the sandbox (the default; no money moves) and Nostr Wallet Connect to the
// operator's Lightning wallet. The domain decides what to pay and records it; the rail
// only talks to the wallet.

export type RailName = 'sandbox' | 'nwc';

export interface RailInvoice {
  bolt11: string;
  paymentHash: string;
  expiresAt: string;
}

export type InvoiceState = 'pending' | 'settled' | 'expired' | 'failed';

export interface RailTransaction {
  direction: 'incoming' | 'outgoing';
  paymentHash: string;
  state: InvoiceState;
  amountMsats: number;
  feeMsats: number;
  preimage: string | null;
  settledAt: string | null;
}

export interface RailPayment {
  preimage: string | null;
  feeMsats: number;
}

/**
 * How a payment attempt failed. `failed`: the wallet says it did not pay, so the money can
 * be released. `unknown`: no answer (timeout, lost connection): it may still be paid, so
 * the money stays held until the wallet's record says which.
 */
export class RailError extends Error {
  constructor(
    readonly outcome: 'failed' | 'unknown',
    message: string,
    readonly code?: string,
  ) {
    super(message);
  }
}

export interface PaymentRail {
  readonly name: RailName;
  createInvoice(o: { amountMsats: number; memo: string | null; expirySeconds: number }): Promise<RailInvoice>;
  /** null when the wallet does not know the hash. */
  lookupInvoice(paymentHash: string): Promise<RailTransaction | null>;
  payInvoice(o: { bolt11: string; paymentHash: string; amountMsats: number; maxFeeMsats: number }): Promise<RailPayment>;
  /** The wallet's answer, asked by hash, about an outgoing payment, or null. */
  lookupPayment(paymentHash: string): Promise<RailTransaction | null>;
  /**
   * Of these invoices (made no earlier than `sinceSeconds`, unix), the ones the wallet has
   * been paid, in as few requests as the wallet allows.
   */
  paidInvoices(o: { paymentHashes: string[]; sinceSeconds: number }): Promise<RailTransaction[]>;
  /**
   * Of these payments (sent no earlier than `sinceSeconds`, unix), the ones the wallet's
   * history shows, in whatever state, in as few requests as the wallet allows.
   */
  sentPayments(o: { paymentHashes: string[]; sinceSeconds: number }): Promise<RailTransaction[]>;
  /**
   * Calls `onReceived` with each payment the wallet announces as it arrives (NIP-47
   * notifications), if the wallet sends them; announcements are best effort, so what
   * one misses is still found by reading. Returns how to stop listening.
   */
  watchReceived?(onReceived: (t: RailTransaction) => void): () => void;
  /** The wallet's transactions since `sinceSeconds` (unix), both directions. */
  listTransactions(o: { sinceSeconds?: number; limit?: number }): Promise<RailTransaction[]>;
  balanceMsats(): Promise<number>;
  close(): void;
}
