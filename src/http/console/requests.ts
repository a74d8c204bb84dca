// Request plumbing shared by every console route: the protective headers, where a
// request came from, form bodies, who may see a page or post a form, and how refusals
// become pages.
import { randomBytes } from 'node:crypto';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { AppContext } from '../../context.js';
import type { Db } from '../../db/connection.js';
import { isMarketError, MarketError, type ErrorCode } from '../../core/errors.js';
import { withIdempotency } from '../../domain/idempotency.js';
import { judgeOrigin, servedAddresses } from '../served-addresses.js';
import { html, layout, messagePage, type Html, type Nav } from './markup.js';
import { carriesCsrf, currentViewer, type OperatorViewer, type SponsorViewer, type Viewer } from './session.js';
import { signInPage } from './sign-in-page.js';

export const HOME = '/console';
const FORM_LIMIT = '64kb';
const FORM_ID = /^[A-Za-z0-9_-]{22,64}$/;

const PAGE_HEADERS = {
  // No script at all: every page is server-rendered, charts included (inline SVG).
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  // Older browsers ignore frame-ancestors; clickjacking the Approve button must fail there too.
  'X-Frame-Options': 'DENY',
  'Cache-Control': 'no-store',
  // Not no-referrer: under it Chromium sends `Origin: null` on the page's own form posts.
  // same-origin still tells other sites nothing (approval ids stay in this console).
  'Referrer-Policy': 'same-origin',
} as const;

const ERROR_STATUS: Partial<Record<ErrorCode, number>> = {
  INVALID_INPUT: 400,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  IDEMPOTENCY_MISMATCH: 409,
  APPROVAL_EXPIRED: 410,
};

export type Handler = (req: Request, res: Response) => void | Promise<void>;

/**
 * Page headers, and where the request came from. A foreign Origin is refused, as on /mcp
 * (a page on another port of this machine is another site). A form post must come from
 * this console's own page: the browser's Sec-Fetch-Site says so (when it sends one), and
 * an opaque Origin ("null", which some browsers send for a page's own post under strict
 * referrer settings, and which a hostile page can make its own posts carry) is taken only
 * with Sec-Fetch-Site: same-origin. Past this, the session's CSRF token and its
 * SameSite=Strict cookie decide.
 */
export function pageHeaders(ctx: AppContext) {
  return (req: Request, res: Response, next: NextFunction): void => {
    res.set(PAGE_HEADERS);
    const verdict = judgeOrigin(req.headers.origin, servedAddresses(ctx.config, req.socket.localPort));
    const site = req.headers['sec-fetch-site'];
    const posted = req.method === 'POST';
    const refused = verdict === 'foreign' || (verdict === 'opaque' && (!posted || site !== 'same-origin')) || (posted && site !== undefined && site !== 'same-origin');
    if (refused) return send(res, 403, messagePage('Refused', 'This request did not come from a page of this console. Open the console and try again there.'));
    next();
  };
}

/** Form bodies for the console's routes only; a body that cannot be read is answered here, as a page. */
export function formBody() {
  const parse = express.urlencoded({ extended: false, limit: FORM_LIMIT });
  return (req: Request, res: Response, next: NextFunction) =>
    parse(req, res, (error?: unknown) => {
      if (!error) return next();
      const status = (error as { status?: unknown }).status;
      send(res, typeof status === 'number' ? status : 400, messagePage('Form not accepted', 'The form could not be read (too large or malformed). Go back and try again.'));
    });
}

/** Domain refusals become pages with their HTTP status; anything else is logged, never shown. */
export function guarded(ctx: AppContext, handler: Handler) {
  return async (req: Request, res: Response) => {
    try {
      await handler(req, res);
    } catch (error) {
      if (isMarketError(error)) return send(res, ERROR_STATUS[error.code] ?? 400, refusalPage(error, req, await currentViewer(ctx, req)));
      ctx.logger.error('console request failed', { path: req.path, error: String(error) });
      send(res, 500, messagePage('Something went wrong', 'The server could not finish this request. The details are in its log.'));
    }
  };
}

/** A page for a signed-in sponsor: others get the sign-in form (and come back here after), the operator a refusal. */
export function sponsorPage(ctx: AppContext, handler: (req: Request, res: Response, viewer: SponsorViewer) => void | Promise<void>) {
  return guarded(ctx, async (req, res) => {
    const viewer = await currentViewer(ctx, req);
    if (!viewer) return send(res, 200, signInPage(safeNext(req.originalUrl)));
    if (viewer.role !== 'sponsor')
      return send(
        res,
        403,
        messagePage(
          'Sponsors only',
          'This page belongs to a sponsor. Sign out and sign in with the sponsor token.',
          { href: '/console/operator', label: 'Operator page' },
          navOf(viewer),
        ),
      );
    await handler(req, res, viewer);
  });
}

export function operatorPage(ctx: AppContext, handler: (req: Request, res: Response, viewer: OperatorViewer) => void | Promise<void>) {
  return guarded(ctx, async (req, res) => {
    const viewer = await currentViewer(ctx, req);
    if (!viewer) return send(res, 200, signInPage(safeNext(req.originalUrl)));
    if (viewer.role !== 'operator')
      return send(
        res,
        403,
        messagePage(
          'Operator only',
          'This page belongs to the operator. Sign out and sign in with the operator token (`agent-marketplace operator token`).',
          { href: HOME, label: 'Your agents' },
          navOf(viewer),
        ),
      );
    await handler(req, res, viewer);
  });
}

/** A form post of a signed-in sponsor, carrying this session's CSRF token. */
export function sponsorAction(ctx: AppContext, handler: (req: Request, res: Response, viewer: SponsorViewer) => void | Promise<void>) {
  return guarded(ctx, async (req, res) => {
    const viewer = await postingViewer(ctx, req);
    if (!viewer) return send(res, 403, staleFormPage());
    if (viewer.role !== 'sponsor') throw new MarketError('FORBIDDEN', 'Only a sponsor can do this: sign in with the sponsor token.');
    await handler(req, res, viewer);
  });
}

export function operatorAction(ctx: AppContext, handler: (req: Request, res: Response, viewer: OperatorViewer) => void | Promise<void>) {
  return guarded(ctx, async (req, res) => {
    const viewer = await postingViewer(ctx, req);
    if (!viewer) return send(res, 403, staleFormPage());
    if (viewer.role !== 'operator') throw new MarketError('FORBIDDEN', 'Only the operator can do this: sign in with the operator token.');
    await handler(req, res, viewer);
  });
}

async function postingViewer(ctx: AppContext, req: Request): Promise<Viewer | null> {
  const viewer = await currentViewer(ctx, req);
  return viewer && carriesCsrf(viewer.session, field(req, 'csrf')) ? viewer : null;
}

export function staleFormPage(): Html {
  return messagePage('Refused', 'This form is stale, signed out, or did not come from this console. Open the page again and retry.');
}

/** A fresh id for a form as it is rendered: posting that form twice acts once (see once()). */
export function newFormId(): string {
  return randomBytes(16).toString('base64url');
}

/**
 * Runs a console action once per rendered form, through the same idempotency records as
 * the tools: a double click, a reload that re-posts, or Back-and-submit return the first
 * result and do nothing more.
 */
export async function once<T>(ctx: AppContext, viewer: Viewer, req: Request, action: string, args: Record<string, unknown>, run: (tx: Db) => T | Promise<T>): Promise<T> {
  const key = field(req, 'form_id');
  if (!key || !FORM_ID.test(key)) throw new MarketError('INVALID_INPUT', 'This form has no valid form_id: reload the page and submit it again.');
  const principal = viewer.role === 'sponsor' ? `sponsor:${viewer.sponsorId}` : 'operator';
  return (await withIdempotency(ctx.db, ctx.clock, { callerId: `console:${principal}`, tool: `console.${action}`, key, args }, run)).result;
}

export function navOf(viewer: Viewer): Nav {
  return viewer.role === 'sponsor'
    ? {
        who: `Sponsor: ${viewer.name}`,
        links: [
          { href: HOME, label: 'Agents' },
          { href: '/console/approvals', label: 'Approvals' },
        ],
        csrf: viewer.session.csrfToken,
      }
    : { who: 'Operator', links: [{ href: '/console/operator', label: 'Review queues' }], csrf: viewer.session.csrfToken };
}

export function field(req: Request, name: string): string | undefined {
  const body = req.body as Record<string, unknown> | undefined;
  const value = body?.[name];
  return typeof value === 'string' ? value : undefined;
}

/** A query parameter given once; empty means absent. */
export function queryParam(req: Request, name: string): string | undefined {
  const value = req.query[name];
  return typeof value === 'string' && value !== '' ? value : undefined;
}

export function pathParam(req: Request, name: string, pattern: RegExp, what: string): string {
  const value = req.params[name];
  if (typeof value !== 'string' || !pattern.test(value)) throw new MarketError('NOT_FOUND', `No ${what} ${typeof value === 'string' ? value : ''}.`);
  return value;
}

/**
 * The only places a sign-in may send the browser on to: a path of this console, never
 * another site (open redirect). No "//", no backslash, no "." or ".." segment.
 */
export function safeNext(value: string | undefined): string | null {
  if (value === undefined || !/^\/(console|approvals)(\/[A-Za-z0-9_.~-]+)*\/?(\?[A-Za-z0-9_.~%=&+-]*)?$/.test(value)) return null;
  const path = value.split('?')[0]!;
  return path.split('/').some((segment) => segment === '.' || segment === '..') ? null : value;
}

export function send(res: Response, status: number, page: Html): void {
  res.status(status).type('html').send(page.text);
}

function refusalPage(error: MarketError, req: Request, viewer: Viewer | null): Html {
  // Back to the page the form was on, when that is one of ours (same origin, per the Referer policy).
  const referer = req.headers.referer ? safeNext(refererPath(req.headers.referer)) : null;
  const back = referer && referer !== req.originalUrl && error.code !== 'NOT_FOUND' ? html`<p><a href="${referer}">Back</a></p>` : null;
  return layout(
    'Not done',
    html`<h1>Not done</h1><p class="error" role="alert">${error.message}</p>${back}<p><a href="${HOME}">Console</a></p>`,
    viewer ? navOf(viewer) : undefined,
  );
}

function refererPath(referer: string): string | undefined {
  try {
    const url = new URL(referer);
    return url.pathname + url.search;
  } catch {
    return undefined;
  }
}
