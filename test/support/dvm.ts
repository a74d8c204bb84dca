// A scriptable NIP-90 Data Vending Machine for tests, on the loopback relay: it answers
// requests addressed to it (p tag) by echoing the input, or asks for payment first,
// attaches its invoice to the result, takes its time, goes silent, reports an error, has
// someone else sign its result, or answers another request. Encrypted requests (NIP-90
// `encrypted`, NIP-04) are read and answered encrypted, as a real DVM would.
import { nip04, nip19 } from 'nostr-tools';
import { SimplePool } from 'nostr-tools/pool';
import { finalizeEvent, generateSecretKey, getPublicKey, type Event } from 'nostr-tools/pure';
import { testInvoice } from './bolt11.js';

export type Behaviour =
  | 'answer'
  | 'silent'
  | 'error'
  | 'forged'
  | 'wrong-request'
  /** Asks for `pay` msats (kind-7000 payment-required) and answers once asked. */
  | { pay: number; delayMs?: number }
  /** Answers with its invoice for `postpaid` msats attached to the result. */
  | { postpaid: number; delayMs?: number }
  /** Answers after `delayMs`, saying "processing" first. */
  | { delayMs: number };

/** `invoice`: who makes the DVM's invoices (a wallet's payee, so a simulated wallet can pay them); a signed test invoice by default. */
export async function startDvm(relayUrl: string, o: { kind?: number; behaviour: Behaviour; invoice?: (msats: number) => { bolt11: string; paymentHash: string } }) {
  const secret = generateSecretKey();
  const pubkey = getPublicKey(secret);
  const kind = o.kind ?? 5050;
  const pool = new SimplePool();
  const dvm = {
    npub: nip19.npubEncode(pubkey),
    pubkey,
    behaviour: o.behaviour,
    requests: [] as Event[],
    /** Each request's inputs and params as the DVM read them (decrypted when encrypted). */
    read: [] as string[][][],
    /** Payment hashes of the invoices it issued. */
    invoices: [] as string[],
    close: () => pool.close([relayUrl]),
  };
  const send = (tmpl: { kind: number; tags: string[][]; content: string }, key = secret) =>
    Promise.allSettled(pool.publish([relayUrl], finalizeEvent({ ...tmpl, created_at: Math.floor(Date.now() / 1000) }, key)));
  const invoice = (msats: number) => {
    const i = o.invoice ? o.invoice(msats) : testInvoice({ sats: msats / 1000, network: 'regtest' });
    dvm.invoices.push(i.paymentHash);
    return i.bolt11;
  };
  // Connected before it is announced ready: no request is missed, and closing never meets a half-open socket.
  await pool.ensureRelay(relayUrl);
  pool.subscribe(
    [relayUrl],
    { kinds: [kind], '#p': [pubkey] },
    {
      // A fake provider: an error in it should surface as the unhandled rejection vitest fails on.
      // eslint-disable-next-line @typescript-eslint/no-misused-promises
      onevent: async (req) => {
        dvm.requests.push(req);
        const b = dvm.behaviour;
        const encrypted = req.tags.some((t) => t[0] === 'encrypted');
        const tags = encrypted ? (JSON.parse(nip04.decrypt(secret, req.pubkey, req.content)) as string[][]) : req.tags.filter((t) => t[0] === 'i' || t[0] === 'param');
        dvm.read.push(tags);
        const input = tags.find((t) => t[0] === 'i')?.[1] ?? '';
        const text = `echo: ${input}`;
        const result = {
          kind: kind + 1000,
          tags: [['e', req.id], ['p', req.pubkey], ['request', JSON.stringify(req)], ...(encrypted ? [['encrypted']] : [])],
          content: encrypted ? nip04.encrypt(secret, req.pubkey, text) : text,
        };
        const feedback = (status: string[], extra: string[][] = []) => send({ kind: 7000, tags: [['status', ...status], ...extra, ['e', req.id], ['p', req.pubkey]], content: '' });
        if (b === 'silent') return;
        if (b === 'error') return void feedback(['error', 'GPU on fire']);
        if (b === 'forged') return void send(result, generateSecretKey());
        if (b === 'wrong-request')
          return void send({
            ...result,
            tags: [
              ['e', 'f'.repeat(64)],
              ['p', req.pubkey],
            ],
          });
        if (typeof b === 'object' && 'pay' in b) {
          await feedback(['payment-required'], [['amount', String(b.pay), invoice(b.pay)]]);
          await new Promise((r) => setTimeout(r, 100));
        }
        if (typeof b === 'object' && b.delayMs) {
          await feedback(['processing', 'warming up']);
          await new Promise((r) => setTimeout(r, b.delayMs));
        }
        if (typeof b === 'object' && 'postpaid' in b) result.tags.push(['amount', String(b.postpaid), invoice(b.postpaid)]);
        await send(result);
      },
    },
  );
  return dvm;
}
