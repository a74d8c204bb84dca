// The operator's disputes: the list, one dispute in full, and the decision.
import { disputeDetail } from '../../domain/disputes/dispute-detail.js';
import { DISPUTE_STATUSES, listDisputeViews, resolveDispute, RESOLUTIONS } from '../../domain/disputes/disputes.js';
import { visible } from '../../domain/skills/shown-text.js';
import { defineCommand } from '../command-spec.js';
import { dbOption, out } from '../output.js';

const disputeId = { name: 'ID', summary: 'the dispute (disputes list shows them)' } as const;

type Detail = Awaited<ReturnType<typeof disputeDetail>>;

function partyText(p: Detail['parties']['claimant']): string {
  return `${p.agent_id}${p.name === null ? '' : ` (${visible(p.name)}, sponsor ${p.sponsor_id})`}`;
}

/** The parties' words go to the operator's terminal: hidden characters are spelled out, as `skills show` does. */
function detailText(d: Detail, db: string): string {
  const lines = [
    `Dispute ${d.dispute_id}: ${d.status}, ${d.dispute_type} over ${d.subject.kind} ${d.subject.id}`,
    `  claimant:   ${partyText(d.parties.claimant)}`,
    `  respondent: ${partyText(d.parties.respondent)}`,
    `  claimed ${d.amount_sats.toLocaleString('en-US')} sats of ${d.at_stake_sats.toLocaleString('en-US')} at stake`,
    `  filed ${d.created_at}, last changed ${d.updated_at}`,
    '',
    `Evidence (the claimant's words):${d.evidence.length === 0 ? ' none' : ''}`,
    ...d.evidence.map((e, i) => `  ${i + 1}. ${visible(e.untrusted_description)}${e.sha256 ? `\n     sha256 ${e.sha256}` : ''}`),
    '',
    `Response (the respondent's words): ${d.untrusted_response === null ? 'none yet' : `\n  ${visible(d.untrusted_response)}`}`,
    '',
  ];
  if (d.resolution === null) {
    lines.push(`Not resolved. Decide with: agent-marketplace disputes resolve ${d.dispute_id} --resolution ${RESOLUTIONS.join('|')} [--sats N] [--reason R]${db}`);
  } else {
    lines.push(
      `Resolved ${d.resolution}: ${d.refund_sats.toLocaleString('en-US')} sats refunded${d.debt_sats ? `, ${d.debt_sats.toLocaleString('en-US')} sats still owed by the respondent` : ''}` +
        `${d.resolution_reason ? `\n  reason: ${visible(d.resolution_reason)}` : ''}`,
    );
  }
  return lines.join('\n');
}

export const disputeCommands = [
  defineCommand({
    name: 'disputes list',
    section: 'Disputes',
    summary: 'disputes, newest first',
    flags: {
      status: { type: 'string', value: 'S', summary: 'only disputes in this status', choices: DISPUTE_STATUSES },
      agent: { type: 'string', value: 'ID', summary: 'only those this agent filed or faces' },
    },
    async run({ ctx, flags }) {
      const items = await listDisputeViews(ctx.db, flags.agent ?? null, flags.status);
      out(
        flags,
        { items },
        items.length === 0
          ? 'No disputes.'
          : items.map((d) => `${d.dispute_id}  ${d.status.padEnd(11)}  ${d.subject.kind} ${d.subject.id}  ${d.amount_sats} sats  ${d.dispute_type}`).join('\n'),
      );
      return 0;
    },
  }),
  defineCommand({
    name: 'disputes show',
    section: 'Disputes',
    summary: 'one dispute in full: parties, amounts, evidence, the response, status,\nresolution',
    args: [disputeId],
    async run({ ctx, flags, args }) {
      const d = await disputeDetail(ctx.db, args[0]!);
      out(flags, d, detailText(d, dbOption(flags)));
      return 0;
    },
  }),
  defineCommand({
    name: 'disputes resolve',
    section: 'Disputes',
    summary: "the operator's decision; the money moves at once",
    args: [disputeId],
    flags: {
      resolution: { type: 'string', value: 'RefundFull|RefundPartial|NoRefund', summary: 'who keeps what is at stake', choices: RESOLUTIONS, required: true },
      sats: { type: 'string', value: 'N', summary: 'the refund, with RefundPartial' },
      reason: { type: 'string', value: 'R', summary: 'why; kept with the resolution, which both parties see' },
    },
    async run({ ctx, flags, args }) {
      const view = await resolveDispute(ctx.db, ctx.clock, {
        disputeId: args[0]!,
        resolution: flags.resolution,
        refundSats: flags.sats === undefined ? undefined : Number(flags.sats),
        reason: flags.reason,
      });
      out(
        flags,
        { ...view },
        `Dispute ${view.dispute_id} resolved: ${view.resolution}, ${view.refund_sats} sats refunded${view.debt_sats ? `, ${view.debt_sats} sats owed` : ''}.`,
      );
      return 0;
    },
  }),
];
