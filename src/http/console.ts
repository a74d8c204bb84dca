// The sponsor's approval page (HTTP mode): a person opens the link a notification gave,
// signs in once with the sponsor token, reads exactly what the agent asked for and
// approves or denies it. Server-rendered without client-side script. Everything an agent
// wrote (arguments, memos, reasons) is untrusted, so every interpolated value is escaped
// by the `html` template unless it is itself already-built markup.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../context.js';
import * as sessions from '../db/console-store.js';
import { getSponsor } from '../db/identity-store.js';
import { requireAgent } from '../domain/agents/registry.js';
import { isMarketError, MarketError, type ErrorCode } from '../domain/errors.js';
import { approvalView, decideApproval, listApprovalsPage, loadApproval, type ApprovalView } from '../domain/governance/approvals.js';
import { authenticate } from '../domain/identity/registration.js';
import { hashToken, TOKEN_PREFIX } from '../domain/identity/tokens.js';
import { formatSats } from '../domain/money.js';
import { approvedCallRunner } from '../tools/approved-calls.js';
import { judgeOrigin, servedAddresses } from './served-addresses.js';

const SESSION_COOKIE = 'am_session';
const SESSION_TTL_SECONDS = 12 * 60 * 60;
const FORM_LIMIT = '16kb';
const MAX_REASON_LENGTH = 500;
const PENDING_LIST_LIMIT = 50;
const HOME = '/console';
const APPROVAL_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** The only places a sign-in may send the browser on to: never another site (open redirect). */
const APPROVAL_PATH = /^\/approvals\/[A-Za-z0-9_-]{1,64}$/;

const PAGE_HEADERS = {
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  // Older browsers ignore frame-ancestors; clickjacking the Approve button must fail there too.
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  // Not no-referrer: under it Chromium sends `Origin: null` on the page's own form posts.
  // same-origin still tells other sites nothing (approval ids stay in this console).
  'Referrer-Policy': 'same-origin',
} as const;

const ERROR_STATUS: Partial<Record<ErrorCode, number>> = { NOT_FOUND: 404, CONFLICT: 409, APPROVAL_EXPIRED: 410 };

type Session = sessions.ConsoleSessionRow;
type Handler = (req: Request, res: Response) => void;

export function approvalConsole(ctx: AppContext): express.Router {
  const router = express.Router();
  const form = formBody();
  const pageHeaders = pageHeadersOf(ctx);
  // Headers and body parsing are attached per route: this router sits in front of /mcp,
  // and nothing here may touch requests that are not the console's.
  router.get(HOME, pageHeaders, guarded(ctx, (req, res) => showHome(ctx, req, res)));
  router.get('/approvals/:id', pageHeaders, guarded(ctx, (req, res) => showApproval(ctx, req, res)));
  router.post('/approvals/:id/decision', pageHeaders, form, guarded(ctx, (req, res) => decide(ctx, req, res)));
  router.post('/console/login', pageHeaders, form, guarded(ctx, (req, res) => signIn(ctx, req, res)));
  router.post('/console/logout', pageHeaders, form, guarded(ctx, (req, res) => signOut(ctx, req, res)));
  return router;
}

// ---- routes ----

function showHome(ctx: AppContext, req: Request, res: Response): void {
  const session = currentSession(ctx, req);
  if (!session) return send(res, 200, signInPage(null));
  const pending = listApprovalsPage(ctx.db, ctx.clock, { sponsorId: session.sponsorId, status: 'pending', limit: PENDING_LIST_LIMIT });
  send(res, 200, homePage(getSponsor(ctx.db, session.sponsorId)?.name ?? session.sponsorId, pending.items, session));
}

function showApproval(ctx: AppContext, req: Request, res: Response): void {
  const id = approvalIdParam(req);
  const session = currentSession(ctx, req);
  if (!session) return send(res, 200, signInPage(safeNext(`/approvals/${id}`)));
  const approval = loadApproval(ctx.db, ctx.clock, id);
  // Another sponsor's approval is reported as missing: its existence is not theirs to know.
  if (approval.sponsorId !== session.sponsorId) throw notFound(id);
  send(res, 200, approvalPage(approvalView(approval), requireAgent(ctx.db, approval.agentId).name, session));
}

function decide(ctx: AppContext, req: Request, res: Response): void {
  const session = currentSession(ctx, req);
  if (!session || !sameSecret(field(req, 'csrf'), session.csrfToken)) return send(res, 403, staleFormPage());
  const id = approvalIdParam(req);
  const decision = field(req, 'decision');
  if (decision !== 'approve' && decision !== 'deny') throw new MarketError('INVALID_INPUT', 'Choose Approve or Deny.');
  const reason = field(req, 'reason')?.trim() || null;
  if (reason && reason.length > MAX_REASON_LENGTH) throw new MarketError('INVALID_INPUT', `A reason is at most ${MAX_REASON_LENGTH} characters.`);
  decideApproval(ctx.db, ctx.clock, {
    approvalId: id,
    decision,
    reason,
    decider: { role: 'sponsor', id: session.sponsorId },
    run: approvedCallRunner(ctx),
  });
  res.redirect(303, `/approvals/${id}`);
}

function signIn(ctx: AppContext, req: Request, res: Response): void {
  const next = safeNext(field(req, 'next'));
  const token = (field(req, 'token') ?? '').trim();
  const caller = authenticate(ctx.db, token);
  if (!caller) return send(res, 401, signInPage(next, 'That token is unknown or revoked. Paste the sponsor token exactly as it was printed.'));
  if (caller.role !== 'sponsor') {
    return send(res, 403, signInPage(next, 'That is an agent token. An agent can never decide its own request: sign in with the sponsor token.'));
  }
  // A fresh session id on every sign-in, so an id planted before it never becomes a signed-in one.
  endSession(ctx, req);
  const id = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  ctx.db.write(() => {
    sessions.deleteExpiredConsoleSessions(ctx.db, now.toISOString());
    sessions.insertConsoleSession(ctx.db, {
      idHash: sha256Hex(id),
      sponsorId: caller.id,
      tokenHash: hashToken(token),
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000).toISOString(),
    });
  });
  res.append('Set-Cookie', sessionCookie(id, SESSION_TTL_SECONDS, req.secure));
  res.redirect(303, next ?? HOME);
}

function signOut(ctx: AppContext, req: Request, res: Response): void {
  const session = currentSession(ctx, req);
  if (session && !sameSecret(field(req, 'csrf'), session.csrfToken)) return send(res, 403, staleFormPage());
  endSession(ctx, req);
  res.append('Set-Cookie', sessionCookie('', 0, req.secure));
  res.redirect(303, HOME);
}

// ---- sessions ----

function currentSession(ctx: AppContext, req: Request): Session | null {
  const id = cookieValue(req, SESSION_COOKIE);
  if (!id) return null;
  return sessions.findLiveConsoleSession(ctx.db, sha256Hex(id), ctx.clock.now().toISOString()) ?? null;
}

function endSession(ctx: AppContext, req: Request): void {
  const id = cookieValue(req, SESSION_COOKIE);
  if (id) ctx.db.write(() => sessions.deleteConsoleSession(ctx.db, sha256Hex(id)));
}

function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  // Strict: the browser never sends the session on a request another site starts, so a
  // cross-site form cannot approve anything even before the csrf field is checked.
  const attributes = [`${SESSION_COOKIE}=${value}`, 'HttpOnly', 'SameSite=Strict', 'Path=/', `Max-Age=${maxAgeSeconds}`];
  return (secure ? [...attributes, 'Secure'] : attributes).join('; ');
}

function cookieValue(req: Request, name: string): string | null {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim() || null;
  }
  return null;
}

function sha256Hex(value: string): string {
  return createHash('sha256').update(value, 'utf8').digest('hex');
}

/** Hashing both sides gives equal lengths, so timingSafeEqual never leaks where they differ. */
function sameSecret(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

// ---- request plumbing ----

/**
 * Page headers, and where the request came from. A foreign Origin is refused, as on /mcp
 * (a page on another port of this machine is another site). A form post must come from
 * this console's own page: the browser's Sec-Fetch-Site says so (when it sends one), and
 * an opaque Origin ("null", which some browsers send for a page's own post under strict
 * referrer settings, and which a hostile page can make its own posts carry) is taken only
 * with Sec-Fetch-Site: same-origin. Past this, the session's CSRF token and its
 * SameSite=Strict cookie decide, exactly as before.
 */
function pageHeadersOf(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.set(PAGE_HEADERS);
    const verdict = judgeOrigin(req.headers.origin, servedAddresses(ctx.config, req.socket.localPort));
    const site = req.headers['sec-fetch-site'];
    const posted = req.method === 'POST';
    const refused =
      verdict === 'foreign' ||
      (verdict === 'opaque' && (!posted || site !== 'same-origin')) ||
      (posted && site !== undefined && site !== 'same-origin');
    if (refused) return send(res, 403, messagePage('Refused', 'This request did not come from a page of this console. Open the console and try again there.'));
    next();
  };
}

/** Form bodies for these routes only; a body that cannot be read is answered here, as a page. */
function formBody() {
  const parse = express.urlencoded({ extended: false, limit: FORM_LIMIT });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      const status = (error as { status?: unknown }).status;
      send(res, typeof status === 'number' ? status : 400, messagePage('Form not accepted', 'The form could not be read (too large or malformed). Go back and try again.'));
    });
}

/** Domain refusals become pages with their HTTP status; anything else is logged, never shown. */
function guarded(ctx: AppContext, handler: Handler) {
  return (req: Request, res: Response) => {
    try {
      handler(req, res);
    } catch (error) {
      if (isMarketError(error)) return send(res, ERROR_STATUS[error.code] ?? 400, refusalPage(error, rawApprovalId(req)));
      ctx.logger.error('console request failed', { path: req.path, error: String(error) });
      send(res, 500, messagePage('Something went wrong', 'The server could not finish this request. The details are in its log.'));
    }
  };
}

function field(req: Request, name: string): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : undefined;
}

function approvalIdParam(req: Request): string {
  const id = rawApprovalId(req);
  if (!APPROVAL_ID.test(id)) throw notFound(id);
  return id;
}

function rawApprovalId(req: Request): string {
  const id = req.params.id;
  return typeof id === 'string' ? id : '';
}

function notFound(id: string): MarketError {
  return new MarketError('NOT_FOUND', `No approval ${id} among your agents' requests.`);
}

function safeNext(value: string | undefined): string | null {
  return value !== undefined && APPROVAL_PATH.test(value) ? value : null;
}

function send(res: Response, status: number, page: Html): void {
  res.status(status).type('html').send(page.text);
}

// ---- markup ----

/** Markup that is already safe; anything else interpolated into `html` is escaped. */
class Html {
  constructor(readonly text: string) {}
}

function html(strings: TemplateStringsArray, ...values: unknown[]): Html {
  return new Html(strings.reduce((out, s, i) => out + fragment(values[i - 1]) + s));
}

function fragment(value: unknown): string {
  if (value instanceof Html) return value.text;
  if (Array.isArray(value)) return value.map(fragment).join('');
  if (value === null || value === undefined || value === false) return '';
  return escapeHtml(String(value));
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ENTITIES[c]!);
}

const STYLE = `
body { font: 16px/1.5 system-ui, sans-serif; max-width: 44rem; margin: 2rem auto; padding: 0 1rem; color: #1a1a1a; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .25rem 1rem; }
dt { font-weight: 600; } dd { margin: 0; overflow-wrap: anywhere; }
pre { background: #f4f4f4; padding: .75rem; white-space: pre-wrap; overflow-wrap: anywhere; }
.note { color: #555; font-size: .9rem; } .error { color: #a00; font-weight: 600; }
form { margin: 1rem 0; } input[name=reason], input[name=token] { width: 100%; box-sizing: border-box; padding: .4rem; }
button { padding: .4rem 1rem; margin: .5rem .5rem 0 0; }
`;

function layout(title: string, body: Html): Html {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · agent-marketplace</title>
<style>${new Html(STYLE)}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

function signInPage(next: string | null, error?: string): Html {
  return layout(
    'Sign in',
    html`<h1>Sign in as sponsor</h1>
${error ? html`<p class="error" role="alert">${error}</p>` : null}
<p>Paste your sponsor token (it starts with <code>${TOKEN_PREFIX.sponsor}</code>). Agent tokens cannot sign in: an agent never decides its own request.</p>
<form method="post" action="/console/login">
<label for="token">Sponsor token</label>
<input id="token" name="token" type="password" autocomplete="off" required>
${next ? html`<input type="hidden" name="next" value="${next}">` : null}
<button type="submit">Sign in</button>
</form>`,
  );
}

function homePage(sponsorName: string, pending: ApprovalView[], session: Session): Html {
  const rows = pending.map(
    (a) => html`<li><a href="/approvals/${a.approval_id}">${formatSats(a.amount_sats)} · <code>${a.tool}</code> · agent <code>${a.agent_id}</code></a></li>`,
  );
  return layout(
    'Approvals',
    html`<h1>Approvals</h1>
<p>Signed in as ${sponsorName}.</p>
${pending.length ? html`<h2>Waiting for you</h2><ul>${rows}</ul>` : html`<p>No request is waiting for you.</p>`}
${signOutForm(session)}`,
  );
}

function approvalPage(a: ApprovalView, agentName: string, session: Session): Html {
  return layout(
    `Approval ${a.approval_id}`,
    html`<h1>Approval request</h1>
<p>Status: <strong class="status">${a.status}</strong></p>
<dl>
<dt>Agent</dt><dd>${agentName} <code>${a.agent_id}</code></dd>
<dt>Tool</dt><dd><code>${a.tool}</code></dd>
<dt>Amount</dt><dd>${formatSats(a.amount_sats)}</dd>
${a.fee_reserve_sats === undefined ? null : html`<dt>Of which fee reserve</dt><dd>${formatSats(a.fee_reserve_sats)} (the most the Lightning fee may take)</dd>`}
${a.counterparty ? html`<dt>Counterparty</dt><dd><code>${a.counterparty}</code></dd>` : null}
<dt>Why it waits</dt><dd>${a.reason}</dd>
<dt>Rule</dt><dd><code>${a.rule}</code></dd>
<dt>Requested</dt><dd>${a.created_at}</dd>
<dt>Expires</dt><dd>${a.expires_at}</dd>
${a.decided_at ? html`<dt>Decided</dt><dd>${a.decided_at}</dd>` : null}
${a.decision_reason ? html`<dt>Decision reason</dt><dd>${a.decision_reason}</dd>` : null}
</dl>
<h2>Exact arguments</h2>
<p class="note">Written by the agent: untrusted text, shown as data. Approving runs the tool with exactly these.</p>
<pre>${JSON.stringify(a.arguments, null, 2)}</pre>
${a.result ? html`<h2>Result</h2><pre>${JSON.stringify(a.result, null, 2)}</pre>` : null}
${a.status === 'pending' ? decisionForm(a.approval_id, session) : null}
<p><a href="${HOME}">All waiting approvals</a></p>
${signOutForm(session)}`,
  );
}

function decisionForm(approvalId: string, session: Session): Html {
  return html`<form method="post" action="/approvals/${approvalId}/decision">
<input type="hidden" name="csrf" value="${session.csrfToken}">
<label for="reason">Reason (optional; the agent sees it)</label>
<input id="reason" name="reason" maxlength="${MAX_REASON_LENGTH}" autocomplete="off">
<button type="submit" name="decision" value="approve">Approve</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form>`;
}

function signOutForm(session: Session): Html {
  return html`<form method="post" action="/console/logout">
<input type="hidden" name="csrf" value="${session.csrfToken}">
<button type="submit">Sign out</button>
</form>`;
}

function refusalPage(error: MarketError, approvalId: string): Html {
  const back = APPROVAL_ID.test(approvalId) && error.code !== 'NOT_FOUND' ? html`<p><a href="/approvals/${approvalId}">Back to the approval</a></p>` : null;
  return layout('Not done', html`<h1>Not done</h1><p class="error" role="alert">${error.message}</p>${back}<p><a href="${HOME}">All waiting approvals</a></p>`);
}

function staleFormPage(): Html {
  return messagePage('Refused', 'This form is stale, signed out, or did not come from this console. Open the approval again and retry.');
}

function messagePage(title: string, message: string): Html {
  return layout(title, html`<h1>${title}</h1><p>${message}</p><p><a href="${HOME}">Approvals</a></p>`);
}
