// A simulated Lightning backend (no channels, no routes: none can run on these machines)
// behind a real NIP-47 wallet service: the SDK's NWCWalletService on a real relay, with
// real encryption and real error codes. Invoices are real signed regtest BOLT11s, and a
// paid invoice returns the real preimage. Failures are scripted per test. A payment
// received is announced as a real NIP-47 notification (kind 23197), as wallets do.
import { createHash, randomBytes } from 'node:crypto';
import { NWCWalletService, NWCWalletServiceKeyPair, type Nip47EncryptionType, type NWCWalletServiceRequestHandler } from '@getalby/sdk';
import bolt11 from 'bolt11';
import { decode } from 'light-bolt11-decoder';
import { nip44 } from 'nostr-tools';
import { SimplePool } from 'nostr-tools/pool';
import { finalizeEvent, getPublicKey } from 'nostr-tools/pure';
import WebSocket from 'ws';

export type PayFailure = 'INSUFFICIENT_BALANCE' | 'PAYMENT_FAILED' | 'QUOTA_EXCEEDED' | 'NO_ANSWER';

/**
 * A fault for one request, chosen by the caller's script (by method and params, e.g. a
 * payment hash or an invoice's description, so a seeded caller hits the request it means):
 * - drop: the request is carried out (a payment is made) but the answer is lost;
 * - delayMs: carried out at once, answered that much later;
 * - inFlightMs (pay_invoice): the payment shows pending that long, then settles and is answered;
 * - fail: pay_invoice refused with that error (NO_ANSWER: not paid, not answered).
 */
export type ScriptedFault = { drop: true } | { delayMs: number } | { inFlightMs: number } | { fail: PayFailure };

export interface SimulatedWallet {
  nwcUrl: string;
  balanceMsats: number;
  feeMsats: number;
  payFailures: PayFailure[];
  /** Pay, but never answer: the payment happens and the reply is lost. */
  payButNoAnswer: boolean;
  externalInvoice(o?: { amountSats?: number; expirySeconds?: number; network?: 'regtest' | 'mainnet'; createdAtSeconds?: number }): {
    bolt11: string;
    paymentHash: string;
    preimage: string;
  };
  settleIncoming(paymentHash: string): void;
  /** Whether a payment received is announced (a NIP-47 payment_received notification); on by default. */
  notifies: boolean;
  /** Announces a settled incoming payment again (a client may not have been listening the first time). */
  announceReceived(paymentHash: string): void;
  requests: { method: string; params: unknown }[];
  /** Consulted for every request; undefined answers normally. */
  script: (method: string, params: Record<string, unknown>) => ScriptedFault | undefined;
  /** The wallet's own record, both directions (what a reconciliation compares against). */
  transactions(): readonly Readonly<WalletTransaction>[];
  /** Resolves once no delayed answer or in-flight payment is outstanding. */
  idle(): Promise<void>;
  close(): Promise<void>;
}

export interface WalletTransaction {
  type: 'incoming' | 'outgoing';
  state: 'pending' | 'settled' | 'failed';
  payment_hash: string;
  amount: number;
  fees_paid: number;
  description: string;
}

const NODE_KEY = 'e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734';
const REGTEST = { bech32: 'bcrt', pubKeyHash: 0x6f, scriptHash: 0xc4, validWitnessVersions: [0, 1] };

interface Tx {
  type: 'incoming' | 'outgoing';
  state: 'pending' | 'settled' | 'failed';
  invoice: string;
  description: string;
  payment_hash: string;
  preimage: string;
  amount: number;
  fees_paid: number;
  created_at: number;
  expires_at: number;
  settled_at: number;
}

function makeInvoice(o: { msats?: number; description: string; expirySeconds: number; network: 'regtest' | 'mainnet'; createdAtSeconds?: number }) {
  const preimage = randomBytes(32).toString('hex');
  const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
  const timestamp = o.createdAtSeconds ?? Math.floor(Date.now() / 1000);
  const encoded = bolt11.encode({
    network: o.network === 'regtest' ? REGTEST : undefined,
    ...(o.msats === undefined ? {} : { millisatoshis: String(o.msats) }),
    timestamp,
    tags: [
      { tagName: 'payment_hash', data: paymentHash },
      { tagName: 'description', data: o.description },
      { tagName: 'expire_time', data: o.expirySeconds },
    ],
  });
  return { bolt11: bolt11.sign(encoded, NODE_KEY).paymentRequest!, paymentHash, preimage, timestamp };
}

const ok = <T>(result: T) => Promise.resolve({ result, error: undefined });
const err = (code: string, message: string) => Promise.resolve({ result: undefined, error: { code, message } });
type Answer = { result: unknown; error: unknown };

/** `now`: the wallet's clock in ms (a simulation moves it with the server's), real time by default. */
export async function startSimulatedWallet(o: { relayUrl: string; now?: () => number }): Promise<SimulatedWallet> {
  const nowSeconds = () => Math.floor((o.now ?? Date.now)() / 1000);
  const g = globalThis as { WebSocket?: unknown };
  g.WebSocket ??= WebSocket;
  const walletSecret = randomBytes(32).toString('hex');
  const clientSecret = randomBytes(32).toString('hex');
  const walletPubkey = getPublicKey(Buffer.from(walletSecret, 'hex'));
  const clientPubkey = getPublicKey(Buffer.from(clientSecret, 'hex'));
  const txs: Tx[] = [];
  const external = new Map<string, string>(); // payment hash → preimage of invoices made outside the wallet
  const never = new Promise<never>(() => {});
  const outstanding = new Set<Promise<unknown>>();
  const later = <T>(ms: number, work: () => T): Promise<T> => {
    const p = new Promise<T>((resolve) => setTimeout(() => resolve(work()), ms));
    outstanding.add(p);
    void p.finally(() => outstanding.delete(p));
    return p;
  };

  const wallet: SimulatedWallet = {
    nwcUrl: `nostr+walletconnect://${walletPubkey}?relay=${encodeURIComponent(o.relayUrl)}&secret=${clientSecret}`,
    balanceMsats: 100_000_000,
    feeMsats: 0,
    payFailures: [],
    payButNoAnswer: false,
    notifies: true,
    requests: [],
    script: () => undefined,
    transactions: () => txs.map((t) => ({ ...view(t) })),
    idle: async () => {
      while (outstanding.size > 0) await Promise.allSettled([...outstanding]);
    },
    externalInvoice(x = {}) {
      const made = makeInvoice({
        msats: x.amountSats === undefined ? undefined : x.amountSats * 1000,
        description: 'payee invoice',
        expirySeconds: x.expirySeconds ?? 3600,
        network: x.network ?? 'regtest',
        createdAtSeconds: x.createdAtSeconds ?? nowSeconds(),
      });
      external.set(made.paymentHash, made.preimage);
      return { bolt11: made.bolt11, paymentHash: made.paymentHash, preimage: made.preimage };
    },
    settleIncoming(paymentHash) {
      const tx = txs.find((t) => t.type === 'incoming' && t.payment_hash === paymentHash);
      if (!tx) throw new Error(`no incoming invoice ${paymentHash}`);
      tx.state = 'settled';
      tx.settled_at = nowSeconds();
      wallet.balanceMsats += tx.amount;
      if (wallet.notifies) announce('payment_received', tx);
    },
    announceReceived(paymentHash) {
      const tx = txs.find((t) => t.type === 'incoming' && t.payment_hash === paymentHash && t.state === 'settled');
      if (!tx) throw new Error(`no settled incoming payment ${paymentHash}`);
      announce('payment_received', tx);
    },
    close: async () => {
      unsubscribe();
      service.close();
      notices.close([o.relayUrl]);
    },
  };

  const view = (t: Tx) => ({
    ...t,
    description_hash: '',
    state: t.state === 'pending' && t.expires_at <= nowSeconds() ? ('failed' as const) : t.state,
    preimage: t.state === 'settled' ? t.preimage : '',
  });
  const record = (method: string, params: unknown) => wallet.requests.push({ method, params });
  const notices = new SimplePool();
  const noticeKey = nip44.v2.utils.getConversationKey(Buffer.from(walletSecret, 'hex'), clientPubkey);
  /** Best effort, as a real wallet's: a notice lost to a relay blip is what the client's polling is for. */
  const announce = (type: 'payment_received', t: Tx) => {
    const content = nip44.v2.encrypt(JSON.stringify({ notification_type: type, notification: view(t) }), noticeKey);
    // Real time: relays judge created_at by their own clock, not the simulation's.
    const event = finalizeEvent({ kind: 23197, created_at: Math.floor(Date.now() / 1000), tags: [['p', clientPubkey]], content }, Buffer.from(walletSecret, 'hex'));
    void Promise.allSettled(notices.publish([o.relayUrl], event));
  };
  /** The answer as the script wants it: on time, late, or never. */
  const answer = (fault: ScriptedFault | undefined, value: Answer): Promise<never> => {
    if (fault && 'drop' in fault) return never;
    if (fault && 'delayMs' in fault) return later(fault.delayMs, () => value) as Promise<never>;
    return Promise.resolve(value) as Promise<never>;
  };
  const scripted = (method: string, params: unknown, handle: () => Promise<Answer>) => handle().then((value) => answer(wallet.script(method, params as never), value));

  const handler: NWCWalletServiceRequestHandler = {
    getInfo: () =>
      ok({
        alias: 'simulated',
        color: '#000000',
        pubkey: walletPubkey,
        network: 'regtest',
        block_height: 1,
        block_hash: '00',
        methods: ['get_info', 'get_balance', 'make_invoice', 'pay_invoice', 'lookup_invoice', 'list_transactions'],
      } as never),
    getBalance: () => ok({ balance: wallet.balanceMsats }),
    makeInvoice: (req) =>
      scripted('make_invoice', req, () => {
        record('make_invoice', req);
        const expiry = req.expiry ?? 3600;
        const made = makeInvoice({ msats: req.amount, description: req.description ?? '', expirySeconds: expiry, network: 'regtest', createdAtSeconds: nowSeconds() });
        const tx: Tx = {
          type: 'incoming',
          state: 'pending',
          invoice: made.bolt11,
          description: req.description ?? '',
          payment_hash: made.paymentHash,
          preimage: made.preimage,
          amount: req.amount,
          fees_paid: 0,
          created_at: made.timestamp,
          expires_at: made.timestamp + expiry,
          settled_at: 0,
        };
        txs.push(tx);
        return ok(view(tx) as never);
      }),
    lookupInvoice: (req) =>
      scripted('lookup_invoice', req, () => {
        record('lookup_invoice', req);
        const tx = txs.find((t) => t.payment_hash === req.payment_hash || (req.invoice !== undefined && t.invoice === req.invoice));
        return tx ? ok(view(tx) as never) : err('NOT_FOUND', 'invoice not found');
      }),
    listTransactions: (req) =>
      scripted('list_transactions', req, () => {
        record('list_transactions', req);
        const list = txs
          .filter((t) => (req.type ? t.type === req.type : true) && (req.from ? t.created_at >= req.from : true) && (req.until ? t.created_at <= req.until : true))
          .sort((a, b) => b.created_at - a.created_at)
          .slice(req.offset ?? 0, (req.offset ?? 0) + (req.limit ?? 1000))
          .map(view);
        return ok({ transactions: list, total_count: list.length } as never);
      }),
    payInvoice: (req) => {
      record('pay_invoice', req);
      const decoded = decode(req.invoice);
      const section = (name: string) => (decoded.sections.find((s) => s.name === name) as { value?: unknown } | undefined)?.value;
      const amount = Number(section('amount') ?? req.amount ?? 0);
      const paymentHash = String(section('payment_hash'));
      const attempt = (state: Tx['state'], preimage = ''): Tx => {
        const tx: Tx = {
          type: 'outgoing',
          state,
          invoice: req.invoice,
          description: String(section('description') ?? ''),
          payment_hash: paymentHash,
          preimage,
          amount,
          fees_paid: state === 'failed' ? 0 : wallet.feeMsats,
          created_at: nowSeconds(),
          expires_at: nowSeconds() + 3600,
          settled_at: 0,
        };
        txs.push(tx);
        return tx;
      };
      /** A refusal; one the wallet tried to route stays in its history as a failed payment, as real wallets keep it. */
      const refuse = (code: string, message: string) => {
        if (code === 'PAYMENT_FAILED') attempt('failed');
        return err(code, message);
      };
      const fault = wallet.script('pay_invoice', req);
      if (fault && 'fail' in fault) {
        if (fault.fail === 'NO_ANSWER') return never;
        return refuse(fault.fail, `simulated ${fault.fail.toLowerCase().replace('_', ' ')}`);
      }
      const failure = wallet.payFailures.shift();
      if (failure === 'NO_ANSWER') return never;
      if (failure) return refuse(failure, `simulated ${failure.toLowerCase().replace('_', ' ')}`);
      if (!amount) return err('OTHER', 'amountless invoice needs an amount');
      if (wallet.balanceMsats < amount + wallet.feeMsats) return err('INSUFFICIENT_BALANCE', 'not enough balance');
      const own = txs.find((t) => t.type === 'incoming' && t.payment_hash === paymentHash);
      const preimage = external.get(paymentHash) ?? own?.preimage;
      if (!preimage) return refuse('PAYMENT_FAILED', 'no route to the payee');
      const fee = wallet.feeMsats;
      wallet.balanceMsats -= amount + fee;
      const tx = attempt('pending', preimage);
      const settle = () => {
        if (own) wallet.settleIncoming(paymentHash);
        tx.state = 'settled';
        tx.settled_at = nowSeconds();
        return { result: { preimage, fees_paid: fee }, error: undefined };
      };
      if (fault && 'inFlightMs' in fault) return later(fault.inFlightMs, settle);
      const paid = settle();
      if (wallet.payButNoAnswer) return never;
      return answer(fault, paid);
    },
  };

  const service = new KeyCachingWalletService({ relayUrl: o.relayUrl });
  const keypair = new NWCWalletServiceKeyPair(walletSecret, clientPubkey);
  await service.publishWalletServiceInfoEvent(
    walletSecret,
    ['get_info', 'get_balance', 'make_invoice', 'pay_invoice', 'lookup_invoice', 'list_transactions'],
    ['payment_received'],
  );
  const unsubscribe = await service.subscribe(keypair, handler);
  return wallet;
}

/**
 * The SDK's wallet service derives the NIP-44 conversation key (an elliptic-curve
 * multiplication, the costliest step of a request) twice for every request; the
 * simulation's long runs spent a seventh of their own CPU on it. One client, one key.
 */
class KeyCachingWalletService extends NWCWalletService {
  #keys = new Map<string, Uint8Array>();

  #key(keypair: NWCWalletServiceKeyPair): Uint8Array {
    const id = `${keypair.walletSecret}:${keypair.clientPubkey}`;
    let key = this.#keys.get(id);
    if (!key) this.#keys.set(id, (key = nip44.v2.utils.getConversationKey(Uint8Array.from(Buffer.from(keypair.walletSecret, 'hex')), keypair.clientPubkey)));
    return key;
  }

  override encrypt(keypair: NWCWalletServiceKeyPair, content: string, encryptionType: Nip47EncryptionType): Promise<string> {
    return encryptionType === 'nip04' ? super.encrypt(keypair, content, encryptionType) : Promise.resolve(nip44.v2.encrypt(content, this.#key(keypair)));
  }

  override decrypt(keypair: NWCWalletServiceKeyPair, content: string, encryptionType: Nip47EncryptionType): Promise<string> {
    return encryptionType === 'nip04' ? super.decrypt(keypair, content, encryptionType) : Promise.resolve(nip44.v2.decrypt(content, this.#key(keypair)));
  }
}
