// Approvals: the ones waiting and the ones decided, each with the exact arguments, the
// amount (fee reserve shown apart), who decided and when, and what came of it. Deciding
// goes through decideApproval, as marketplace_decide_approval and `approvals approve` do:
// the call runs once, as the agent, in the decision's transaction.
import type express from 'express';
import type { Request } from 'express';
import type { AppContext } from '../../context.js';
import { listSponsorAgents } from '../../db/identity-store.js';
import { requireAgent } from '../../domain/agents/registry.js';
import { MarketError } from '../../core/errors.js';
import { approvalRecord, decideApproval, listApprovalRecords, loadApproval, type ApprovalRecord, type ApprovalStatus } from '../../domain/governance/approvals.js';
import { formatSats } from '../../domain/money.js';
import { MAX_PAGE_SIZE } from '../../domain/pagination.js';
import { approvedCallRunner } from '../../approved-calls.js';
import { href, html, layout, when, type Html } from './markup.js';
import { field, formBody, navOf, queryParam, send, sponsorAction, sponsorPage } from './requests.js';
import type { SponsorViewer } from './session.js';

const APPROVAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const MAX_REASON_LENGTH = 500;
const HISTORY_PAGE_SIZE = 20;
const STATUSES: readonly ApprovalStatus[] = ['pending', 'executed', 'denied', 'expired', 'failed'];

export function approvalRoutes(router: express.Router, ctx: AppContext, pageHeaders: express.RequestHandler): void {
  router.get(
    '/console/approvals',
    pageHeaders,
    sponsorPage(ctx, async (req, res, viewer) => send(res, 200, await approvalsPage(ctx, req, viewer))),
  );
  router.get(
    '/approvals/:id',
    pageHeaders,
    sponsorPage(ctx, async (req, res, viewer) => {
      const id = approvalIdParam(req);
      const approval = await loadApproval(ctx.db, ctx.clock, id);
      // Another sponsor's approval is reported as missing: its existence is not theirs to know.
      if (approval.sponsorId !== viewer.sponsorId) throw notFound(id);
      send(res, 200, approvalPage(approvalRecord(approval), (await requireAgent(ctx.db, approval.agentId)).name, viewer));
    }),
  );
  router.post(
    '/approvals/:id/decision',
    pageHeaders,
    formBody(),
    sponsorAction(ctx, async (req, res, viewer) => {
      const id = approvalIdParam(req);
      const decision = field(req, 'decision');
      if (decision !== 'approve' && decision !== 'deny') throw new MarketError('INVALID_INPUT', 'Choose Approve or Deny.');
      const reason = field(req, 'reason')?.trim() || null;
      if (reason && reason.length > MAX_REASON_LENGTH) throw new MarketError('INVALID_INPUT', `A reason is at most ${MAX_REASON_LENGTH} characters.`);
      await decideApproval(ctx.db, ctx.clock, { approvalId: id, decision, reason, decider: { role: 'sponsor', id: viewer.sponsorId }, run: approvedCallRunner(ctx) });
      res.redirect(303, `/approvals/${id}`);
    }),
  );
}

function approvalIdParam(req: Request): string {
  const id = req.params.id;
  if (typeof id !== 'string' || !APPROVAL_ID.test(id)) throw notFound(typeof id === 'string' ? id : '');
  return id;
}

function notFound(id: string): MarketError {
  return new MarketError('NOT_FOUND', `No approval ${id} among your agents' requests.`);
}

async function approvalsPage(ctx: AppContext, req: Request, viewer: SponsorViewer): Promise<Html> {
  const agents = new Map((await listSponsorAgents(ctx.db, viewer.sponsorId)).map((a) => [a.id, a.name]));
  const agentId = queryParam(req, 'agent');
  if (agentId !== undefined && !agents.has(agentId)) throw new MarketError('NOT_FOUND', `No agent ${agentId} among your agents.`);
  const status = queryParam(req, 'status');
  if (status !== undefined && !(STATUSES as readonly string[]).includes(status)) throw new MarketError('INVALID_INPUT', `status is one of ${STATUSES.join(', ')}.`);
  const cursor = queryParam(req, 'cursor');
  const waiting = (await listApprovalRecords(ctx.db, ctx.clock, { sponsorId: viewer.sponsorId, agentId, status: 'pending', limit: MAX_PAGE_SIZE })).items;
  const history = await listApprovalRecords(ctx.db, ctx.clock, {
    sponsorId: viewer.sponsorId,
    agentId,
    status: status as ApprovalStatus | undefined,
    cursor,
    limit: HISTORY_PAGE_SIZE,
  });
  const nameOf = (id: string) => agents.get(id) ?? id;
  const query = { agent: agentId, status };
  return layout(
    'Approvals',
    html`<h1>Approvals</h1>
<h2>Waiting for you</h2>
${waiting.length ? approvalTable(waiting, nameOf, 'waiting') : html`<p>No request is waiting for you.</p>`}
<h2 id="history">All requests</h2>
<form class="filters" method="get" action="/console/approvals#history">
<label>Agent <select name="agent"><option value="">all</option>${[...agents].map(([id, name]) => html`<option value="${id}"${id === agentId ? html` selected` : null}>${name}</option>`)}</select></label>
<label>Status <select name="status"><option value="">all</option>${STATUSES.map((s) => html`<option value="${s}"${s === status ? html` selected` : null}>${s}</option>`)}</select></label>
<button type="submit">Filter</button>
</form>
${history.items.length ? approvalTable(history.items, nameOf, 'history') : html`<p class="note">No requests.</p>`}
<p class="pager">${cursor ? html`<a href="${href('/console/approvals', query)}#history">First page</a> ` : null}${history.next_cursor ? html`<a rel="next" href="${href('/console/approvals', { ...query, cursor: history.next_cursor })}#history">Next page</a>` : null}</p>`,
    navOf(viewer),
  );
}

function amountOf(a: ApprovalRecord['view']): string {
  return a.fee_reserve_sats === undefined ? formatSats(a.amount_sats) : `${formatSats(a.amount_sats)} (incl. ${formatSats(a.fee_reserve_sats)} fee reserve)`;
}

function approvalTable(records: ApprovalRecord[], nameOf: (agentId: string) => string, name: string): Html {
  return html`<table data-table="${name}">
<thead><tr><th>Request</th><th>Agent</th><th>Tool</th><th class="num">Amount</th><th>Status</th><th>Requested</th><th>Decided</th><th>Arguments and result</th></tr></thead>
<tbody>${records.map(
    ({ view: a, decidedBy }) => html`<tr data-approval="${a.approval_id}">
<td><a href="/approvals/${a.approval_id}">${a.approval_id}</a><div class="note">${a.reason}</div></td>
<td>${nameOf(a.agent_id)}</td><td><code>${a.tool}</code></td><td class="num">${amountOf(a)}</td>
<td class="status">${a.status}</td><td>${when(a.created_at)}</td>
<td>${a.decided_at ? html`${when(a.decided_at)}<div class="note">${decidedBy ?? (a.status === 'expired' ? 'expired unanswered' : '')}</div>${a.decision_reason ? html`<div>${a.decision_reason}</div>` : null}` : html`expires ${when(a.expires_at)}`}</td>
<td><details><summary>arguments</summary><pre>${JSON.stringify(a.arguments, null, 2)}</pre></details>${a.result ? html`<details><summary>result</summary><pre>${JSON.stringify(a.result, null, 2)}</pre></details>` : null}</td>
</tr>`,
  )}</tbody>
</table>`;
}

function approvalPage({ view: a, decidedBy }: ApprovalRecord, agentName: string, viewer: SponsorViewer): Html {
  return layout(
    `Approval ${a.approval_id}`,
    html`<h1>Approval request</h1>
<p>Status: <strong class="status">${a.status}</strong></p>
<dl>
<dt>Agent</dt><dd><a href="/console/agents/${a.agent_id}">${agentName}</a> <code>${a.agent_id}</code></dd>
<dt>Tool</dt><dd><code>${a.tool}</code></dd>
<dt>Amount</dt><dd>${formatSats(a.amount_sats)}</dd>
${a.fee_reserve_sats === undefined ? null : html`<dt>Of which fee reserve</dt><dd>${formatSats(a.fee_reserve_sats)} (the most the Lightning fee may take)</dd>`}
${a.counterparty ? html`<dt>Counterparty</dt><dd><code>${a.counterparty}</code></dd>` : null}
<dt>Why it waits</dt><dd>${a.reason}</dd>
<dt>Rule</dt><dd><code>${a.rule}</code></dd>
<dt>Requested</dt><dd>${a.created_at}</dd>
<dt>Expires</dt><dd>${a.expires_at}</dd>
${a.decided_at ? html`<dt>Decided</dt><dd>${a.decided_at}</dd>` : null}
${decidedBy ? html`<dt>Decided by</dt><dd>${decidedBy}</dd>` : null}
${a.decision_reason ? html`<dt>Decision reason</dt><dd>${a.decision_reason}</dd>` : null}
</dl>
<h2>Exact arguments</h2>
<p class="note">Written by the agent: untrusted text, shown as data. Approving runs the tool with exactly these.</p>
<pre>${JSON.stringify(a.arguments, null, 2)}</pre>
${a.result ? html`<h2>Result</h2><pre>${JSON.stringify(a.result, null, 2)}</pre>` : null}
${a.status === 'pending' ? decisionForm(a.approval_id, viewer) : null}
<p><a href="/console/approvals">All approvals</a></p>`,
    navOf(viewer),
  );
}

function decisionForm(approvalId: string, viewer: SponsorViewer): Html {
  return html`<form method="post" action="/approvals/${approvalId}/decision">
<input type="hidden" name="csrf" value="${viewer.session.csrfToken}">
<label for="reason">Reason (optional; the agent sees it)</label>
<input id="reason" class="wide" name="reason" maxlength="${MAX_REASON_LENGTH}" autocomplete="off">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`;
}
