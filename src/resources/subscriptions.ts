// resources/subscribe for every subscribable resource of one connection. MCP has one
// subscribe request for all resources, so each resource family registers here what it
// watches; a short poll re-reads each watched resource's state from the database (another
// process may change it) and tells the client when it differs from what it last saw.
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import { isMarketError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';

export interface Watchable {
  /** The URI or template the client may subscribe to, for the refusal that names them. */
  template: string;
  matches: (uri: string) => boolean;
  /** A string that changes whenever the resource does; throws when the caller may not read it. */
  stateOf: (uri: string) => Promise<string>;
}

export interface Subscriptions {
  add(watchable: Watchable): void;
}

export function registerSubscriptions(server: McpServer, logger: Logger, intervalMs: number): Subscriptions {
  const families: Watchable[] = [];
  const watched = new Map<string, { family: Watchable; seen: string }>();
  let timer: NodeJS.Timeout | undefined;

  const poll = async () => {
    for (const [uri, w] of watched) {
      try {
        const now = await w.family.stateOf(uri);
        if (now !== w.seen) {
          w.seen = now;
          void server.server.sendResourceUpdated({ uri });
        }
      } catch (error) {
        logger.warn('resource watch failed', { uri, error: String(error) });
        watched.delete(uri);
      }
    }
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, async (request) => {
    const { uri } = request.params;
    const family = families.find((f) => f.matches(uri));
    if (!family) throw new McpError(ErrorCode.InvalidParams, `${uri} cannot be subscribed to; these can: ${families.map((f) => f.template).join(', ')}.`);
    watched.set(uri, { family, seen: await asResourceError(() => family.stateOf(uri)) });
    timer ??= setInterval(poll, intervalMs);
    timer.unref();
    return {};
  });
  server.server.setRequestHandler(UnsubscribeRequestSchema, (request) => {
    watched.delete(request.params.uri);
    return {};
  });
  const previousClose = server.server.onclose;
  server.server.onclose = () => {
    if (timer) clearInterval(timer);
    previousClose?.();
  };
  return { add: (w) => void families.push(w) };
}

/** Runs a read, turning a coded refusal into the JSON-RPC error resources answer with. */
export async function asResourceError<T>(read: () => T | Promise<T>): Promise<T> {
  try {
    return await read();
  } catch (error) {
    if (isMarketError(error)) throw new McpError(ErrorCode.InvalidParams, error.message);
    throw error;
  }
}
