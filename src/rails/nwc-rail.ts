// The Lightning rail: Nostr Wallet Connect (NIP-47) to the operator's wallet through
// @getalby/sdk. The connection string is a secret: it is read from the configuration
// only, never logged, and never part of an error message.
import { Nip47TimeoutError, Nip47WalletError, NWCClient } from '@getalby/sdk';
import { nip44 } from 'nostr-tools';
import { MarketError } from '../core/errors.js';
import { RailError, type PaymentRail, type RailTransaction } from '../domain/payments/rail.js';
import { RelaySocket } from '../nostr/websocket.js';

/** The SDK bundles nostr-tools, which needs a global WebSocket; Node 20 has none. */
function ensureWebSocket(): void {
  const g = globalThis as { WebSocket?: unknown };
  if (!g.WebSocket) g.WebSocket = RelaySocket;
}

type Nip47Tx = Awaited<ReturnType<NWCClient['lookupInvoice']>>;

function toTransaction(t: Nip47Tx): RailTransaction {
  const expired = t.state === 'pending' && t.expires_at > 0 && t.expires_at * 1000 <= Date.now();
  return {
    direction: t.type,
    paymentHash: t.payment_hash,
    state: t.state === 'settled' ? 'settled' : t.state === 'failed' ? 'failed' : expired ? 'expired' : 'pending',
    amountMsats: t.amount,
    feeMsats: t.fees_paid ?? 0,
    preimage: t.preimage || null,
    settledAt: t.settled_at ? new Date(t.settled_at * 1000).toISOString() : null,
  };
}

/**
 * A wallet's answer is one encrypted Nostr event, and NIP-44 caps what it encrypts at
 * 64 KB (about 70 transactions), so a history is asked for a page at a time.
 */
const HISTORY_PAGE = 40;

/** Of two records of one payment, the one that says more: paid, then still pending, then failed. */
const FINALITY: Record<Nip47Tx['state'], number> = { settled: 3, pending: 2, accepted: 2, failed: 1 };

/** How many times a wallet read (lookup, history, balance) is asked before the wallet counts as unavailable. */
const READ_ATTEMPTS = 3;

/** How far the wallet's clock may run behind ours when we ask for what it received since a time of ours. */
const CLOCK_SLACK_SECONDS = 600;

/** Errors of a wallet that says "not paid" for certain; anything else may still have paid. */
const DEFINITE_PAY_FAILURES = new Set([
  'INSUFFICIENT_BALANCE',
  'PAYMENT_FAILED',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'RESTRICTED',
  'UNAUTHORIZED',
  'NOT_IMPLEMENTED',
  'UNSUPPORTED_ENCRYPTION',
]);

export function nwcRail(nwcUrl: string, o: { timeoutMs: number }): PaymentRail {
  ensureWebSocket();
  const client = new KeyCachingClient({ nostrWalletConnectUrl: nwcUrl });

  async function ask<T>(what: string, call: () => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new RailError('unknown', `The wallet did not answer ${what} within ${o.timeoutMs} ms.`)), o.timeoutMs);
    });
    try {
      return await Promise.race([call(), timeout]);
    } catch (error) {
      if (error instanceof RailError) throw error;
      if (error instanceof Nip47WalletError) throw new RailError('failed', `The wallet refused ${what}: ${error.message}`, error.code);
      if (error instanceof Nip47TimeoutError) throw new RailError('unknown', `The wallet did not answer ${what}.`);
      throw new RailError('unknown', `Could not reach the wallet for ${what}.`);
    } finally {
      clearTimeout(timer);
    }
  }

  /**
   * Reads and invoices: a failure is the upstream's, reported as such. A read the wallet
   * left unanswered is asked again, up to READ_ATTEMPTS times: it changes nothing, and a
   * reconcile over a long history makes hundreds of them (one lost answer aborted it).
   * Making an invoice is asked once (attempts 1): each ask makes another.
   */
  async function read<T>(what: string, call: () => Promise<T>, attempts = READ_ATTEMPTS): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await ask(what, call);
      } catch (error) {
        if (error instanceof RailError && error.code === 'NOT_FOUND') throw error;
        const unanswered = error instanceof RailError && error.outcome === 'unknown';
        if (unanswered && attempt < attempts) continue;
        throw new MarketError('UPSTREAM_UNAVAILABLE', `The Lightning wallet is unavailable (${(error as Error).message}). Try again shortly.`);
      }
    }
  }

  /**
   * Up to `limit` transactions, newest first, one per direction and payment hash. A page
   * that shifts under a new payment repeats a row, never skips one. A wallet lists every
   * attempt to pay an invoice: one that settled is the payment, whatever failed before it.
   */
  async function history(filter: { type?: 'incoming' | 'outgoing'; from?: number }, limit: number): Promise<Nip47Tx[]> {
    const seen = new Map<string, Nip47Tx>();
    for (let offset = 0; seen.size < limit; offset += HISTORY_PAGE) {
      const page = await read('list_transactions', () => client.listTransactions({ ...filter, limit: HISTORY_PAGE, offset }));
      const before = seen.size;
      for (const t of page.transactions) {
        const key = `${t.type}:${t.payment_hash}`;
        const known = seen.get(key);
        if (!known || (FINALITY[t.state] ?? 0) > (FINALITY[known.state] ?? 0)) seen.set(key, t);
      }
      // A wallet that ignores `offset` answers the same page again: stop rather than ask for ever.
      if (page.transactions.length < HISTORY_PAGE || seen.size === before) break;
    }
    return [...seen.values()].slice(0, limit);
  }

  async function lookup(paymentHash: string): Promise<RailTransaction | null> {
    try {
      return toTransaction(await read('lookup_invoice', () => client.lookupInvoice({ payment_hash: paymentHash })));
    } catch (error) {
      if (error instanceof RailError && error.code === 'NOT_FOUND') return null;
      throw error;
    }
  }

  return {
    name: 'nwc',
    async createInvoice({ amountMsats, memo, expirySeconds }) {
      const t = await read('make_invoice', () => client.makeInvoice({ amount: amountMsats, description: memo ?? undefined, expiry: expirySeconds }), 1);
      return { bolt11: t.invoice, paymentHash: t.payment_hash, expiresAt: new Date(t.expires_at * 1000).toISOString() };
    },
    lookupInvoice: lookup,
    async paidInvoices({ paymentHashes, sinceSeconds }) {
      // One read of what the wallet received since then, not one lookup per invoice.
      const wanted = new Set(paymentHashes);
      const received = await history({ type: 'incoming', from: Math.max(0, sinceSeconds - CLOCK_SLACK_SECONDS) }, 10_000);
      return received.filter((t) => t.state === 'settled' && wanted.has(t.payment_hash)).map(toTransaction);
    },
    async payInvoice({ bolt11 }) {
      try {
        const paid = await ask('pay_invoice', () => client.payInvoice({ invoice: bolt11 }));
        return { preimage: paid.preimage, feeMsats: paid.fees_paid ?? 0 };
      } catch (error) {
        if (error instanceof RailError && error.outcome === 'failed' && !DEFINITE_PAY_FAILURES.has(error.code ?? '')) {
          throw new RailError('unknown', error.message, error.code);
        }
        throw error;
      }
    },
    async lookupPayment(paymentHash) {
      const t = await lookup(paymentHash);
      return t?.direction === 'outgoing' ? t : null;
    },
    async sentPayments({ paymentHashes, sinceSeconds }) {
      // Not every wallet answers lookup_invoice for payments it sent; its history does, in one read.
      const wanted = new Set(paymentHashes);
      const sent = await history({ type: 'outgoing', from: Math.max(0, sinceSeconds - CLOCK_SLACK_SECONDS) }, 10_000);
      return sent.filter((t) => wanted.has(t.payment_hash)).map(toTransaction);
    },
    watchReceived(onReceived) {
      // The SDK keeps the subscription up, reconnecting after a relay drops it. A payment
      // received is settled (NIP-47), though wallets older than the spec's `state` leave it out.
      const subscribed = client.subscribeNotifications((n) => onReceived({ ...toTransaction(n.notification), state: 'settled' }), ['payment_received']);
      return () => void subscribed.then((stop) => stop());
    },
    async listTransactions({ sinceSeconds, limit }) {
      return (await history({ from: sinceSeconds }, limit ?? 1000)).map(toTransaction);
    },
    async balanceMsats() {
      return (await read('get_balance', () => client.getBalance())).balance;
    },
    close() {
      client.close();
    },
  };
}

/**
 * The SDK derives the NIP-44 conversation key (an elliptic-curve multiplication, the
 * costliest step of a request) for every message it encrypts or decrypts, though for one
 * wallet it never changes: a simulated server spent a tenth of its time on it.
 */
class KeyCachingClient extends NWCClient {
  #keys = new Map<string, Uint8Array>();

  #key(pubkey: string): Uint8Array {
    let key = this.#keys.get(pubkey);
    if (!key) this.#keys.set(pubkey, (key = nip44.v2.utils.getConversationKey(Uint8Array.from(Buffer.from(this.secret!, 'hex')), pubkey)));
    return key;
  }

  override encrypt(pubkey: string, content: string): Promise<string> {
    return this.encryptionType === 'nip44_v2' && this.secret ? Promise.resolve(nip44.v2.encrypt(content, this.#key(pubkey))) : super.encrypt(pubkey, content);
  }

  override decrypt(pubkey: string, content: string): Promise<string> {
    return this.encryptionType === 'nip44_v2' && this.secret ? Promise.resolve(nip44.v2.decrypt(content, this.#key(pubkey))) : super.decrypt(pubkey, content);
  }
}
