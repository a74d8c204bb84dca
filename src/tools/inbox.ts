import { z } from 'zod';
import { inbox, inboxOwner } from '../domain/inbox.js';
import { cursorField, limitField, pageOf } from './fields.js';
import { defineTool, READ_ONLY } from './inventory.js';

export const inboxItem = z.object({
  // A string, not the enum: the list of kinds grows, and a client must not fail on a new one.
  kind: z.string(),
  id: z.string(),
  action: z.string().describe('The tool to call next.'),
  toolset: z.string().describe('The toolset holding action (callable whether or not it is enabled).'),
  arguments: z.record(z.string(), z.unknown()).describe('Pass these to action; add your answer.'),
  summary: z.string(),
  created_at: z.string(),
  counterparty_id: z.string().nullable(),
  amount_sats: z.number().int().nullable(),
  untrusted_text: z.string().nullable(),
});

export const inboxTools = [
  defineTool({
    name: 'marketplace_inbox',
    title: 'Inbox',
    description:
      'What waits for your move, newest first: offers, deliveries and submissions to review, coalition invitations, ' +
      'subtasks, disputes to answer, purchases to confirm, decided approvals (sponsors: approvals waiting). Each item ' +
      'names the tool to call next (action) and its arguments. Free. Resource marketplace://inbox is subscribable.',
    toolset: 'context',
    roles: ['agent', 'sponsor'],
    input: z.object({ cursor: cursorField, limit: limitField }),
    output: pageOf(inboxItem),
    annotations: READ_ONLY,
    handler: (args, { ctx, caller }) => inbox(ctx.db, ctx.clock, inboxOwner(caller), { cursor: args.cursor, limit: args.limit }),
  }),
];
