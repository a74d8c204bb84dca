// The compute transport over Nostr (NIP-90): requests (kinds 5000–5999) published to the
// configured relays, feedback (kind 7000) and results (request kind + 1000) read back,
// NIP-04 for encrypted requests and results, NIP-09 to withdraw requests. Signatures are
// checked by nostr-tools' pool on every event it hands us; we also check the author and
// the request it answers, so the job's saga (src/domain/compute/job-run.ts) hears only
// the provider it asked.
import { nip04 } from 'nostr-tools';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import { finalizeEvent, type Event } from 'nostr-tools/pure';
import type { ComputeLink, ComputeTransport, ProviderAmount, ProviderMessage, ProviderRequest } from '../domain/compute/transport.js';
import { RelaySocket } from './websocket.js';

useWebSocketImplementation(RelaySocket);

export const FEEDBACK_KIND = 7000;
export const DELETION_KIND = 5;

export function nostrComputeTransport(relays: readonly string[]): ComputeTransport {
  return {
    unreachable: () => (relays.length === 0 ? 'No relays are configured (--relay): the marketplace cannot reach compute providers.' : null),
    open: () => relayLink([...relays]),
  };
}

function relayLink(relays: string[]): ComputeLink {
  const pool = new SimplePool();
  return {
    ask(request, onMessage) {
      const event = requestEvent(request);
      const sub = pool.subscribe(
        relays,
        { kinds: [FEEDBACK_KIND, request.kind + 1000], '#e': [event.id] },
        {
          onevent: (e) => {
            // Only the provider we asked, answering the request we sent.
            if (e.pubkey !== request.providerPubkey || !e.tags.some((t) => t[0] === 'e' && t[1] === event.id)) return;
            onMessage(readMessage(request, e));
          },
        },
      );
      // Subscribed first: feedback may come back faster than the publish resolves.
      void Promise.allSettled(pool.publish(relays, event));
      return { requestId: event.id, stop: () => sub.close() };
    },
    async withdraw({ requestIds, kind, secretKey, reason }) {
      const deletion = finalizeEvent(
        { kind: DELETION_KIND, created_at: Math.floor(Date.now() / 1000), tags: [...requestIds.map((id) => ['e', id]), ['k', String(kind)]], content: reason },
        secretKey,
      );
      await Promise.allSettled(pool.publish(relays, deletion));
    },
    close: () => pool.close(relays),
  };
}

function requestEvent(r: ProviderRequest): Event {
  const inputs = r.inputs.map((i) => ['i', i.data, i.type]);
  const params = Object.entries(r.params).map(([k, v]) => ['param', k, v]);
  const common = [
    ['bid', String(r.bidMsats)],
    ['p', r.providerPubkey],
  ];
  // NIP-90 encrypted requests: inputs and params travel as NIP-04 ciphertext only the provider can read.
  const body = r.encrypted
    ? { tags: [...common, ['encrypted']], content: nip04.encrypt(r.secretKey, r.providerPubkey, JSON.stringify([...inputs, ...params])) }
    : { tags: [...inputs, ...params, ...common], content: '' };
  return finalizeEvent({ kind: r.kind, created_at: r.createdAt, ...body }, r.secretKey);
}

function readMessage(r: ProviderRequest, e: Event): ProviderMessage {
  const amountTag = e.tags.find((t) => t[0] === 'amount');
  const amount: ProviderAmount | undefined = amountTag && { msats: Number(amountTag[1]), bolt11: amountTag[2] };
  if (e.kind === r.kind + 1000) return { type: 'result', content: readContent(r, e), amount };
  const status = e.tags.find((t) => t[0] === 'status');
  return { type: 'feedback', status: status?.[1], text: status?.[2], amount };
}

/** A result's text: decrypted when the provider encrypted it to us (NIP-90 `encrypted`). */
function readContent(r: ProviderRequest, e: Event): string | null {
  if (!e.tags.some((t) => t[0] === 'encrypted')) return e.content;
  try {
    return nip04.decrypt(r.secretKey, r.providerPubkey, e.content);
  } catch {
    return null;
  }
}
