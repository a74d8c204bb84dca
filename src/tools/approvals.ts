import { z } from 'zod';
import { APPROVAL_STATUSES, approvalView, decideApproval, listApprovalsPage, readOwnApproval } from '../domain/governance/approvals.js';
import { requireOwnAgent } from '../domain/governance/sponsor-actions.js';
import { approvalPointers } from '../domain/governance/approval-link.js';
import { approvalWhere } from './runner.js';
import { cursorField, limitField, pageOf } from './fields.js';
import { ACTING, defineTool, READ_ONLY } from './inventory.js';

export const approvalSchema = z.object({
  approval_id: z.string(),
  status: z.enum(APPROVAL_STATUSES),
  tool: z.string(),
  amount_sats: z.number().int(),
  fee_reserve_sats: z.number().int().optional(),
  reason: z.string(),
  rule: z.string(),
  agent_id: z.string(),
  action_type: z.string(),
  counterparty: z.string().nullable(),
  arguments: z.record(z.string(), z.unknown()),
  created_at: z.string(),
  expires_at: z.string(),
  decided_at: z.string().nullable(),
  decision_reason: z.string().nullable(),
  result: z.record(z.string(), z.unknown()).optional(),
});
/** While a request waits, marketplace_get_approval also says where the sponsor decides it. */
const waitingSchema = approvalSchema.extend({
  approval_url: z.string().optional().describe('While pending: the console page where the sponsor decides.'),
  how_to_approve: z.string().optional().describe('While pending, when no page can be named: how the sponsor decides.'),
});

const approvalId = z.string().min(1).max(64).describe('The approval_id a pending_approval answer gave.');

export const approvalTools = [
  defineTool({
    name: 'marketplace_get_approval',
    title: 'Get approval',
    description:
      'Shows an approval request: pending (the sponsor has not decided), executed (approved and run: result holds what the ' +
      'tool returned), failed (approved but the call failed: result.error says why), denied, or expired (never ran). ' +
      "Agents see their own requests, sponsors their agents'. While pending it says where the sponsor decides (approval_url, or " +
      'how_to_approve). Free, changes nothing. Poll it after a pending_approval answer, ' +
      'or subscribe to the resource marketplace://approvals/{approval_id}.',
    toolset: 'approvals',
    roles: ['agent', 'sponsor'],
    input: z.object({ approval_id: approvalId }),
    output: waitingSchema,
    annotations: READ_ONLY,
    handler: async ({ approval_id }, { ctx, caller }) => {
      const view = approvalView(await readOwnApproval(ctx.db, ctx.clock, approval_id, caller));
      return view.status === 'pending' ? { ...view, ...approvalPointers(view.approval_id, approvalWhere(ctx)) } : view;
    },
  }),
  defineTool({
    name: 'marketplace_list_approvals',
    title: 'List approvals',
    description:
      "Sponsors: your agents' approval requests, newest first; filter by status (pending = waiting for you) and agent_id. " +
      'Each shows the tool, the exact arguments that would run, the amount in sats and the rule that escalated it. ' +
      'Decide with marketplace_decide_approval. Free, changes nothing.',
    toolset: 'approvals',
    roles: ['sponsor'],
    input: z.object({ status: z.enum(APPROVAL_STATUSES).optional(), agent_id: z.string().optional(), cursor: cursorField, limit: limitField }),
    output: pageOf(approvalSchema),
    annotations: READ_ONLY,
    handler: async (args, { ctx, caller }) => {
      if (args.agent_id) await requireOwnAgent(ctx.db, caller.id, args.agent_id);
      return {
        ...(await listApprovalsPage(ctx.db, ctx.clock, { sponsorId: caller.id, agentId: args.agent_id, status: args.status, cursor: args.cursor, limit: args.limit })),
      };
    },
  }),
  defineTool({
    name: 'marketplace_decide_approval',
    title: 'Decide approval',
    description:
      "Sponsors: approve or deny one of your agents' pending requests. Approving runs the agent's call at once, exactly once, " +
      'with the arguments shown in the request (it can still fail, e.g. for lack of funds: the status is then failed). ' +
      'Denying means it never runs. Returns the approval after the decision.',
    toolset: 'approvals',
    roles: ['sponsor'],
    input: z.object({ approval_id: approvalId, decision: z.enum(['approve', 'deny']), reason: z.string().max(500).optional() }),
    output: approvalSchema,
    annotations: ACTING,
    handler: (args, { ctx, caller, approvedCalls }) =>
      decideApproval(ctx.db, ctx.clock, {
        approvalId: args.approval_id,
        decision: args.decision,
        reason: args.reason,
        decider: { role: 'sponsor', id: caller.id },
        run: approvedCalls,
      }),
  }),
];
