// NIP-89 discovery: providers announce themselves on relays with kind-31990 "handler
// information" events, one `k` tag per job kind they serve. We read them from the
// configured relays (signatures are checked by nostr-tools' pool) and keep the registry
// in step. Price and regions are not part of NIP-89: providers that want to be routed by
// them add `amount` (msats), `region` and `residency` tags.
import { nip19 } from 'nostr-tools';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import type { Event } from 'nostr-tools/pure';
import WebSocket from 'ws';
import type { AppContext } from '../context.js';
import { upsertAnnouncedProvider, type Announcement } from '../domain/compute/providers.js';

export const HANDLER_INFO_KIND = 31990;
useWebSocketImplementation(WebSocket);

export function parseAnnouncement(e: Event): Announcement | null {
  const tags = (name: string) => e.tags.filter((t) => t[0] === name && t[1] !== undefined).map((t) => t[1]!);
  let meta: { name?: unknown; about?: unknown } = {};
  try {
    meta = JSON.parse(e.content) as typeof meta;
  } catch {
    // Content is optional metadata; a malformed one still announces the kinds.
  }
  const kinds = tags('k').map(Number).filter(Number.isInteger);
  if (kinds.length === 0) return null;
  const amount = Number(tags('amount')[0] ?? 0);
  return {
    npub: nip19.npubEncode(e.pubkey),
    name: typeof meta.name === 'string' ? meta.name.slice(0, 100) : `provider ${e.pubkey.slice(0, 8)}`,
    about: typeof meta.about === 'string' ? meta.about.slice(0, 2_000) : null,
    kinds,
    priceMsats: Number.isSafeInteger(amount) && amount >= 0 ? amount : 0,
    regions: tags('region').map((r) => r.toLowerCase()),
    residency: tags('residency').map((r) => r.toLowerCase()),
  };
}

/** Reads the relays' announcements once; returns how many providers were added or updated. */
export async function discoverProviders(ctx: AppContext, o: { maxWaitMs?: number } = {}): Promise<{ added: number; updated: number }> {
  if (ctx.config.relays.length === 0) return { added: 0, updated: 0 };
  const pool = new SimplePool();
  try {
    const events = await pool.querySync(ctx.config.relays, { kinds: [HANDLER_INFO_KIND] }, { maxWait: o.maxWaitMs ?? 5_000 });
    // One announcement per provider: its newest (a relay may hold several).
    const latest = new Map<string, Event>();
    for (const e of events) if ((latest.get(e.pubkey)?.created_at ?? -1) < e.created_at) latest.set(e.pubkey, e);
    let added = 0;
    let updated = 0;
    for (const e of latest.values()) {
      const a = parseAnnouncement(e);
      if (!a) continue;
      const outcome = upsertAnnouncedProvider(ctx.db, ctx.clock, a, { autoApprove: ctx.config.autoApproveProviders });
      if (outcome === 'added') added++;
      if (outcome === 'updated') updated++;
    }
    return { added, updated };
  } finally {
    pool.close(ctx.config.relays);
  }
}
