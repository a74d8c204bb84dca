// The tool surface, as clients see it. A change to any name, description, schema or
// annotation shows up in review as a diff of that tool's own file in __toolsnaps__/
// (one file per tool, as github-mcp-server keeps them). A tool without its file fails
// here instead of being written silently: UPDATE_TOOLSNAPS=1 writes them, for review.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import { closeContexts, connect, fundedAgent, makeContext, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

async function toolsFor(role: 'agent' | 'sponsor' | 'operator', options: Parameters<typeof connect>[2] = {}) {
  const ctx = await makeContext();
  const { sponsor, agent } = await fundedAgent(ctx, 0);
  const token = { agent: agent.token, sponsor: sponsor.token, operator: await operatorToken(ctx) }[role];
  const client = await connect(ctx, token, options);
  const { tools } = await client.listTools();
  return tools;
}

describe('tools/list', () => {
  it('publishes the error shape, so an SDK client that listed the tools still receives coded errors', async () => {
    // The SDK client checks every structuredContent against the listed output schema, errors included.
    const ctx = await makeContext();
    const { agent } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, agent.token);
    await client.listTools();
    const refused = await client.callTool({ name: 'marketplace_send_payment', arguments: { to_agent_id: 'ag_nobody', amount_sats: 5 } });
    expect(refused).toMatchObject({ isError: true, structuredContent: { error: { code: expect.any(String) } } });
    const invalid = await client.callTool({ name: 'marketplace_get_skill', arguments: { slug: 'no-such-skill' } });
    expect(invalid).toMatchObject({ isError: true, structuredContent: { error: { code: 'NOT_FOUND' } } });
  });

  it('shows agents their tools, each fully described', async () => {
    const tools = await toolsFor('agent', { toolsets: ['all'] });
    for (const tool of tools) {
      expect(tool.name).toMatch(/^marketplace_[a-z_]+$/);
      expect(tool.title).toBeTruthy();
      expect(tool.description!.length).toBeGreaterThan(60);
      expect(tool.outputSchema).toBeDefined();
      expect(Object.keys(tool.annotations!).sort()).toEqual(['destructiveHint', 'idempotentHint', 'openWorldHint', 'readOnlyHint']);
    }
  });

  it('lists every tool as its snapshot file in __toolsnaps__ says, for each role that sees it', async () => {
    const byRole = {
      agent: await toolsFor('agent', { toolsets: ['all'] }),
      sponsor: await toolsFor('sponsor', { toolsets: ['all'] }),
      operator: await toolsFor('operator'),
    };
    const snaps = toolSnapshots(byRole);
    const update = process.env.UPDATE_TOOLSNAPS === '1';
    const onDisk = fs.existsSync(TOOLSNAPS) ? fs.readdirSync(TOOLSNAPS).filter((f) => f.endsWith('.json')) : [];
    if (update) {
      fs.mkdirSync(TOOLSNAPS, { recursive: true });
      for (const f of onDisk) if (!snaps.has(f.slice(0, -5))) fs.rmSync(path.join(TOOLSNAPS, f));
      for (const [name, snap] of snaps) fs.writeFileSync(path.join(TOOLSNAPS, `${name}.json`), snap);
      return;
    }
    const hint = 'UPDATE_TOOLSNAPS=1 npx vitest run test/integration/tools-list.test.ts writes them; review the diff';
    expect(
      [...snaps.keys()].filter((n) => !onDisk.includes(`${n}.json`)),
      `tools without a snapshot file (${hint})`,
    ).toEqual([]);
    expect(
      onDisk.filter((f) => !snaps.has(f.slice(0, -5))),
      `snapshot files of tools that no longer exist (${hint})`,
    ).toEqual([]);
    for (const [name, snap] of snaps) {
      // Compared as JSON, so a failure shows the fields that changed.
      expect(JSON.parse(snap), `${name} differs from __toolsnaps__/${name}.json (${hint})`).toEqual(JSON.parse(fs.readFileSync(path.join(TOOLSNAPS, `${name}.json`), 'utf8')));
    }
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

const TOOLSNAPS = path.join(path.dirname(fileURLToPath(import.meta.url)), '__toolsnaps__');

/**
 * One JSON text per tool: its listing, and which roles see it. Where roles see different
 * shapes of the same tool (a sponsor's balance covers all its agents), each role's listing.
 */
function toolSnapshots(byRole: Record<string, Tool[]>): Map<string, string> {
  const seen = new Map<string, Map<string, Tool>>();
  for (const [role, tools] of Object.entries(byRole)) {
    for (const tool of tools) {
      if (!seen.has(tool.name)) seen.set(tool.name, new Map());
      seen.get(tool.name)!.set(role, tool);
    }
  }
  const snaps = new Map<string, string>();
  for (const name of [...seen.keys()].sort()) {
    const views = seen.get(name)!;
    const texts = new Set([...views.values()].map((t) => JSON.stringify(t)));
    const body = texts.size === 1 ? { seen_by: [...views.keys()], tool: [...views.values()][0] } : { seen_by: [...views.keys()], by_role: Object.fromEntries(views) };
    snaps.set(name, `${JSON.stringify(body, null, 2)}\n`);
  }
  return snaps;
}
