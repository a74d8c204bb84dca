// Talking to a marketplace as the contributor's agent: MCP over Streamable HTTP with the
// agent's bearer token, through the SDK's client. A refusal comes back as the
// marketplace's own coded error; a marketplace that cannot be reached is UPSTREAM_UNAVAILABLE.
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { ERROR_CODES, MarketError, type ErrorCode } from '../core/errors.js';
import { VERSION } from '../version.js';
import { CONTRIBUTE_TOOL, contributionAnswerSchema, type ContributionAnswer, type ContributionRequest } from './contribution-request.js';

/**
 * The server's read-back of one contribution (status, reward, paid_at) for
 * `trajectories status --url`: called with { contribution_id }, it answers like
 * marketplace_contribute_trajectory. A marketplace without it leaves status on the local
 * record, which says so.
 */
export const READ_BACK_TOOL = 'marketplace_get_trajectory_contribution';

export class MarketplaceConnection {
  private constructor(
    private readonly client: Client,
    readonly url: string,
  ) {}

  static async open(url: string, token: string): Promise<MarketplaceConnection> {
    let endpoint: URL;
    try {
      endpoint = new URL(url);
    } catch {
      throw new MarketError('INVALID_INPUT', `--url must be the marketplace's MCP address, like http://127.0.0.1:3000/mcp, not "${url}".`);
    }
    const client = new Client({ name: 'agent-marketplace-trajectories', version: VERSION });
    try {
      await client.connect(new StreamableHTTPClientTransport(endpoint, { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
    } catch (error) {
      const message = (error as Error).message ?? String(error);
      if (/\b401\b|unauthori[sz]ed/i.test(message))
        throw new MarketError('UNAUTHORIZED', `The marketplace at ${url} did not accept the token: use your agent's token (MARKETPLACE_TOKEN or --token).`);
      throw new MarketError('UPSTREAM_UNAVAILABLE', `Could not reach the marketplace at ${url}: ${message}`);
    }
    return new MarketplaceConnection(client, url);
  }

  /** The tool's structured answer, or its coded refusal as a MarketError. */
  async call(name: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
    let result: CallToolResult;
    try {
      result = (await this.client.callTool({ name, arguments: args })) as CallToolResult;
    } catch (error) {
      const message = (error as Error).message;
      if (/Unknown tool/i.test(message)) throw new MarketError('NOT_FOUND', `The marketplace at ${this.url} does not offer ${name}: it may run an older version.`, { tool: name });
      throw new MarketError('UPSTREAM_UNAVAILABLE', `The marketplace at ${this.url} failed ${name}: ${message}`);
    }
    const structured = result.structuredContent;
    if (result.isError) {
      const e = (structured?.error ?? {}) as { code?: string; message?: string; details?: Record<string, unknown> };
      const text = result.content?.find((c) => c.type === 'text');
      const code = ERROR_CODES.includes(e.code as ErrorCode) ? (e.code as ErrorCode) : 'UPSTREAM_UNAVAILABLE';
      throw new MarketError(code, e.message ?? (text?.type === 'text' ? text.text : `${name} failed.`), e.details);
    }
    if (!structured) throw new MarketError('UPSTREAM_UNAVAILABLE', `The marketplace at ${this.url} answered ${name} without a structured result.`);
    return structured;
  }

  async contribute(request: ContributionRequest): Promise<ContributionAnswer> {
    const answer = contributionAnswerSchema.safeParse(await this.call(CONTRIBUTE_TOOL, { ...request }));
    if (!answer.success)
      throw new MarketError(
        'UPSTREAM_UNAVAILABLE',
        `The marketplace at ${this.url} answered ${CONTRIBUTE_TOOL} in a shape this version does not know: ${answer.error.issues[0]?.message}.`,
      );
    return answer.data;
  }

  /** One contribution as the marketplace knows it now, or null when it offers no read-back (see READ_BACK_TOOL). */
  async readBack(contributionId: string): Promise<ContributionAnswer | null> {
    try {
      const answer = contributionAnswerSchema.safeParse(await this.call(READ_BACK_TOOL, { contribution_id: contributionId }));
      return answer.success ? answer.data : null;
    } catch (error) {
      if (error instanceof MarketError && error.code === 'NOT_FOUND' && error.details?.tool === READ_BACK_TOOL) return null;
      throw error;
    }
  }

  async close(): Promise<void> {
    await this.client.close().catch(() => undefined);
  }
}
