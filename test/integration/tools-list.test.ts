// The tool surface, as clients see it. A change to any name, description, schema or
// annotation shows up here as a snapshot diff in review.
import { afterEach, describe, expect, it } from 'vitest';
import { closeContexts, connect, fundedAgent, makeContext, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

async function toolsFor(role: 'agent' | 'sponsor' | 'operator', options: Parameters<typeof connect>[2] = {}) {
  const ctx = makeContext();
  const { sponsor, agent } = fundedAgent(ctx, 0);
  const token = { agent: agent.token, sponsor: sponsor.token, operator: operatorToken(ctx) }[role];
  const client = await connect(ctx, token, options);
  const { tools } = await client.listTools();
  return tools;
}

describe('tools/list', () => {
  it('publishes the error shape, so an SDK client that listed the tools still receives coded errors', async () => {
    // The SDK client checks every structuredContent against the listed output schema, errors included.
    const ctx = makeContext();
    const { agent } = fundedAgent(ctx, 0);
    const client = await connect(ctx, agent.token);
    await client.listTools();
    const refused = await client.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: 'ag_nobody', amount_sats: 5 } });
    expect(refused).toMatchObject({ isError: true, structuredContent: { error: { code: expect.any(String) } } });
    const invalid = await client.callTool({ name: 'marketplace_get_skill', arguments: { slug: 'no-such-skill' } });
    expect(invalid).toMatchObject({ isError: true, structuredContent: { error: { code: 'NOT_FOUND' } } });
  });

  it('shows agents their tools, each fully described', async () => {
    const tools = await toolsFor('agent', { toolsets: ['all'] });
    expect(tools).toMatchSnapshot();
    for (const tool of tools) {
      expect(tool.name).toMatch(/^marketplace_[a-z_]+$/);
      expect(tool.title).toBeTruthy();
      expect(tool.description!.length).toBeGreaterThan(60);
      expect(tool.outputSchema).toBeDefined();
      expect(Object.keys(tool.annotations!).sort()).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
    }
  });

  it('shows sponsors their own view of the same tools', async () => {
    expect(await toolsFor('sponsor', { toolsets: ['all'] })).toMatchSnapshot();
  });

  it('shows the operator only what resolving disputes and approving providers needs', async () => {
    expect((await toolsFor('operator')).map((t) => t.name)).toEqual([
      'marketplace_approve_provider',
      'marketplace_disable_toolsets',
      'marketplace_enable_toolsets',
      'marketplace_get_dispute',
      'marketplace_get_provider',
      'marketplace_list_disputes',
      'marketplace_list_providers',
      'marketplace_list_toolsets',
      'marketplace_resolve_dispute',
      'marketplace_whoami',
    ]);
  });

  it('read-only mode keeps only read-only tools', async () => {
    const tools = await toolsFor('agent', { readOnly: true });
    expect(tools.length).toBeGreaterThan(0);
    expect(tools.every((t) => t.annotations?.readOnlyHint === true)).toBe(true);
  });

  it('toolsets switch groups off; the context group always stays', async () => {
    const names = (await toolsFor('agent', { toolsets: ['governance'] })).map((t) => t.name); // sponsor-only group
    expect(names).toEqual(['marketplace_disable_toolsets', 'marketplace_enable_toolsets', 'marketplace_inbox', 'marketplace_list_toolsets', 'marketplace_whoami']);
    const wallet = (await toolsFor('agent', { toolsets: ['wallet'] })).map((t) => t.name);
    expect(wallet).toContain('marketplace_check_balance');
  });
});
