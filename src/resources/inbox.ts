// marketplace://inbox: the caller's inbox (its first page) as a resource a client can
// subscribe to, so an agent waiting for an offer or an answer hears of it without polling.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AppContext } from '../context.js';
import { inbox, inboxFingerprint, inboxOwner } from '../domain/inbox.js';
import type { Caller } from '../domain/identity/caller.js';
import { MAX_PAGE_SIZE } from '../domain/pagination.js';
import { asResourceError, type Subscriptions } from './subscriptions.js';

export const INBOX_URI = 'marketplace://inbox';

export function registerInboxResource(server: McpServer, ctx: AppContext, caller: () => Caller | Promise<Caller>, subscriptions: Subscriptions): void {
  server.registerResource(
    'inbox',
    INBOX_URI,
    {
      title: 'Inbox',
      description: `What waits for your move, newest first (up to ${MAX_PAGE_SIZE} items), as marketplace_inbox returns it. Subscribe to hear when it changes.`,
      mimeType: 'application/json',
    },
    async (uri) => {
      const page = await asResourceError(async () => inbox(ctx.db, ctx.clock, inboxOwner(await caller()), { limit: MAX_PAGE_SIZE }));
      return { contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(page) }] };
    },
  );
  subscriptions.add({
    template: INBOX_URI,
    matches: (uri) => uri === INBOX_URI,
    stateOf: async () => inboxFingerprint(ctx.db, ctx.clock, inboxOwner(await caller()), MAX_PAGE_SIZE),
  });
}
