import { z } from 'zod';
import { MarketError } from '../core/errors.js';
import { defineTool, READ_ONLY, type ToolCall, type ToolsetControl } from './inventory.js';
import { TOOLSET_DESCRIPTIONS, TOOLSETS } from '../toolsets.js';

const toolsetNames = z
  .array(z.enum(TOOLSETS as [string, ...string[]]))
  .min(1)
  .max(TOOLSETS.length);

function controlOf({ toolsets }: ToolCall): ToolsetControl {
  if (!toolsets) throw new MarketError('FORBIDDEN', 'Toolsets belong to a connection that lists tools; this call has none.');
  return toolsets;
}

/** Refuses names the caller's role has no tools in, so "enabled" never means "nothing happened". */
async function ownToolsets(control: ToolsetControl, names: readonly string[], caller: ToolCall['caller']) {
  const mine = new Set((await control.list()).map((t) => t.name as string));
  const foreign = names.filter((n) => !mine.has(n));
  if (foreign.length > 0) {
    throw new MarketError('INVALID_INPUT', `No tools for ${caller.role}s in ${foreign.join(', ')}. Yours: ${[...mine].join(', ')}.`, { valid: [...mine] });
  }
  return names as (typeof TOOLSETS)[number][];
}

// Opening a toolset changes only which definitions this caller is shown, nothing in the
// market: read-only in MCP's sense (as github-mcp-server marks its enable_toolset), so it
// stays in read-only mode and passes no spending gate.
const CHANGES_ONLY_THE_LISTING = READ_ONLY;

export const contextTools = [
  defineTool({
    name: 'marketplace_whoami',
    title: 'Who am I',
    description: 'Who this connection acts as: an agent (with its sponsor), a sponsor or the operator. Free.',
    toolset: 'context',
    roles: ['agent', 'sponsor', 'operator'],
    input: z.object({}),
    output: z.object({
      role: z.enum(['agent', 'sponsor', 'operator']),
      id: z.string(),
      name: z.string(),
      sponsor_id: z.string().optional(),
    }),
    annotations: READ_ONLY,
    handler: (_args, { caller }) =>
      caller.role === 'agent' ? { role: caller.role, id: caller.id, name: caller.name, sponsor_id: caller.sponsorId } : { role: caller.role, id: caller.id, name: caller.name },
  }),
  defineTool({
    name: 'marketplace_list_toolsets',
    title: 'List toolsets',
    description: 'The tool groups you can use, whether each is enabled, and how many tools it holds. Free.',
    toolset: 'context',
    roles: ['agent', 'sponsor', 'operator'],
    input: z.object({}),
    output: z.object({ items: z.array(z.object({ name: z.string(), description: z.string(), enabled: z.boolean(), tool_count: z.number().int() })) }),
    annotations: READ_ONLY,
    handler: async (_args, call) => ({ items: await controlOf(call).list() }),
  }),
  defineTool({
    name: 'marketplace_enable_toolsets',
    title: 'Enable toolsets',
    description:
      'Adds tool groups to your tool list at once (it stays so for you until disabled). Free. Groups: ' +
      TOOLSETS.filter((t) => t !== 'context')
        .map((t) => `${t} (${TOOLSET_DESCRIPTIONS[t].replace(/\.$/, '')})`)
        .join('; ') +
      '.',
    toolset: 'context',
    roles: ['agent', 'sponsor', 'operator'],
    input: z.object({ toolsets: toolsetNames }),
    output: z.object({ enabled: z.array(z.string()) }),
    annotations: CHANGES_ONLY_THE_LISTING,
    handler: async ({ toolsets }, call) => {
      const control = controlOf(call);
      return { enabled: await control.change(await ownToolsets(control, toolsets, call.caller), true) };
    },
  }),
  defineTool({
    name: 'marketplace_disable_toolsets',
    title: 'Disable toolsets',
    description: 'Removes tool groups from your tool list (context stays). Free; enable them again any time.',
    toolset: 'context',
    roles: ['agent', 'sponsor', 'operator'],
    input: z.object({ toolsets: toolsetNames }),
    output: z.object({ enabled: z.array(z.string()) }),
    annotations: CHANGES_ONLY_THE_LISTING,
    handler: async ({ toolsets }, call) => {
      const control = controlOf(call);
      return { enabled: await control.change(await ownToolsets(control, toolsets, call.caller), false) };
    },
  }),
];
