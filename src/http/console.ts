// The console (HTTP mode): a sponsor signs in once with the sponsor token to watch and
// steer its agents and answer their approvals; the operator signs in with the operator
// token to work through the review queues. Server-rendered, without client-side script;
// every action goes through the same domain function as the tools and the CLI. The
// pages are in console/, one module per page.
import express from 'express';
import type { AppContext } from '../context.js';
import { authenticate } from '../domain/identity/registration.js';
import { agentRoutes } from './console/agent-page.js';
import { approvalRoutes } from './console/approvals.js';
import { homeRoutes } from './console/home.js';
import { operatorRoutes } from './console/operator.js';
import { field, formBody, guarded, HOME, pageHeaders, safeNext, send, staleFormPage } from './console/requests.js';
import { carriesCsrf, currentViewer, endSession, startSession } from './console/session.js';
import { signInPage } from './console/sign-in-page.js';

export function consoleRoutes(ctx: AppContext): express.Router {
  const router = express.Router();
  // Headers and body parsing are attached per route: this router sits in front of /mcp,
  // and nothing here may touch requests that are not the console's.
  const headers = pageHeaders(ctx);
  const form = formBody();
  homeRoutes(router, ctx, headers);
  agentRoutes(router, ctx, headers);
  approvalRoutes(router, ctx, headers);
  operatorRoutes(router, ctx, headers);
  router.post(
    '/console/login',
    headers,
    form,
    guarded(ctx, async (req, res) => {
      const next = safeNext(field(req, 'next'));
      const token = (field(req, 'token') ?? '').trim();
      const caller = await authenticate(ctx.db, token);
      if (!caller) return send(res, 401, signInPage(next, 'That token is unknown or revoked. Paste the token exactly as it was printed.'));
      if (caller.role === 'agent') {
        return send(res, 403, signInPage(next, 'That is an agent token. An agent can never decide its own request: sign in with the sponsor token.'));
      }
      await startSession(ctx, req, res, caller, token);
      res.redirect(303, next ?? (caller.role === 'operator' ? '/console/operator' : HOME));
    }),
  );
  router.post(
    '/console/logout',
    headers,
    form,
    guarded(ctx, async (req, res) => {
      const viewer = await currentViewer(ctx, req);
      if (viewer && !carriesCsrf(viewer.session, field(req, 'csrf'))) return send(res, 403, staleFormPage());
      await endSession(ctx, req, res);
      res.redirect(303, HOME);
    }),
  );
  return router;
}
