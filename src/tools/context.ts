import { z } from 'zod';
import { defineTool } from './inventory.js';

export const contextTools = [
  defineTool({
    name: 'marketplace_whoami',
    title: 'Who am I',
    description:
      'Returns who this connection acts as: an agent (with its sponsor) or a sponsor. Free, changes nothing. ' +
      'Call it first if you are unsure which tools apply to you.',
    toolset: 'context',
    roles: ['agent', 'sponsor'],
    input: z.object({}),
    output: z.object({
      role: z.enum(['agent', 'sponsor']),
      id: z.string(),
      name: z.string(),
      sponsor_id: z.string().optional(),
    }),
    annotations: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
    handler: (_args, { caller }) =>
      caller.role === 'agent'
        ? { role: caller.role, id: caller.id, name: caller.name, sponsor_id: caller.sponsorId }
        : { role: caller.role, id: caller.id, name: caller.name },
  }),
];
