// Who is at the console: a sponsor or the operator, signed in once with their token. The
// browser holds a random session id in an HttpOnly, SameSite=Strict cookie; the database
// holds its hash, the token's hash (rotating the token ends the session) and the CSRF
// token every form of the session carries.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Request, Response } from 'express';
import type { AppContext } from '../../context.js';
import * as sessions from '../../db/console-store.js';
import { getSponsor } from '../../db/identity-store.js';
import type { Caller } from '../../domain/identity/caller.js';
import { hashToken } from '../../domain/identity/tokens.js';

const SESSION_COOKIE = 'am_session';
export const SESSION_TTL_SECONDS = 12 * 60 * 60;

export type Session = sessions.LiveConsoleSession;

export type SponsorViewer = { role: 'sponsor'; sponsorId: string; name: string; session: Session };
export type OperatorViewer = { role: 'operator'; session: Session };
export type Viewer = SponsorViewer | OperatorViewer;

export async function currentViewer(ctx: AppContext, req: Request): Promise<Viewer | null> {
  const id = cookieValue(req, SESSION_COOKIE);
  if (!id) return null;
  const session = await sessions.findLiveConsoleSession(ctx.db, sha256Hex(id), ctx.clock.now().toISOString());
  if (!session) return null;
  if (session.principalKind === 'operator') return { role: 'operator', session };
  if (session.principalKind !== 'sponsor' || session.sponsorId === null) return null;
  const sponsor = await getSponsor(ctx.db, session.sponsorId);
  return sponsor ? { role: 'sponsor', sponsorId: sponsor.id, name: sponsor.name, session } : null;
}

/** Opens a session for a sponsor or the operator who gave `token`, and sets its cookie. */
export async function startSession(ctx: AppContext, req: Request, res: Response, caller: Caller & { role: 'sponsor' | 'operator' }, token: string): Promise<void> {
  // A fresh session id on every sign-in, so an id planted before it never becomes a signed-in one.
  await endSession(ctx, req);
  const id = randomBytes(32).toString('base64url');
  const now = ctx.clock.now();
  await ctx.db.write(async (tx) => {
    await sessions.deleteExpiredConsoleSessions(tx, now.toISOString());
    await sessions.insertConsoleSession(tx, {
      idHash: sha256Hex(id),
      sponsorId: caller.role === 'sponsor' ? caller.id : null,
      tokenHash: hashToken(token),
      csrfToken: randomBytes(32).toString('base64url'),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + SESSION_TTL_SECONDS * 1000).toISOString(),
    });
  });
  res.append('Set-Cookie', sessionCookie(id, SESSION_TTL_SECONDS, req.secure));
}

export async function endSession(ctx: AppContext, req: Request, res?: Response): Promise<void> {
  const id = cookieValue(req, SESSION_COOKIE);
  if (id) await ctx.db.write(async (tx) => sessions.deleteConsoleSession(tx, sha256Hex(id)));
  if (res) res.append('Set-Cookie', sessionCookie('', 0, req.secure));
}

/** Whether a posted form carries this session's CSRF token. */
export function carriesCsrf(session: Session, given: string | undefined): boolean {
  return sameSecret(given, session.csrfToken);
}

function sessionCookie(value: string, maxAgeSeconds: number, secure: boolean): string {
  // Strict: the browser never sends the session on a request another site starts, so a
  // cross-site form cannot act even before the csrf field is checked.
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
