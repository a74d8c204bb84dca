// One agent: its money and spending, 30 days of spend as a chart, its policy (read, and
// edited as YAML or JSON through the same setAgentPolicy as `policy set` and
// marketplace_set_policy), suspend / reactivate / terminate (changeAgentStatus, as
// marketplace_set_agent_status), its ledger history and its audit log with filters and
// paging.
import type express from 'express';
import type { Request } from 'express';
import type { AppContext } from '../../context.js';
import { listApprovalsPage } from '../../domain/governance/approvals.js';
import { auditPage, type AuditItem, type AuditOutcome } from '../../domain/governance/audit.js';
import { MarketError, isMarketError } from '../../core/errors.js';
import { parsePolicyText, policyAsYaml } from '../../domain/governance/policy-text.js';
import type { Policy } from '../../domain/governance/policy.js';
import { changeAgentStatus, getAgentPolicy, requireOwnAgent, setAgentPolicy } from '../../domain/governance/sponsor-actions.js';
import { agentAccountId } from '../../domain/ledger/accounts.js';
import { ENTRY_TYPES, type EntryType } from '../../domain/ledger/entry-types.js';
import { accountHistory, type HistoryItem } from '../../domain/ledger/history.js';
import { formatSats } from '../../domain/money.js';
import { MAX_PAGE_SIZE } from '../../domain/pagination.js';
import { agentOverview, CHART_DAYS } from './agent-overview.js';
import { spendChart } from './charts.js';
import { href, html, layout, when, type Html } from './markup.js';
import { field, formBody, navOf, newFormId, once, pathParam, queryParam, send, sponsorAction, sponsorPage } from './requests.js';
import type { SponsorViewer } from './session.js';
import { moneyTiles, spendingGauges, statusLine, waitingLine } from './spending-view.js';

const AGENT_ID = /^[A-Za-z0-9_-]{1,64}$/;
const PAGE_SIZE = 20;
const MAX_REASON_LENGTH = 500;
const MAX_POLICY_TEXT = 32_000;
const OUTCOMES: readonly AuditOutcome[] = ['allowed', 'escalated', 'denied'];

/** What the page shows in the policy editor after a refused edit: the text as submitted, and why. */
interface PolicyDraft {
  text: string;
  error: string;
}

export function agentRoutes(router: express.Router, ctx: AppContext, pageHeaders: express.RequestHandler): void {
  const form = formBody();
  router.get(
    '/console/agents/:id',
    pageHeaders,
    sponsorPage(ctx, async (req, res, viewer) => send(res, 200, await agentPage(ctx, req, viewer, agentIdParam(req)))),
  );
  router.post(
    '/console/agents/:id/policy',
    pageHeaders,
    form,
    sponsorAction(ctx, async (req, res, viewer) => {
      const agentId = agentIdParam(req);
      const text = field(req, 'policy') ?? '';
      const baseVersion = Number(field(req, 'base_version'));
      try {
        const set = await once(ctx, viewer, req, 'set_policy', { agent_id: agentId, policy: text, base_version: baseVersion }, (tx) =>
          tx.write(async (tx) => {
            if (text.length > MAX_POLICY_TEXT) throw new MarketError('INVALID_INPUT', `A policy is at most ${MAX_POLICY_TEXT.toLocaleString('en-US')} characters.`);
            // Versioned edits: an edit made on an older version would silently undo what changed since.
            const current = await getAgentPolicy(tx, viewer.sponsorId, agentId);
            if (current.version !== baseVersion) {
              throw new MarketError(
                'CONFLICT',
                `The policy changed since this page was opened (now v${current.version}, the page had v${baseVersion}). Your text is below; reload to see the new version, then edit again.`,
              );
            }
            const p = await setAgentPolicy(tx, ctx.clock, viewer.sponsorId, agentId, parsePolicyText(text, 'yaml', 'the policy'));
            return { version: p.version };
          }),
        );
        res.redirect(303, `/console/agents/${agentId}?policy_saved=${set.version}#policy`);
      } catch (error) {
        if (!isMarketError(error) || (error.code !== 'INVALID_INPUT' && error.code !== 'CONFLICT')) throw error;
        await requireOwnAgent(ctx.db, viewer.sponsorId, agentId);
        send(res, error.code === 'CONFLICT' ? 409 : 400, await agentPage(ctx, req, viewer, agentId, { text, error: error.message }));
      }
    }),
  );
  router.post(
    '/console/agents/:id/status',
    pageHeaders,
    form,
    sponsorAction(ctx, async (req, res, viewer) => {
      const agentId = agentIdParam(req);
      const action = field(req, 'action');
      if (action !== 'suspend' && action !== 'reactivate' && action !== 'terminate') throw new MarketError('INVALID_INPUT', 'Choose Suspend, Reactivate or Terminate.');
      const reason = field(req, 'reason')?.trim() || null;
      if (reason && reason.length > MAX_REASON_LENGTH) throw new MarketError('INVALID_INPUT', `A reason is at most ${MAX_REASON_LENGTH} characters.`);
      if (!reason && action !== 'reactivate') throw new MarketError('INVALID_INPUT', `Give a reason to ${action} the agent: it is kept with its status and in the audit log.`);
      await once(ctx, viewer, req, 'set_agent_status', { agent_id: agentId, action, reason }, (tx) => changeAgentStatus(tx, ctx.clock, viewer.sponsorId, agentId, action, reason));
      res.redirect(303, `/console/agents/${agentId}`);
    }),
  );
}

function agentIdParam(req: Request): string {
  return pathParam(req, 'id', AGENT_ID, 'agent');
}

async function agentPage(ctx: AppContext, req: Request, viewer: SponsorViewer, agentId: string, draft?: PolicyDraft): Promise<Html> {
  const agent = await requireOwnAgent(ctx.db, viewer.sponsorId, agentId);
  const o = await agentOverview(ctx, viewer.sponsorId, agentId);
  const pending = (await listApprovalsPage(ctx.db, ctx.clock, { sponsorId: viewer.sponsorId, agentId, status: 'pending', limit: MAX_PAGE_SIZE })).items.length;

  const entryType = queryParam(req, 'entry_type');
  if (entryType !== undefined && !(ENTRY_TYPES as readonly string[]).includes(entryType)) {
    throw new MarketError('INVALID_INPUT', `entry_type is one of ${ENTRY_TYPES.join(', ')}.`);
  }
  const ledger = await accountHistory(ctx.db, agentAccountId(agentId), {
    entryType: entryType as EntryType | undefined,
    cursor: queryParam(req, 'ledger_cursor'),
    limit: PAGE_SIZE,
  });
  const outcome = queryParam(req, 'outcome');
  if (outcome !== undefined && !(OUTCOMES as readonly string[]).includes(outcome)) throw new MarketError('INVALID_INPUT', `outcome is one of ${OUTCOMES.join(', ')}.`);
  const tool = queryParam(req, 'tool');
  const audit = await auditPage(ctx.db, {
    sponsorId: viewer.sponsorId,
    agentId,
    tool,
    outcome: outcome as AuditOutcome | undefined,
    cursor: queryParam(req, 'audit_cursor'),
    limit: PAGE_SIZE,
  });
  const saved = /^\d{1,9}$/.test(queryParam(req, 'policy_saved') ?? '') ? queryParam(req, 'policy_saved') : null;
  const query = { entry_type: entryType, ledger_cursor: queryParam(req, 'ledger_cursor'), tool, outcome, audit_cursor: queryParam(req, 'audit_cursor') };
  const self = `/console/agents/${agentId}`;

  return layout(
    agent.name,
    html`<h1>${agent.name} <code class="note">${agentId}</code></h1>
${statusLine(o)}
${moneyTiles(o)}
${spendingGauges(o)}
${waitingLine(pending, o.disputes.length, agentId)}

<h2>Spend per day, last ${CHART_DAYS} days</h2>
${spendChart(o.days, o.spending.dailyLimitMsats)}
<p class="note">Holds count as spend from the day they were placed, as the policy's limits count them. The dashed line is the daily limit, drawn when it is near the bars.</p>

<h2 id="status">Status</h2>
<form method="post" action="${self}/status">
<input type="hidden" name="csrf" value="${viewer.session.csrfToken}">
<input type="hidden" name="form_id" value="${newFormId()}">
<label for="status-reason">Reason (kept with the status and in the audit log; needed to suspend or terminate)</label>
<input id="status-reason" class="wide" name="reason" maxlength="${MAX_REASON_LENGTH}" autocomplete="off">
${o.wallet.status === 'Suspended' || o.wallet.status === 'Terminated' ? null : html`<button type="submit" name="action" value="suspend">Suspend</button>`}
${o.wallet.status === 'Suspended' || o.wallet.status === 'Terminated' ? html`<button type="submit" name="action" value="reactivate">Reactivate</button>` : null}
${o.wallet.status === 'Terminated' ? null : html`<button class="danger" type="submit" name="action" value="terminate">Terminate</button>`}
<p class="note">A suspended or terminated agent can read but not act; reactivating undoes either.</p>
</form>

<h2 id="policy">Policy v${o.policy.version}</h2>
${saved ? html`<p class="notice" role="status">Policy v${saved} now governs this agent.</p>` : null}
${policySummary(o.policy.policy)}
<form method="post" action="${self}/policy">
<input type="hidden" name="csrf" value="${viewer.session.csrfToken}">
<input type="hidden" name="form_id" value="${newFormId()}">
<input type="hidden" name="base_version" value="${o.policy.version}">
${draft ? html`<p class="error" role="alert">${draft.error}</p>` : null}
<label for="policy-text">Edit as YAML or JSON (saved as a new version; checked exactly as <code>policy set</code> checks a file)</label>
<textarea id="policy-text" name="policy" spellcheck="false" maxlength="${MAX_POLICY_TEXT}">${draft ? draft.text : policyAsYaml(o.policy.policy)}</textarea>
<button type="submit">Save policy</button>
</form>

<h2 id="ledger">Ledger history</h2>
<form class="filters" method="get" action="${self}#ledger">
${hidden({ tool, outcome, audit_cursor: query.audit_cursor })}
<label>Entry type <select name="entry_type"><option value="">all</option>${ENTRY_TYPES.map((t) => html`<option value="${t}"${t === entryType ? html` selected` : null}>${t}</option>`)}</select></label>
<button type="submit">Filter</button>
</form>
${ledgerTable(ledger.items)}
${pager(self, query, 'ledger_cursor', ledger.next_cursor, 'ledger')}

<h2 id="audit">Audit log</h2>
<form class="filters" method="get" action="${self}#audit">
${hidden({ entry_type: entryType, ledger_cursor: query.ledger_cursor })}
<label>Tool <input name="tool" value="${tool ?? ''}" maxlength="100" placeholder="marketplace_send_payment"></label>
<label>Outcome <select name="outcome"><option value="">all</option>${OUTCOMES.map((x) => html`<option value="${x}"${x === outcome ? html` selected` : null}>${x}</option>`)}</select></label>
<button type="submit">Filter</button>
</form>
${auditTable(audit.items)}
${pager(self, query, 'audit_cursor', audit.next_cursor, 'audit')}`,
    navOf(viewer),
  );
}

function hidden(values: Record<string, string | undefined>): Html[] {
  return Object.entries(values).flatMap(([k, v]) => (v ? [html`<input type="hidden" name="${k}" value="${v}">`] : []));
}

function pager(self: string, query: Record<string, string | undefined>, cursorName: string, next: string | null, anchor: string): Html {
  const first = query[cursorName] ? html`<a href="${href(self, { ...query, [cursorName]: undefined })}#${anchor}">First page</a> ` : null;
  const more = next ? html`<a rel="next" href="${href(self, { ...query, [cursorName]: next })}#${anchor}">Next page</a>` : null;
  return first || more ? html`<p class="pager" data-pager="${anchor}">${first}${more}</p>` : html``;
}

function ledgerTable(items: HistoryItem[]): Html {
  if (items.length === 0) return html`<p class="note">No transfers.</p>`;
  return html`<table data-table="ledger">
<thead><tr><th>When</th><th>Type</th><th class="num">Amount</th><th>Direction</th><th>Phase</th><th>Other account</th><th>Description</th><th>Memo (written by the payer)</th></tr></thead>
<tbody>${items.map(
    (t) => html`<tr>
<td>${when(t.created_at)}</td><td>${t.entry_type}</td><td class="num">${t.direction === 'debit' ? '−' : '+'}${formatSats(t.amount_sats)}</td><td>${t.direction}</td><td>${t.phase}</td>
<td><code>${t.counterparty}</code></td><td>${t.description}</td><td class="memo">${t.untrusted_memo ?? ''}</td>
</tr>`,
  )}</tbody>
</table>`;
}

function auditTable(items: AuditItem[]): Html {
  if (items.length === 0) return html`<p class="note">No decisions recorded.</p>`;
  return html`<table data-table="audit">
<thead><tr><th>When</th><th>Tool</th><th>Action</th><th class="num">Amount</th><th>Outcome</th><th>Rule</th><th>Policy</th><th>By</th><th>Message</th></tr></thead>
<tbody>${items.map(
    (a) => html`<tr>
<td>${when(a.created_at)}</td><td><code>${a.tool}</code></td><td>${a.action_type}</td><td class="num">${formatSats(a.amount_sats)}</td><td>${a.outcome}</td>
<td><code>${a.rule}</code></td><td>${a.policy_version === null ? '' : `v${a.policy_version}`}</td><td>${a.caller}</td>
<td>${a.message ?? ''}${a.approval_id ? html` <a href="/approvals/${a.approval_id}">approval</a>` : null}</td>
</tr>`,
  )}</tbody>
</table>`;
}

function policySummary(p: Policy): Html {
  const limit = (value: number | undefined) => (value === undefined ? 'none' : formatSats(value));
  const list = (values: readonly string[] | undefined, none: string) => (values && values.length ? values.join(', ') : none);
  return html`<dl class="policy">
<dt>Autonomy</dt><dd>${p.level}</dd>
<dt>Per transaction</dt><dd>${limit(p.action_limits.max_transaction_sats)}</dd>
<dt>Per day</dt><dd>${limit(p.action_limits.max_daily_spend_sats)}</dd>
<dt>Always needs approval</dt><dd>${list(p.action_limits.requires_approval, 'nothing')}</dd>
<dt>Counterparties allowed</dt><dd>${p.counterparties.allow ? list(p.counterparties.allow, 'none') : 'anyone not blocked'}</dd>
<dt>Counterparties blocked</dt><dd>${list(p.counterparties.block, 'none')}</dd>
<dt>Escalation triggers</dt><dd>${list(
    p.escalation_triggers.map((t) => `${t.condition} → ${t.action}`),
    'none',
  )}</dd>
<dt>Budgets</dt><dd>${list(
    p.budgets.map((b) => `${b.period} ${formatSats(b.limit_sats)}, alert at ${b.alert_threshold_pct}%, past it: ${b.overage_policy}`),
    'none',
  )}</dd>
${p.compute_geo ? html`<dt>Compute regions</dt><dd>${list(p.compute_geo.allowed_regions, 'any')}; data kept in ${list(p.compute_geo.data_residency, 'any region')}</dd>` : null}
<dt>Approvals wait</dt><dd>${p.approval_ttl_hours} hours, then count as denied</dd>
</dl>`;
}
