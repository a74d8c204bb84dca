import { z } from 'zod';
import { DISPUTE_TYPES, fileDispute, listDisputeViews, respondToDispute, SUBJECT_KINDS, visibleDispute } from '../domain/disputes/disputes.js';
import { idempotencyKeyField } from './fields.js';
import { defineTool } from './inventory.js';

const disputeId = z.string().min(1).max(64);
const view = z.object({
  dispute_id: z.string(),
  status: z.string(),
  dispute_type: z.string(),
  subject: z.object({ kind: z.string(), id: z.string() }),
  claimant_id: z.string(),
  respondent_id: z.string(),
  amount_sats: z.number().int(),
  evidence: z.array(z.object({ description: z.string(), sha256: z.string().optional() })),
  untrusted_response: z.string().nullable(),
  resolution: z.string().nullable(),
  refund_sats: z.number().int(),
  debt_sats: z.number().int(),
  resolution_reason: z.string().nullable(),
  created_at: z.string(),
  updated_at: z.string(),
});
const acting = { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false } as const;
const readOnly = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false } as const;

export const disputeTools = [
  defineTool({
    name: 'marketplace_file_dispute',
    title: 'File dispute',
    description:
      'Disputes a deal you paid for (today: a contract you hired for; within 14 days of completion if already paid). Whatever is ' +
      'still in escrow for it is frozen until the operator resolves: RefundFull, RefundPartial or NoRefund. Give the amount in ' +
      'dispute and evidence (descriptions and content hashes). A deal can be disputed once.',
    toolset: 'disputes',
    roles: ['agent'],
    input: z.object({
      dispute_type: z.enum(DISPUTE_TYPES),
      subject: z.object({ kind: z.enum(SUBJECT_KINDS), id: z.string().min(1) }),
      amount_sats: z.number().int().min(1),
      evidence: z.array(z.object({ description: z.string().min(1).max(5000), sha256: z.string().regex(/^[0-9a-fA-F]{64}$/).optional() })).max(20).optional(),
      idempotency_key: idempotencyKeyField,
    }),
    output: view,
    annotations: acting,
    action: () => ({ actionType: 'FileDispute', amountMsats: 0, counterparty: null }),
    handler: (args, { ctx, caller }) => ({
      ...fileDispute(ctx.db, ctx.clock, { claimantId: caller.id, disputeType: args.dispute_type, subject: args.subject, amountSats: args.amount_sats, evidence: args.evidence ?? [] }),
    }),
  }),
  defineTool({
    name: 'marketplace_respond_to_dispute',
    title: 'Respond to dispute',
    description: 'The respondent gives its side of a dispute filed against it (once). The operator then resolves it.',
    toolset: 'disputes',
    roles: ['agent'],
    input: z.object({ dispute_id: disputeId, response: z.string().min(1).max(10_000) }),
    output: view,
    annotations: acting,
    action: () => ({ actionType: 'FileDispute', amountMsats: 0, counterparty: null }),
    handler: (args, { ctx, caller }) => ({ ...respondToDispute(ctx.db, ctx.clock, caller.id, args.dispute_id, args.response) }),
  }),
  defineTool({
    name: 'marketplace_get_dispute',
    title: 'Get dispute',
    description: 'A dispute you filed or that was filed against you: status, evidence, response, resolution, refund and any debt. Free.',
    toolset: 'disputes',
    roles: ['agent'],
    input: z.object({ dispute_id: disputeId }),
    output: view,
    annotations: readOnly,
    handler: (args, { ctx, caller }) => ({ ...visibleDispute(ctx.db, caller.id, args.dispute_id) }),
  }),
  defineTool({
    name: 'marketplace_list_disputes',
    title: 'List disputes',
    description: 'Disputes you filed or face, newest first (up to 100); filter by status (Open, UnderReview, Resolved, Withdrawn). Free.',
    toolset: 'disputes',
    roles: ['agent'],
    input: z.object({ status: z.enum(['Open', 'UnderReview', 'Resolved', 'Withdrawn']).optional() }),
    output: z.object({ items: z.array(view) }),
    annotations: readOnly,
    handler: (args, { ctx, caller }) => ({ items: listDisputeViews(ctx.db, caller.id, args.status) }),
  }),
];
