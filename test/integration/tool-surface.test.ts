// What a model pays for before it does anything: the tools/list of each role, measured
// in JSON characters and in tokens of what a model reads (name, description, input
// schema), and the dynamic toolsets that keep it small without losing a capability.
import { encode } from 'gpt-tokenizer';
import { ToolListChangedNotificationSchema, type Tool } from '@modelcontextprotocol/sdk/types.js';
import { afterEach, describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { TOOLSETS } from '../../src/toolsets.js';
import { ALL_TOOLS } from '../../src/tools/index.js';
import { call, closeContexts, connect, fundedAgent, makeContext, operatorToken } from '../support/fixtures.js';

afterEach(closeContexts);

function cost(tools: Tool[]) {
  const chars = JSON.stringify({ tools }).length;
  const tokens = tools.reduce((n, t) => n + encode(`${t.name}\n${t.description ?? ''}\n${JSON.stringify(t.inputSchema)}`).length, 0);
  return { tools: tools.length, chars, tokens };
}

async function world() {
  const ctx = await makeContext();
  const { sponsor, agent } = await fundedAgent(ctx, 1_000);
  return { ctx, sponsor, agent, operator: await operatorToken(ctx) };
}

describe('the tool surface', () => {
  it('costs an agent at most 40,000 characters and 6,000 tokens by default, a sponsor at most 25,000 characters', async () => {
    const { ctx, sponsor, agent, operator } = await world();
    const figures: Record<string, Awaited<ReturnType<typeof cost>>> = {};
    figures['agent (default)'] = cost((await (await connect(ctx, agent.token)).listTools()).tools);
    figures['sponsor (default)'] = cost((await (await connect(ctx, sponsor.token)).listTools()).tools);
    figures['operator'] = cost((await (await connect(ctx, operator)).listTools()).tools);
    figures['agent (--toolsets all)'] = cost((await (await connect(ctx, agent.token, { toolsets: ['all'] })).listTools()).tools);
    figures['sponsor (--toolsets all)'] = cost((await (await connect(ctx, sponsor.token, { toolsets: ['all'] })).listTools()).tools);
    console.log(
      ['| tools/list | tools | JSON characters | tokens (name + description + input schema, o200k) |', '|---|---|---|---|']
        .concat(Object.entries(figures).map(([who, f]) => `| ${who} | ${f.tools} | ${f.chars.toLocaleString('en')} | ${f.tokens.toLocaleString('en')} |`))
        .join('\n'),
    );
    expect(figures['agent (default)'].chars).toBeLessThanOrEqual(40_000);
    expect(figures['agent (default)'].tokens).toBeLessThanOrEqual(6_000);
    expect(figures['sponsor (default)'].chars).toBeLessThanOrEqual(25_000);
  });

  it('opens every toolset on demand: its tools are listed at once, the client hears list_changed, and one of them answers', async () => {
    const { ctx, sponsor, agent, operator } = await world();
    for (const [role, token] of [
      ['agent', agent.token],
      ['sponsor', sponsor.token],
      ['operator', operator],
    ] as const) {
      const client = await connect(ctx, token);
      let changes = 0;
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => void changes++);
      const { data: sets } = await call(client, 'marketplace_list_toolsets');
      const mine = sets.items.map((s: { name: string }) => s.name);
      // Every tool a role has belongs to a toolset it can open.
      const roleTools = ALL_TOOLS.filter((t) => t.roles.includes(role));
      expect(new Set(roleTools.map((t) => t.toolset))).toEqual(new Set(mine));
      for (const set of sets.items.filter((s: { enabled: boolean }) => !s.enabled)) {
        const before = changes;
        const opened = await call(client, 'marketplace_enable_toolsets', { toolsets: [set.name] });
        expect(opened.isError).toBe(false);
        expect(opened.data.enabled).toContain(set.name);
        const listed = (await client.listTools()).tools.map((t) => t.name);
        const ofSet = roleTools.filter((t) => t.toolset === set.name);
        expect(listed).toEqual(expect.arrayContaining(ofSet.map((t) => t.name)));
        await expect.poll(() => changes).toBeGreaterThan(before);
        // One read-only tool of the set answers through the client (arguments it may need are looked up).
        const probe = ofSet.find((t) => t.annotations.readOnlyHint && Object.keys(t.input.shape).every((k) => (t.input.shape[k] as z.ZodType).safeParse(undefined).success));
        if (probe) expect((await call(client, probe.name)).isError, `${probe.name} for ${role}`).toBe(false);
      }
      const all = await call(client, 'marketplace_list_toolsets');
      expect(all.data.items.every((s: { enabled: boolean }) => s.enabled)).toBe(true);
    }
  });

  it("keeps a caller's choice across connections, and closes what it disables", async () => {
    const { ctx, agent } = await world();
    const first = await connect(ctx, agent.token);
    await call(first, 'marketplace_enable_toolsets', { toolsets: ['bounties'] });
    const second = await connect(ctx, agent.token);
    expect((await second.listTools()).tools.map((t) => t.name)).toContain('marketplace_create_bounty');
    const closed = await call(second, 'marketplace_disable_toolsets', { toolsets: ['bounties', 'skills'] });
    expect(closed.data.enabled).not.toContain('bounties');
    expect(closed.data.enabled).toContain('context');
    const names = (await (await connect(ctx, agent.token)).listTools()).tools.map((t) => t.name);
    expect(names).not.toContain('marketplace_create_bounty');
    expect(names).not.toContain('marketplace_search_skills');
    expect(names).toContain('marketplace_inbox');
  });

  it('refuses an unknown toolset, and one the role has no tools in, naming the valid ones; nothing changes', async () => {
    const { ctx, agent } = await world();
    const client = await connect(ctx, agent.token);
    const before = (await client.listTools()).tools.length;
    const typo = await call(client, 'marketplace_enable_toolsets', { toolsets: ['walet'] });
    expect(typo).toMatchObject({ isError: true, data: { error: { code: 'INVALID_INPUT' } } });
    expect(typo.data.error.message).toContain('wallet');
    const foreign = await call(client, 'marketplace_enable_toolsets', { toolsets: ['governance'] });
    expect(foreign).toMatchObject({ isError: true, data: { error: { code: 'INVALID_INPUT' } } });
    expect(foreign.data.error.message).toContain('bounties');
    expect((await client.listTools()).tools.length).toBe(before);
  });

  it('a server with fixed toolsets lists exactly those, refuses to open more, and refuses calls outside them', async () => {
    const { ctx, agent } = await world();
    const client = await connect(ctx, agent.token, { toolsets: ['wallet'] });
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('marketplace_check_balance');
    expect(names).not.toContain('marketplace_search_skills');
    expect(await call(client, 'marketplace_enable_toolsets', { toolsets: ['skills'] })).toMatchObject({
      isError: true,
      data: { error: { code: 'FORBIDDEN' } },
    });
    await expect(client.callTool({ name: 'marketplace_search_skills', arguments: {} })).rejects.toThrow(/Unknown tool/);
    await expect(connect(ctx, agent.token, { toolsets: ['walet'] })).rejects.toThrow(/Valid toolsets: context, wallet/);
  });

  it('in the default mode a tool outside the listed toolsets still answers when called by name', async () => {
    const { ctx, agent } = await world();
    const client = await connect(ctx, agent.token);
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain('marketplace_list_bounties');
    expect((await call(client, 'marketplace_list_bounties')).isError).toBe(false);
  });

  it('every toolset name is known to the inventory, and every tool belongs to one', () => {
    for (const tool of ALL_TOOLS) expect(TOOLSETS).toContain(tool.toolset);
  });
});
