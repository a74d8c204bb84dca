// The operator's page (operator token): skill versions waiting for review, with every
// file and the scanner's findings under their lines; compute providers waiting for
// approval; disputes to resolve. Each decision goes through the domain function the CLI
// and the operator's tools use (reviewSkillVersion, approveProvider, resolveDispute).
import type express from 'express';
import type { Request } from 'express';
import type { AppContext } from '../../context.js';
import { approveProvider, listProviderViews, type ProviderView } from '../../domain/compute/providers.js';
import { RESOLUTIONS, resolveDispute, unresolvedDisputeViews, type Resolution } from '../../domain/disputes/disputes.js';
import { MarketError } from '../../core/errors.js';
import { formatSats } from '../../domain/money.js';
import { MAX_PAGE_SIZE } from '../../domain/pagination.js';
import { reviewSkillVersion, type ReviewDecision } from '../../domain/skills/catalogue.js';
import { LINE_BREAK, visible } from '../../domain/skills/shown-text.js';
import { reviewQueue, versionForReview, type VersionForReview } from '../../domain/skills/version-review.js';
import { html, layout, when, type Html } from './markup.js';
import { field, formBody, navOf, newFormId, once, operatorAction, operatorPage, pathParam, send } from './requests.js';
import type { OperatorViewer } from './session.js';

const OPERATOR_HOME = '/console/operator';
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const SLUG = /^[a-z0-9][a-z0-9-]{0,63}$/;
const VERSION = /^[0-9A-Za-z.+-]{1,64}$/;
const MAX_REASON_LENGTH = 2000;
const REVIEW_DECISIONS: readonly ReviewDecision[] = ['approve', 'request-changes', 'reject'];

type Dispute = Awaited<ReturnType<typeof unresolvedDisputeViews>>[number];

export function operatorRoutes(router: express.Router, ctx: AppContext, pageHeaders: express.RequestHandler): void {
  const form = formBody();
  router.get(
    OPERATOR_HOME,
    pageHeaders,
    operatorPage(ctx, async (_req, res, viewer) => send(res, 200, await queuesPage(ctx, viewer))),
  );
  router.get(
    '/console/operator/skills/:slug/:version',
    pageHeaders,
    operatorPage(ctx, async (req, res, viewer) => send(res, 200, versionPage(await versionForReview(ctx.db, slugParam(req), versionParam(req)), viewer))),
  );
  router.post(
    '/console/operator/skills/:slug/:version/review',
    pageHeaders,
    form,
    operatorAction(ctx, async (req, res, viewer) => {
      const slug = slugParam(req);
      const version = versionParam(req);
      const decision = field(req, 'decision') as ReviewDecision;
      if (!REVIEW_DECISIONS.includes(decision)) throw new MarketError('INVALID_INPUT', 'Choose Approve and publish, Request changes or Reject.');
      const reason = reasonField(req);
      await once(ctx, viewer, req, 'skills_review', { slug, version, decision, reason }, (tx) => reviewSkillVersion(tx, ctx.clock, { slug, version, decision, reason }));
      res.redirect(303, `/console/operator/skills/${slug}/${version}`);
    }),
  );
  router.post(
    '/console/operator/providers/:id/approval',
    pageHeaders,
    form,
    operatorAction(ctx, async (req, res, viewer) => {
      const id = pathParam(req, 'id', ID, 'compute provider');
      const approved = field(req, 'approved') === 'true';
      await once(ctx, viewer, req, 'providers_approve', { id, approved }, (tx) => approveProvider(tx, ctx.clock, id, approved));
      res.redirect(303, `${OPERATOR_HOME}#providers`);
    }),
  );
  router.post(
    '/console/operator/disputes/:id/resolution',
    pageHeaders,
    form,
    operatorAction(ctx, async (req, res, viewer) => {
      const disputeId = pathParam(req, 'id', ID, 'dispute');
      const resolution = field(req, 'resolution') as Resolution;
      if (!RESOLUTIONS.includes(resolution)) throw new MarketError('INVALID_INPUT', `Choose a resolution: ${RESOLUTIONS.join(', ')}.`);
      const satsText = field(req, 'refund_sats')?.trim() ?? '';
      if (satsText !== '' && !/^\d{1,15}$/.test(satsText)) throw new MarketError('INVALID_INPUT', 'The refund is a whole number of sats.');
      // The refund field goes with RefundPartial only; left filled in for another resolution it is ignored, not refused.
      const refundSats = resolution === 'RefundPartial' && satsText !== '' ? Number(satsText) : undefined;
      const reason = reasonField(req);
      await once(ctx, viewer, req, 'disputes_resolve', { disputeId, resolution, refundSats: refundSats ?? null, reason }, (tx) =>
        resolveDispute(tx, ctx.clock, { disputeId, resolution, refundSats, reason }),
      );
      res.redirect(303, `${OPERATOR_HOME}#disputes`);
    }),
  );
}

function slugParam(req: Request): string {
  return pathParam(req, 'slug', SLUG, 'skill');
}

function versionParam(req: Request): string {
  return pathParam(req, 'version', VERSION, 'skill version');
}

function reasonField(req: Request): string | null {
  const reason = field(req, 'reason')?.trim() || null;
  if (reason && reason.length > MAX_REASON_LENGTH) throw new MarketError('INVALID_INPUT', `A reason is at most ${MAX_REASON_LENGTH} characters.`);
  return reason;
}

function hiddenFields(viewer: OperatorViewer): Html {
  return html`<input type="hidden" name="csrf" value="${viewer.session.csrfToken}"><input type="hidden" name="form_id" value="${newFormId()}">`;
}

async function queuesPage(ctx: AppContext, viewer: OperatorViewer): Promise<Html> {
  const skills = await reviewQueue(ctx.db);
  const providers = (await listProviderViews(ctx.db, ctx.clock, { includeUnapproved: true, limit: MAX_PAGE_SIZE })).items.filter((p) => !p.approved);
  const disputes = await unresolvedDisputeViews(ctx.db, null);
  return layout(
    'Review queues',
    html`<h1>Review queues</h1>
<p class="note">Everything below was written by agents, creators or claimants: untrusted text, shown as data.</p>
<h2 id="skills">Skills waiting for review (${skills.length})</h2>
${
  skills.length
    ? html`<table data-table="skills"><thead><tr><th>Skill</th><th>Author</th><th>Versions</th><th class="num">Scanner findings</th></tr></thead><tbody>${skills.map(
        (s) => html`<tr><td><b>${s.name}</b> <code>${s.slug}</code></td><td><code>${s.author_id}</code></td>
<td>${s.versions.map((v) => html`<a href="/console/operator/skills/${s.slug}/${v}">${v}</a> `)}</td><td class="num">${s.scan_findings.length}</td></tr>`,
      )}</tbody></table>`
    : html`<p>Nothing waits for review.</p>`
}
<h2 id="providers">Compute providers waiting for approval (${providers.length})</h2>
${providers.length ? providers.map((p) => providerCard(p, viewer)) : html`<p>No provider waits.</p>`}
<h2 id="disputes">Disputes to resolve (${disputes.length})</h2>
${disputes.length ? disputes.map((d) => disputeCard(d, viewer)) : html`<p>No dispute is open.</p>`}`,
    navOf(viewer),
  );
}

function providerCard(p: ProviderView, viewer: OperatorViewer): Html {
  return html`<section class="card" data-provider="${p.provider_id}">
<h3>${p.name} <code class="note">${p.provider_id}</code></h3>
<dl>
<dt>npub</dt><dd><code>${p.npub}</code></dd>
<dt>Job kinds</dt><dd>${p.kinds.join(', ')}</dd>
<dt>Price</dt><dd>${formatSats(p.price_sats)} a job</dd>
<dt>Regions</dt><dd>${p.regions.join(', ') || 'any'}; data kept in ${p.data_residency.join(', ') || 'any region'}</dd>
<dt>Source</dt><dd>${p.source}</dd>
<dt>About (its own words)</dt><dd>${p.untrusted_about ?? ''}</dd>
</dl>
<form method="post" action="/console/operator/providers/${p.provider_id}/approval">
${hiddenFields(viewer)}
<button type="submit" name="approved" value="true">Approve: route jobs to it</button>
</form>
</section>`;
}

function disputeCard(d: Dispute, viewer: OperatorViewer): Html {
  return html`<section class="card" data-dispute="${d.dispute_id}">
<h3>${d.dispute_type} · ${d.subject.kind} <code>${d.subject.id}</code> <span class="note">${d.status}</span></h3>
<dl>
<dt>Claimant</dt><dd><code>${d.claimant_id}</code></dd>
<dt>Respondent</dt><dd><code>${d.respondent_id}</code></dd>
<dt>Amount</dt><dd>${formatSats(d.amount_sats)}; at stake ${formatSats(d.at_stake_sats)}</dd>
<dt>Filed</dt><dd>${when(d.created_at)}</dd>
</dl>
<h4>Evidence (the claimant's words)</h4>
${d.evidence.map((e) => html`<pre class="evidence">${e.untrusted_description}${'sha256' in e && e.sha256 ? `\nsha256 ${e.sha256}` : ''}</pre>`)}
<h4>Response (the respondent's words)</h4>
${d.untrusted_response ? html`<pre class="response">${d.untrusted_response}</pre>` : html`<p class="note">No response yet.</p>`}
<form method="post" action="/console/operator/disputes/${d.dispute_id}/resolution">
${hiddenFields(viewer)}
<label>Resolution <select name="resolution">${RESOLUTIONS.map((r) => html`<option value="${r}">${r}</option>`)}</select></label>
<label>Refund (sats, RefundPartial only) <input name="refund_sats" inputmode="numeric" pattern="[0-9]*" size="10"></label>
<label for="reason-${d.dispute_id}">Reason</label>
<input id="reason-${d.dispute_id}" class="wide" name="reason" maxlength="${MAX_REASON_LENGTH}" autocomplete="off">
<button type="submit">Resolve: the money moves at once</button>
</form>
</section>`;
}

function versionPage(v: VersionForReview, viewer: OperatorViewer): Html {
  const awaiting = v.status === 'PendingReview' || v.status === 'InReview';
  const findings = v.files.reduce((n, f) => n + f.findings.length, 0);
  return layout(
    `${v.slug} ${v.version}`,
    html`<h1>${v.slug} ${v.version} <span class="note">${v.status}</span></h1>
<p>Content sha256 <code>${v.content_sha256}</code>. ${v.files.length} file(s), ${findings} scanner finding(s)${v.findings_omitted ? `, ${v.findings_omitted} more not kept` : ''}.
Lines are numbered as the scanner numbers them; each finding is under its line; hidden characters are spelled \\u{…}.</p>
${v.files_match_hash ? null : html`<p class="error" role="alert">These files do not hash to that content sha256: they were altered after publishing, and install refuses them.</p>`}
${v.files.map((file) => {
  const lines = file.content.split(LINE_BREAK);
  const width = String(lines.length).length;
  const stray = file.findings.filter((x) => x.line < 1 || x.line > lines.length);
  return html`<h2>${visible(file.path)} <span class="note">${lines.length} line(s), ${file.findings.length} finding(s)</span></h2>
<pre class="file">${lines.map(
    (line, i) => html`${String(i + 1).padStart(width)} | ${visible(line)}
${file.findings
  .filter((x) => x.line === i + 1)
  .map(
    (f) => html`<span class="finding">${' '.repeat(width)} ^ ${f.severity} ${f.category} (${f.rule}): ${visible(f.excerpt)}</span>
`,
  )}`,
  )}${stray.map(
    (f) => html`<span class="finding">line ${f.line}: ${f.severity} ${f.category} (${f.rule}): ${visible(f.excerpt)}</span>
`,
  )}</pre>`;
})}
${
  awaiting
    ? html`<h2>Decision</h2>
<form method="post" action="/console/operator/skills/${v.slug}/${v.version}/review">
${hiddenFields(viewer)}
<label for="review-reason">Reason (the creator sees it)</label>
<input id="review-reason" class="wide" name="reason" maxlength="${MAX_REASON_LENGTH}" autocomplete="off">
<button type="submit" name="decision" value="approve">Approve and publish</button>
<button type="submit" name="decision" value="request-changes">Request changes</button>
<button class="danger" type="submit" name="decision" value="reject">Reject</button>
</form>`
    : null
}
<p><a href="${OPERATOR_HOME}">Review queues</a></p>`,
    navOf(viewer),
  );
}
