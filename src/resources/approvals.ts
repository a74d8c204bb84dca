// marketplace://approvals/{approval_id}: an approval's state as a resource an agent can
// read or subscribe to instead of polling marketplace_get_approval. The state is always
// re-read from the database (another process may decide).
import { ResourceTemplate, type McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { AppContext } from '../context.js';
import { approvalView, readOwnApproval } from '../domain/governance/approvals.js';
import type { Caller } from '../domain/identity/caller.js';
import { asResourceError, type Subscriptions } from './subscriptions.js';

const PREFIX = 'marketplace://approvals/';

export function registerApprovalResource(server: McpServer, ctx: AppContext, caller: () => Caller | Promise<Caller>, subscriptions: Subscriptions): void {
  const read = async (approvalId: string, marksSeen = true) => readOwnApproval(ctx.db, ctx.clock, approvalId, await caller(), marksSeen);

  server.registerResource(
    'approval',
    new ResourceTemplate(`${PREFIX}{approval_id}`, { list: undefined }),
    {
      title: 'Approval request',
      description: 'The state of one approval request (pending, executed with its result, denied, expired, failed). Subscribe to hear when it changes.',
      mimeType: 'application/json',
    },
    async (uri, { approval_id }) => ({
      contents: [{ uri: uri.href, mimeType: 'application/json', text: JSON.stringify(approvalView(await asResourceError(() => read(String(approval_id))))) }],
    }),
  );

  subscriptions.add({
    template: `${PREFIX}{approval_id}`,
    matches: (uri) => uri.startsWith(PREFIX),
    stateOf: async (uri) => {
      const a = await read(uri.slice(PREFIX.length), false);
      return `${a.status}@${a.updatedAt}`;
    },
  });
}
