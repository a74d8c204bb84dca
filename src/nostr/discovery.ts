// NIP-89 discovery: providers announce themselves on relays with kind-31990 "handler
// information" events, one `k` tag per job kind they serve. We read them from the
// configured relays (signatures are checked by nostr-tools' pool) and keep the registry
// in step. Price and regions are not part of NIP-89: providers that want to be routed by
// them add `amount` (msats), `region` and `residency` tags. Each round also measures
// uptime: a provider is up when its announcement is on the relays or it published
// anything (a heartbeat, feedback, a result) since the previous round.
import { nip19 } from 'nostr-tools';
import { SimplePool, useWebSocketImplementation } from 'nostr-tools/pool';
import type { Event } from 'nostr-tools/pure';
import type { AppContext } from '../context.js';
import { listProviders, recordUptimeCheck } from '../db/provider-store.js';
import { upsertAnnouncedProvider, type Announcement } from '../domain/compute/providers.js';
import { RelaySocket } from './websocket.js';

export const HANDLER_INFO_KIND = 31990;
/** How often discovery runs; also the window in which a provider must show a sign of life. */
export const DISCOVERY_MS = 5 * 60_000;
/** Authors per activity query: relays cap filter sizes. */
const AUTHORS_PER_QUERY = 500;
useWebSocketImplementation(RelaySocket);

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

/** Reads the relays' announcements once and checks who is up; returns how many providers were added or updated. */
export async function discoverProviders(ctx: AppContext, o: { maxWaitMs?: number; activityWindowMs?: number } = {}): Promise<{ added: number; updated: number }> {
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
      const outcome = await upsertAnnouncedProvider(ctx.db, ctx.clock, a, { autoApprove: ctx.config.autoApproveProviders });
      if (outcome === 'added') added++;
      if (outcome === 'updated') updated++;
    }
    await checkUptime(ctx, pool, new Set(latest.keys()), o);
    return { added, updated };
  } finally {
    pool.close(ctx.config.relays);
  }
}

async function checkUptime(ctx: AppContext, pool: SimplePool, announced: Set<string>, o: { maxWaitMs?: number; activityWindowMs?: number }) {
  const providers = (await listProviders(ctx.db, { includeUnapproved: true })).flatMap((p) => {
    const decoded = nip19.decode(p.npub);
    return decoded.type === 'npub' ? [{ id: p.id, pubkey: decoded.data }] : [];
  });
  const quiet = providers.filter((p) => !announced.has(p.pubkey)).map((p) => p.pubkey);
  const since = Math.floor((ctx.clock.now().getTime() - (o.activityWindowMs ?? DISCOVERY_MS)) / 1000);
  const active = new Set<string>();
  for (let i = 0; i < quiet.length; i += AUTHORS_PER_QUERY) {
    const events = await pool.querySync(ctx.config.relays, { authors: quiet.slice(i, i + AUTHORS_PER_QUERY), since }, { maxWait: o.maxWaitMs ?? 5_000 });
    for (const e of events) active.add(e.pubkey);
  }
  const at = ctx.clock.now().toISOString();
  await ctx.db.write(async (tx) => {
    for (const p of providers) await recordUptimeCheck(tx, p.id, announced.has(p.pubkey) || active.has(p.pubkey), at);
  });
}
