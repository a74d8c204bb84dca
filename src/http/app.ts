// The HTTP face of the server: Streamable HTTP at /mcp (stateless: plain tool calls on
// the direct path, direct-calls.ts; anything else through a fresh SDK server per request),
// the legacy HTTP+SSE transport at /sse + /messages for older clients, and /healthz.
// Every MCP request carries a bearer token; Host is checked by name and Origin by scheme,
// host and port (request-checks.ts), so neither a page on a DNS-rebound name nor one on
// another port of this machine can reach a loopback server.
import { createServer as createNodeServer, type IncomingMessage, type RequestListener, type Server as HttpServer, type ServerResponse } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import { SSEServerTransport } from '@modelcontextprotocol/sdk/server/sse.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import type { AppContext } from '../context.js';
import { MarketError } from '../core/errors.js';
import type { Caller } from '../domain/identity/caller.js';
import { authenticateRecent } from '../domain/identity/registration.js';
import { createServer } from '../server.js';
import { consoleRoutes } from './console.js';
import { callsCarried, refuseDroppedBatches } from './batches.js';
import { directCalls } from './direct-calls.js';
import { callLimiter, rateLimit } from './rate-limit.js';
import { bearerToken, BODY_LIMIT_BYTES, BODY_NOT_JSON, BODY_TOO_LARGE, hostRefusal, originRefusal, rpcError, unauthorizedAnswer, type Answer } from './request-checks.js';
import { VERSION } from '../version.js';

type AuthedRequest = Request & { caller?: Caller; token?: string };

/**
 * The server's request listener: plain tool calls take the direct path (direct-calls.ts),
 * everything else express's routes, both under the same Host, Origin, token and rate rules.
 */
export function createHttpApp(ctx: AppContext): RequestListener {
  const limiter = callLimiter(ctx.config.http.rateLimit);
  const app = expressApp(ctx, limiter);
  const direct = directCalls(ctx, limiter);
  return (req: IncomingMessage, res: ServerResponse) => {
    if (!direct.takes(req)) return void app(req, res);
    direct.handle(req, res).then(
      (verdict) => {
        if (verdict.kind === 'answered') return;
        // Read already: body-parser sees the request finished and keeps this body.
        if (verdict.body !== undefined) (req as Request).body = verdict.body;
        app(req, res);
      },
      (error: unknown) => {
        ctx.logger.error('mcp request failed', { error: error instanceof Error ? (error.stack ?? error.message) : String(error) });
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' }).end(JSON.stringify(rpcError(-32603, 'Internal server error')));
      },
    );
  };
}

function expressApp(ctx: AppContext, limiter: Awaited<ReturnType<typeof callLimiter>>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(refusingWith(ctx, hostRefusal));
  app.use(consoleRoutes(ctx));
  app.use(refusingWith(ctx, originRefusal));

  app.get('/healthz', async (_req, res) => {
    await ctx.db.prepare('SELECT 1').get();
    res.json({ status: 'ok', version: VERSION });
  });

  const mcp = express.Router();
  mcp.use(express.json({ limit: BODY_LIMIT_BYTES }));
  mcp.use(bearerAuth(ctx));
  mcp.use(refuseDroppedBatches());
  // Every call costs a token, whether it came alone or in a batch.
  mcp.use(rateLimit(limiter, (req) => (req as AuthedRequest).caller?.id, { costOf: (req) => callsCarried(req.body) }));

  mcp.post('/mcp', async (req: AuthedRequest, res) => {
    // A body express did not parse would be parsed by the transport itself, past the count
    // of its calls above; the transport would refuse its content type anyway.
    if (req.body === undefined) {
      res.status(415).json(rpcError(-32000, 'Unsupported Media Type: Content-Type must be application/json.'));
      return;
    }
    const token = req.token!;
    const server = createServer(ctx, { caller: () => currentCaller(ctx, token) });
    // A plain JSON answer, except for calls that asked for progress: theirs is an SSE stream
    // carrying the progress notifications before the result.
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: !asksForProgress(req.body) });
    res.on('close', () => {
      void transport.close();
      void server.close();
    });
    try {
      await server.connect(transport);
      await transport.handleRequest(req, res, req.body);
    } catch (error) {
      ctx.logger.error('mcp request failed', { error: String(error) });
      if (!res.headersSent) res.status(500).json(rpcError(-32603, 'Internal server error'));
    }
  });
  // Stateless Streamable HTTP: no server-initiated stream and no session to delete.
  const notAllowed = (_req: Request, res: Response) => {
    res.status(405).set('Allow', 'POST').json(rpcError(-32000, 'Method not allowed: this server is stateless; POST JSON-RPC to /mcp.'));
  };
  mcp.get('/mcp', notAllowed);
  mcp.delete('/mcp', notAllowed);

  const sseSessions = new Map<string, { transport: SSEServerTransport; principalId: string }>();
  mcp.get('/sse', async (req: AuthedRequest, res) => {
    const token = req.token!;
    const transport = new SSEServerTransport('/messages', res);
    const server = createServer(ctx, { caller: () => currentCaller(ctx, token) });
    sseSessions.set(transport.sessionId, { transport, principalId: req.caller!.id });
    res.on('close', () => {
      sseSessions.delete(transport.sessionId);
      void server.close();
    });
    await server.connect(transport);
  });
  mcp.post('/messages', async (req: AuthedRequest, res) => {
    const session = sseSessions.get(String(req.query.sessionId ?? ''));
    // A session belongs to the principal that opened it; another token cannot post into it.
    if (!session || session.principalId !== req.caller!.id) {
      res.status(404).json(rpcError(-32001, 'Unknown session: open a new one with GET /sse.'));
      return;
    }
    await session.transport.handlePostMessage(req, res, req.body);
  });

  mcp.use(unreadableBody(ctx));

  app.use(mcp);
  return app;
}

/**
 * A body express cannot read (not JSON, over the limit) gets a JSON-RPC error, not
 * express's default HTML page, which carries a stack trace with the server's paths.
 */
function unreadableBody(ctx: AppContext) {
  return (error: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(error);
    const status = (error as { status?: unknown }).status;
    if (status === 413) return answer(res, BODY_TOO_LARGE);
    if (typeof status === 'number' && status >= 400 && status < 500) return answer(res, { ...BODY_NOT_JSON, status });
    ctx.logger.error('mcp request failed', { error: String(error) });
    res.status(500).json(rpcError(-32603, 'Internal server error'));
  };
}

/** True when a JSON-RPC request (or one in a batch) carries a progress token. */
function asksForProgress(body: unknown): boolean {
  const messages = Array.isArray(body) ? body : [body];
  return messages.some((m) => (m as { params?: { _meta?: { progressToken?: unknown } } } | null)?.params?._meta?.progressToken !== undefined);
}

/**
 * How long an idle keep-alive connection is kept. Node's 5 s is barely above the 4 s
 * after which undici (Node's fetch, which MCP clients use) stops reusing one, so a busy
 * client could send a request on a connection the server was closing that instant and
 * get "fetch failed" for nothing; clients must always be the ones to close first.
 */
export const KEEP_ALIVE_MS = 65_000;

export function listen(listener: RequestListener, host: string, port: number): Promise<HttpServer> {
  return new Promise((resolve, reject) => {
    const server = createNodeServer(listener);
    server.keepAliveTimeout = KEEP_ALIVE_MS;
    server.headersTimeout = KEEP_ALIVE_MS + 1_000;
    server.on('error', reject);
    server.listen(port, host, () => resolve(server));
  });
}

async function currentCaller(ctx: AppContext, token: string): Promise<Caller> {
  const caller = await authenticateRecent(ctx.db, token);
  if (!caller) throw new MarketError('UNAUTHORIZED', 'This token was revoked. Ask the sponsor for a new one.');
  return caller;
}

function bearerAuth(ctx: AppContext) {
  return async (req: AuthedRequest, res: Response, next: NextFunction) => {
    const token = bearerToken(req.headers.authorization);
    const caller = token === null ? null : await authenticateRecent(ctx.db, token);
    if (!caller) return answer(res, unauthorizedAnswer(token !== null));
    req.caller = caller;
    req.token = token!;
    next();
  };
}

function answer(res: Response, a: Answer): void {
  res
    .status(a.status)
    .set(a.headers ?? {})
    .json(a.body);
}

/** request-checks.ts's Host and Origin rules as express middleware. */
function refusingWith(ctx: AppContext, refusal: typeof hostRefusal) {
  return (req: Request, res: Response, next: NextFunction) => {
    const refused = refusal(ctx.config, req);
    if (refused) return answer(res, refused);
    next();
  };
}
