// A real Nostr relay on 127.0.0.1 for tests: @nostr-relay's core (NIP-01 handling,
// subscriptions, broadcast) behind a ws server, with a small in-memory event store.
import { EventRepository, LogLevel, type Event, type Filter } from '@nostr-relay/common';
import { NostrRelay } from '@nostr-relay/core';
import { Validator } from '@nostr-relay/validator';
import { matchFilter } from 'nostr-tools';
import { WebSocketServer } from 'ws';

/**
 * Regular events are kept (deletion requests remove their author's named events); replaceable ones (0, 3, 10000–19999) keep only the newest per
 * author and kind, addressable ones (30000–39999) per author, kind and `d` tag (NIP-01).
 */
class MemoryRepository extends EventRepository {
  private readonly events = new Map<string, Event>();
  isSearchSupported(): boolean {
    return false;
  }
  upsert(event: Event) {
    const replaceable = event.kind === 0 || event.kind === 3 || (event.kind >= 10_000 && event.kind < 20_000);
    const addressable = event.kind >= 30_000 && event.kind < 40_000;
    const d = event.tags.find((t) => t[0] === 'd')?.[1] ?? '';
    const key = replaceable ? `${event.pubkey}:${event.kind}` : addressable ? `${event.pubkey}:${event.kind}:${d}` : event.id;
    const existing = this.events.get(key);
    if (existing && existing.created_at > event.created_at) return { isDuplicate: true };
    this.events.set(key, event);
    return { isDuplicate: existing?.id === event.id };
  }
  /** NIP-09: an author's deletion request removes the events it names; the request itself is kept. */
  override async deleteByDeletionRequest(deletion: Event): Promise<void> {
    const named = new Set(deletion.tags.filter((t) => t[0] === 'e').map((t) => t[1]));
    for (const [key, e] of this.events) if (named.has(e.id) && e.pubkey === deletion.pubkey) this.events.delete(key);
    this.events.set(deletion.id, deletion);
  }
  find(filter: Filter): Event[] {
    const found = [...this.events.values()].filter((e) => matchFilter(filter as never, e as never)).sort((a, b) => b.created_at - a.created_at);
    return filter.limit ? found.slice(0, filter.limit) : found;
  }
  async destroy(): Promise<void> {}
}

export async function startRelay(): Promise<{ url: string; close(): Promise<void> }> {
  const relay = new NostrRelay(new MemoryRepository(), { filterResultCacheTtl: 0, maxSubscriptionsPerClient: 1_000, logLevel: LogLevel.ERROR });
  const validator = new Validator();
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  server.on('connection', (ws) => {
    relay.handleConnection(ws);
    ws.on('message', async (data) => {
      try {
        const message = await validator.validateIncomingMessage(data);
        await relay.handleMessage(ws, message);
      } catch (error) {
        ws.send(JSON.stringify(['NOTICE', (error as Error).message]));
      }
    });
    ws.on('close', () => relay.handleDisconnect(ws));
    ws.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const { port } = server.address() as { port: number };
  return {
    url: `ws://127.0.0.1:${port}`,
    close: async () => {
      for (const client of server.clients) client.terminate();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await relay.destroy();
    },
  };
}
