import { z } from 'zod';
import { defineTool, READ_ONLY } from './inventory.js';

export const contextTools = [
  defineTool({
    name: 'marketplace_whoami',
    title: 'Who am I',
    description:
      'Returns who this connection acts as: an agent (with its sponsor), a sponsor or the operator. Free, changes nothing. ' +
      'Call it first if you are unsure which tools apply to you.',
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
      caller.role === 'agent'
        ? { role: caller.role, id: caller.id, name: caller.name, sponsor_id: caller.sponsorId }
        : { role: caller.role, id: caller.id, name: caller.name },
  }),
];
