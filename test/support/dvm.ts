// A scriptable NIP-90 Data Vending Machine for tests, on the loopback relay: it answers
// requests addressed to it (p tag) by echoing the input, or asks for payment first, goes
// silent, reports an error, has someone else sign its result, or answers another request.
import { nip19 } from 'nostr-tools';
import { SimplePool } from 'nostr-tools/pool';
import { finalizeEvent, generateSecretKey, getPublicKey, type Event } from 'nostr-tools/pure';
import { testInvoice } from './bolt11.js';

export type Behaviour = 'answer' | 'silent' | 'error' | 'forged' | 'wrong-request' | { pay: number };

export async function startDvm(relayUrl: string, o: { kind?: number; behaviour: Behaviour }) {
  const secret = generateSecretKey();
  const pubkey = getPublicKey(secret);
  const kind = o.kind ?? 5050;
  const pool = new SimplePool();
  const dvm = { npub: nip19.npubEncode(pubkey), pubkey, behaviour: o.behaviour, requests: [] as Event[], close: () => pool.close([relayUrl]) };
  const send = (tmpl: { kind: number; tags: string[][]; content: string }, key = secret) =>
    Promise.allSettled(pool.publish([relayUrl], finalizeEvent({ ...tmpl, created_at: Math.floor(Date.now() / 1000) }, key)));
  // Connected before it is announced ready: no request is missed, and closing never meets a half-open socket.
  await pool.ensureRelay(relayUrl);
  pool.subscribe([relayUrl], { kinds: [kind], '#p': [pubkey] }, {
    onevent: async (req) => {
      dvm.requests.push(req);
      const b = dvm.behaviour;
      const input = req.tags.find((t) => t[0] === 'i')?.[1] ?? '';
      const result = { kind: kind + 1000, tags: [['e', req.id], ['p', req.pubkey], ['request', JSON.stringify(req)]], content: `echo: ${input}` };
      if (b === 'silent') return;
      if (b === 'error') return void send({ kind: 7000, tags: [['status', 'error', 'GPU on fire'], ['e', req.id], ['p', req.pubkey]], content: '' });
      if (b === 'forged') return void send(result, generateSecretKey());
      if (b === 'wrong-request') return void send({ ...result, tags: [['e', 'f'.repeat(64)], ['p', req.pubkey]] });
      if (typeof b === 'object') {
        const invoice = testInvoice({ sats: b.pay / 1000, network: 'regtest' });
        await send({ kind: 7000, tags: [['status', 'payment-required'], ['amount', String(b.pay), invoice.bolt11], ['e', req.id], ['p', req.pubkey]], content: '' });
        await new Promise((r) => setTimeout(r, 100));
      }
      await send(result);
    },
  });
  return dvm;
}
