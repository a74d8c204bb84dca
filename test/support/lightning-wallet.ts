// A simulated Lightning backend (no channels, no routes: none can run on these machines)
// behind a real NIP-47 wallet service: the SDK's NWCWalletService on a real relay, with
// real encryption and real error codes. Invoices are real signed regtest BOLT11s, and a
// paid invoice returns the real preimage. Failures are scripted per test.
import { createHash, randomBytes } from 'node:crypto';
import { NWCWalletService, NWCWalletServiceKeyPair, type NWCWalletServiceRequestHandler } from '@getalby/sdk';
import bolt11 from 'bolt11';
import { decode } from 'light-bolt11-decoder';
import { getPublicKey } from 'nostr-tools/pure';
import WebSocket from 'ws';

export type PayFailure = 'INSUFFICIENT_BALANCE' | 'PAYMENT_FAILED' | 'QUOTA_EXCEEDED' | 'NO_ANSWER';

export interface SimulatedWallet {
  nwcUrl: string;
  balanceMsats: number;
  feeMsats: number;
  payFailures: PayFailure[];
  /** Pay, but never answer: the payment happens and the reply is lost. */
  payButNoAnswer: boolean;
  externalInvoice(o?: { amountSats?: number; expirySeconds?: number; network?: 'regtest' | 'mainnet'; createdAtSeconds?: number }): { bolt11: string; paymentHash: string; preimage: string };
  settleIncoming(paymentHash: string): void;
  requests: { method: string; params: unknown }[];
  close(): Promise<void>;
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

const nowSeconds = () => Math.floor(Date.now() / 1000);

function makeInvoice(o: { msats?: number; description: string; expirySeconds: number; network: 'regtest' | 'mainnet'; createdAtSeconds?: number }) {
  const preimage = randomBytes(32).toString('hex');
  const paymentHash = createHash('sha256').update(Buffer.from(preimage, 'hex')).digest('hex');
  const timestamp = o.createdAtSeconds ?? nowSeconds();
  const encoded = bolt11.encode({
    network: o.network === 'regtest' ? REGTEST : undefined,
    ...(o.msats === undefined ? {} : { millisatoshis: String(o.msats) }),
    timestamp,
    tags: [
      { tagName: 'payment_hash', data: paymentHash },
      { tagName: 'description', data: o.description },
      { tagName: 'expire_time', data: o.expirySeconds },
    ],
  } as never);
  return { bolt11: bolt11.sign(encoded, NODE_KEY).paymentRequest!, paymentHash, preimage, timestamp };
}

const ok = <T>(result: T) => Promise.resolve({ result, error: undefined });
const err = (code: string, message: string) => Promise.resolve({ result: undefined, error: { code, message } });

export async function startSimulatedWallet(o: { relayUrl: string }): Promise<SimulatedWallet> {
  const g = globalThis as { WebSocket?: unknown };
  g.WebSocket ??= WebSocket;
  const walletSecret = randomBytes(32).toString('hex');
  const clientSecret = randomBytes(32).toString('hex');
  const walletPubkey = getPublicKey(Buffer.from(walletSecret, 'hex'));
  const clientPubkey = getPublicKey(Buffer.from(clientSecret, 'hex'));
  const txs: Tx[] = [];
  const external = new Map<string, string>(); // payment hash → preimage of invoices made outside the wallet
  const never = new Promise<never>(() => {});

  const wallet: SimulatedWallet = {
    nwcUrl: `nostr+walletconnect://${walletPubkey}?relay=${encodeURIComponent(o.relayUrl)}&secret=${clientSecret}`,
    balanceMsats: 100_000_000,
    feeMsats: 0,
    payFailures: [],
    payButNoAnswer: false,
    requests: [],
    externalInvoice(x = {}) {
      const made = makeInvoice({
        msats: x.amountSats === undefined ? undefined : x.amountSats * 1000,
        description: 'payee invoice',
        expirySeconds: x.expirySeconds ?? 3600,
        network: x.network ?? 'regtest',
        createdAtSeconds: x.createdAtSeconds,
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
    },
    close: async () => {
      unsubscribe();
      service.close();
    },
  };

  const view = (t: Tx) => ({
    ...t,
    description_hash: '',
    state: t.state === 'pending' && t.expires_at <= nowSeconds() ? ('failed' as const) : t.state,
    preimage: t.state === 'settled' ? t.preimage : '',
  });
  const record = (method: string, params: unknown) => wallet.requests.push({ method, params });

  const handler: NWCWalletServiceRequestHandler = {
    getInfo: () => ok({ alias: 'simulated', color: '#000000', pubkey: walletPubkey, network: 'regtest', block_height: 1, block_hash: '00', methods: ['get_info', 'get_balance', 'make_invoice', 'pay_invoice', 'lookup_invoice', 'list_transactions'] } as never),
    getBalance: () => ok({ balance: wallet.balanceMsats }),
    makeInvoice: (req) => {
      record('make_invoice', req);
      const expiry = req.expiry ?? 3600;
      const made = makeInvoice({ msats: req.amount, description: req.description ?? '', expirySeconds: expiry, network: 'regtest' });
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
    },
    lookupInvoice: (req) => {
      record('lookup_invoice', req);
      const tx = txs.find((t) => t.payment_hash === req.payment_hash || (req.invoice !== undefined && t.invoice === req.invoice));
      return tx ? ok(view(tx) as never) : err('NOT_FOUND', 'invoice not found');
    },
    listTransactions: (req) => {
      record('list_transactions', req);
      const list = txs
        .filter((t) => (req.type ? t.type === req.type : true) && (req.from ? t.created_at >= req.from : true) && (req.until ? t.created_at <= req.until : true))
        .sort((a, b) => b.created_at - a.created_at)
        .slice(req.offset ?? 0, (req.offset ?? 0) + (req.limit ?? 1000))
        .map(view);
      return ok({ transactions: list, total_count: list.length } as never);
    },
    payInvoice: (req) => {
      record('pay_invoice', req);
      const failure = wallet.payFailures.shift();
      if (failure === 'NO_ANSWER') return never;
      if (failure) return err(failure, `simulated ${failure.toLowerCase().replace('_', ' ')}`);
      const decoded = decode(req.invoice);
      const section = (name: string) => (decoded.sections.find((s) => s.name === name) as { value?: unknown } | undefined)?.value;
      const amount = Number(section('amount') ?? req.amount ?? 0);
      if (!amount) return err('OTHER', 'amountless invoice needs an amount');
      const paymentHash = String(section('payment_hash'));
      if (wallet.balanceMsats < amount + wallet.feeMsats) return err('INSUFFICIENT_BALANCE', 'not enough balance');
      const own = txs.find((t) => t.type === 'incoming' && t.payment_hash === paymentHash);
      const preimage = external.get(paymentHash) ?? own?.preimage;
      if (!preimage) return err('PAYMENT_FAILED', 'no route to the payee');
      if (own) wallet.settleIncoming(paymentHash);
      wallet.balanceMsats -= amount + wallet.feeMsats;
      txs.push({
        type: 'outgoing',
        state: 'settled',
        invoice: req.invoice,
        description: String(section('description') ?? ''),
        payment_hash: paymentHash,
        preimage,
        amount,
        fees_paid: wallet.feeMsats,
        created_at: nowSeconds(),
        expires_at: nowSeconds() + 3600,
        settled_at: nowSeconds(),
      });
      if (wallet.payButNoAnswer) return never;
      return ok({ preimage, fees_paid: wallet.feeMsats });
    },
  };

  const service = new NWCWalletService({ relayUrl: o.relayUrl });
  const keypair = new NWCWalletServiceKeyPair(walletSecret, clientPubkey);
  await service.publishWalletServiceInfoEvent(walletSecret, ['get_info', 'get_balance', 'make_invoice', 'pay_invoice', 'lookup_invoice', 'list_transactions'], []);
  const unsubscribe = await service.subscribe(keypair, handler);
  return wallet;
}
