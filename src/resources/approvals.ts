// marketplace://approvals/{approval_id}: an approval's state as a resource an agent can
// read or subscribe to instead of polling marketplace_get_approval. Subscriptions live
// only as long as this connection; the state itself is always re-read from the database
// (another process may decide), so a short poll notices every change.
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { ErrorCode, McpError, SubscribeRequestSchema, UnsubscribeRequestSchema } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext } from '../context.js';
import { approvalView, loadApproval } from '../domain/governance/approvals.js';
import { isMarketError } from '../domain/errors.js';
import type { Caller } from '../domain/identity/caller.js';

const PREFIX = 'marketplace://approvals/';

export function registerApprovalResource(server: McpServer, ctx: AppContext, caller: () => Caller, watchIntervalMs: number): void {
  const read = (approvalId: string) => {
    const a = loadApproval(ctx.db, ctx.clock, approvalId);
    const who = caller();
    const mine = who.role === 'agent' ? a.agentId === who.id : a.sponsorId === who.id;
    if (!mine) throw new McpError(ErrorCode.InvalidParams, `No approval ${approvalId} of yours.`);
    return a;
  };
  const readOrFail = (approvalId: string) => {
    try {
      return read(approvalId);
    } catch (error) {
      if (isMarketError(error)) throw new McpError(ErrorCode.InvalidParams, error.message);
      throw error;
    }
  };

  server.registerResource(
    'approval',
    new ResourceTemplate(`${PREFIX}{approval_id}`, { list: undefined }),
    {
      title: 'Approval request',
      description: 'The state of one approval request (pending, executed with its result, denied, expired, failed). Subscribe to hear when it changes.',
      mimeType: 'application/json',
    },
    (uri, { approval_id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(approvalView(readOrFail(String(approval_id)))) }],
    }),
  );

  const watched = new Map<string, string>(); // uri → state last seen
  const stateOf = (a: { status: string; updatedAt: string }) => `${a.status}@${a.updatedAt}`;
  let timer: NodeJS.Timeout | undefined;
  const poll = () => {
    for (const [uri, seen] of watched) {
      try {
        const now = stateOf(read(uri.slice(PREFIX.length)));
        if (now !== seen) {
          watched.set(uri, now);
          void server.server.sendResourceUpdated({ uri });
        }
      } catch (error) {
        ctx.logger.warn('approval watch failed', { uri, error: String(error) });
        watched.delete(uri);
      }
    }
    if (watched.size === 0 && timer) {
      clearInterval(timer);
      timer = undefined;
    }
  };

  server.server.registerCapabilities({ resources: { subscribe: true } });
  server.server.setRequestHandler(SubscribeRequestSchema, (request) => {
    const { uri } = request.params;
    if (!uri.startsWith(PREFIX)) throw new McpError(ErrorCode.InvalidParams, `Only ${PREFIX}{approval_id} can be subscribed to.`);
    watched.set(uri, stateOf(readOrFail(uri.slice(PREFIX.length))));
    timer ??= setInterval(poll, watchIntervalMs);
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
}
