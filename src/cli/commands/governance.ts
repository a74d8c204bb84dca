// Governance from the operator's seat: agents' policies, the approval queue and its
// decisions, and where a sponsor's notifications go.
import { requireAgent } from '../../domain/agents/registry.js';
import { APPROVAL_STATUSES, decideApproval, listApprovalsPage } from '../../domain/governance/approvals.js';
import { setSponsorDefaultPolicy } from '../../domain/governance/policies.js';
import { getAgentPolicy, setAgentPolicy } from '../../domain/governance/sponsor-actions.js';
import { setSponsorWebhook } from '../../domain/governance/webhook-settings.js';
import { MAX_PAGE_SIZE } from '../../domain/pagination.js';
import { approvedCallRunner } from '../../approved-calls.js';
import type { AppContext } from '../../context.js';
import { defineCommand } from '../command-spec.js';
import { out } from '../output.js';
import { readPolicyFile } from '../policy-file.js';

const agent = { type: 'string', value: 'ID', summary: 'the agent', required: true } as const;
const policyFile = { type: 'string', value: 'F', summary: 'the policy document, JSON or YAML', required: true } as const;
const approvalId = { name: 'ID', summary: 'the approval (approvals list shows them)' } as const;

async function decide(ctx: AppContext, flags: { json?: boolean; reason?: string }, approvalId: string, decision: 'approve' | 'deny'): Promise<number> {
  const runner = approvedCallRunner(ctx);
  let view: Awaited<ReturnType<typeof decideApproval>>;
  try {
    view = await decideApproval(ctx.db, ctx.clock, { approvalId, decision, reason: flags.reason, decider: { role: 'operator', id: 'cli' }, run: runner });
    // The approved call's outside work (paying a withdrawal) runs after the decision
    // commits: wait for it, then close the wallet's relay sockets, so the command ends.
    await runner.settled();
  } finally {
    ctx.rail.close();
  }
  out(flags, { ...view }, `Approval ${view.approval_id} is ${view.status}.${view.result ? `\n${JSON.stringify(view.result)}` : ''}`);
  return view.status === 'failed' ? 1 : 0;
}

export const governanceCommands = [
  defineCommand({
    name: 'policy show',
    section: 'Governance',
    summary: "the agent's autonomy policy and its version",
    flags: { agent },
    async run({ ctx, flags }) {
      const a = await requireAgent(ctx.db, flags.agent);
      const p = await getAgentPolicy(ctx.db, a.sponsorId, a.id);
      out(flags, { agent_id: a.id, version: p.version, policy: p.policy }, `Policy v${p.version} of ${a.id}:\n${JSON.stringify(p.policy, null, 2)}`);
      return 0;
    },
  }),
  defineCommand({
    name: 'policy set',
    section: 'Governance',
    summary: 'a new policy version from a JSON or YAML file',
    flags: { agent, file: policyFile },
    async run({ ctx, flags }) {
      const a = await requireAgent(ctx.db, flags.agent);
      const p = await setAgentPolicy(ctx.db, ctx.clock, a.sponsorId, a.id, readPolicyFile(flags.file));
      out(flags, { agent_id: a.id, version: p.version }, `Policy v${p.version} now governs ${a.id}.`);
      return 0;
    },
  }),
  defineCommand({
    name: 'policy default',
    section: 'Governance',
    summary: "the policy the sponsor's new agents start with",
    flags: { sponsor: { type: 'string', value: 'ID', summary: 'the sponsor', required: true }, file: policyFile },
    async run({ ctx, flags }) {
      const policy = await setSponsorDefaultPolicy(ctx.db, flags.sponsor, readPolicyFile(flags.file));
      out(flags, { sponsor_id: flags.sponsor, policy }, `New agents of ${flags.sponsor} start with this policy:\n${JSON.stringify(policy, null, 2)}`);
      return 0;
    },
  }),
  defineCommand({
    name: 'approvals list',
    section: 'Governance',
    summary: 'calls waiting for (or decided by) a sponsor, newest first',
    flags: {
      status: { type: 'string', value: 'S', summary: 'only approvals in this status', choices: APPROVAL_STATUSES },
      agent: { type: 'string', value: 'ID', summary: "only this agent's" },
    },
    async run({ ctx, flags }) {
      const page = await listApprovalsPage(ctx.db, ctx.clock, { status: flags.status, agentId: flags.agent, limit: MAX_PAGE_SIZE });
      out(
        flags,
        { ...page },
        page.items.length === 0
          ? 'No approvals.'
          : page.items.map((a) => `${a.approval_id}  ${a.status.padEnd(8)}  ${a.agent_id}  ${a.tool}  ${a.amount_sats} sats  ${a.reason}`).join('\n'),
      );
      return 0;
    },
  }),
  defineCommand({
    name: 'approvals approve',
    section: 'Governance',
    summary: "runs the agent's call once, now",
    args: [approvalId],
    flags: { reason: { type: 'string', value: 'R', summary: 'kept with the decision' } },
    shared: ['wallet'],
    run: ({ ctx, flags, args }) => decide(ctx, flags, args[0]!, 'approve'),
  }),
  defineCommand({
    name: 'approvals deny',
    section: 'Governance',
    summary: 'the call does not run; the agent is told why',
    args: [approvalId],
    flags: { reason: { type: 'string', value: 'R', summary: 'why', required: 'the agent is told why' } },
    shared: ['wallet'],
    run: ({ ctx, flags, args }) => decide(ctx, flags, args[0]!, 'deny'),
  }),
  defineCommand({
    name: 'sponsor webhook',
    section: 'Governance',
    summary: "where the sponsor's notifications go; prints the signing secret",
    flags: {
      sponsor: { type: 'string', value: 'ID', summary: 'the sponsor', required: true },
      url: { type: 'string', value: 'URL|none', summary: 'an http(s) URL, or none to stop notifications', required: true },
    },
    async run({ ctx, flags }) {
      const url = flags.url;
      const set = await setSponsorWebhook(ctx.db, flags.sponsor, url === 'none' ? null : url);
      out(
        flags,
        set,
        set.url
          ? `Notifications of ${set.sponsor_id} go to ${set.url}.\nSigning secret (shown here; verify the x-marketplace-signature header with it): ${set.secret}`
          : `Webhook of ${set.sponsor_id} removed.`,
      );
      return 0;
    },
  }),
];
