import { z } from 'zod';
import { AUDIT_OUTCOMES, auditPage } from '../domain/governance/audit.js';
import { policySchema } from '../domain/governance/policy.js';
import { STORED_AGENT_STATUSES } from '../domain/agents/runway.js';
import { changeAgentStatus, getAgentPolicy, requireOwnAgent, setAgentPolicy, STATUS_ACTIONS } from '../domain/governance/sponsor-actions.js';
import { cursorField, limitField, pageOf } from './fields.js';
import { ACTING_IDEMPOTENT, defineTool, DESTRUCTIVE_IDEMPOTENT, READ_ONLY } from './inventory.js';

// The policy's shape is published once, in set_policy's input; answers only say it is that document.
const versionedPolicy = z.object({ agent_id: z.string(), version: z.number().int(), policy: z.record(z.string(), z.unknown()) });
const agentId = z.string().min(1).describe('One of your agents.');

export const governanceTools = [
  defineTool({
    name: 'marketplace_get_policy',
    title: 'Get policy',
    description: "Sponsors: an agent's autonomy policy in force and its version (0 = the built-in default, never set). Free, changes nothing.",
    toolset: 'governance',
    roles: ['sponsor'],
    input: z.object({ agent_id: agentId }),
    output: versionedPolicy,
    annotations: READ_ONLY,
    handler: async ({ agent_id }, { ctx, caller }) => {
      const p = await getAgentPolicy(ctx.db, caller.id, agent_id);
      return { agent_id, version: p.version, policy: p.policy };
    },
  }),
  defineTool({
    name: 'marketplace_set_policy',
    title: 'Set policy',
    description:
      "Sponsors: replaces an agent's autonomy policy with a new version, which decides every later call of the agent. " +
      'Returns the stored policy (defaults filled in) and its version.',
    toolset: 'governance',
    roles: ['sponsor'],
    input: z.object({ agent_id: agentId, policy: policySchema }),
    output: versionedPolicy,
    annotations: ACTING_IDEMPOTENT,
    handler: async ({ agent_id, policy }, { ctx, caller }) => {
      const p = await setAgentPolicy(ctx.db, ctx.clock, caller.id, agent_id, policy);
      return { agent_id, version: p.version, policy: p.policy };
    },
  }),
  defineTool({
    name: 'marketplace_audit_log',
    title: 'Audit log',
    description:
      "Sponsors: every decision about your agents' actions, newest first: the tool, action type, amount, outcome " +
      '(allowed | escalated | denied), the rule and policy version that decided it, and the approval involved. ' +
      'Filter by agent_id, tool or outcome. Free, changes nothing.',
    toolset: 'governance',
    roles: ['sponsor'],
    input: z.object({
      agent_id: z.string().optional(),
      tool: z.string().optional(),
      outcome: z.enum(AUDIT_OUTCOMES).optional(),
      cursor: cursorField,
      limit: limitField,
    }),
    output: pageOf(
      z.object({
        id: z.string(),
        agent_id: z.string().nullable(),
        caller: z.string(),
        tool: z.string(),
        action_type: z.string(),
        amount_sats: z.number().int(),
        counterparty: z.string().nullable(),
        outcome: z.string(),
        rule: z.string(),
        policy_version: z.number().int().nullable(),
        approval_id: z.string().nullable(),
        message: z.string().nullable(),
        created_at: z.string(),
      }),
    ),
    annotations: READ_ONLY,
    handler: async (args, { ctx, caller }) => {
      if (args.agent_id) await requireOwnAgent(ctx.db, caller.id, args.agent_id);
      return { ...(await auditPage(ctx.db, { sponsorId: caller.id, agentId: args.agent_id, tool: args.tool, outcome: args.outcome, cursor: args.cursor, limit: args.limit })) };
    },
  }),
  defineTool({
    name: 'marketplace_set_agent_status',
    title: 'Set agent status',
    description:
      'Sponsors: suspend an agent (it can read but not act), reactivate it, or terminate it (the same, meant as final; ' +
      'reactivate still undoes it). Reactivating also restarts the 72-hour zero-balance grace period.',
    toolset: 'governance',
    roles: ['sponsor'],
    input: z.object({ agent_id: agentId, action: z.enum(Object.keys(STATUS_ACTIONS) as [keyof typeof STATUS_ACTIONS]), reason: z.string().max(500).optional() }),
    output: z.object({ agent_id: z.string(), status: z.enum(STORED_AGENT_STATUSES) }),
    annotations: DESTRUCTIVE_IDEMPOTENT,
    handler: (args, { ctx, caller }) => changeAgentStatus(ctx.db, ctx.clock, caller.id, args.agent_id, args.action, args.reason ?? null),
  }),
];
