// tools/call over stateless Streamable HTTP, without building an MCP server and a
// transport for every request. Almost every request an agent sends is one tools/call with
// a JSON answer; the SDK's stateless transport answers it correctly but builds (and then
// tears down) a server, a transport and a web Request/Response pair each time, which cost
// twenty times the call itself. Here such a request is read once, judged by the same Host,
// Origin, token and rate-limit rules, and run by the same tool runner (runTool), and its
// answer is the one the SDK would write. Anything else (initialize, tools/list, batches,
// calls that asked for progress, anything malformed or unusual) is handed on, with its
// parsed body, to the SDK's transport, which stays the reference for the protocol.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SUPPORTED_PROTOCOL_VERSIONS } from '@modelcontextprotocol/sdk/types.js';
import type { AppContext } from '../context.js';
import { authenticateRecent } from '../domain/identity/registration.js';
import { directToolCalls } from '../server.js';
import type { CallLimiter } from './rate-limit.js';
import { bearerToken, BODY_LIMIT_BYTES, BODY_NOT_JSON, BODY_TOO_LARGE, hostRefusal, originRefusal, unauthorizedAnswer, type Answer } from './request-checks.js';

/** What the request is, once read: answered here, or handed on (with its body, when one was read). */
type Verdict = { kind: 'answered' } | { kind: 'hand-on'; body?: unknown };

export interface DirectCalls {
  /** True for requests this path reads (POST /mcp with a JSON body); the rest go to express untouched. */
  takes(req: IncomingMessage): boolean;
  /** Answers the request, or says to hand it on with the body it read. */
  handle(req: IncomingMessage, res: ServerResponse): Promise<Verdict>;
}

export function directCalls(ctx: AppContext, limiter: CallLimiter): DirectCalls {
  const toolFor = directToolCalls(ctx);
  const send = (res: ServerResponse, a: Answer): Verdict => {
    const text = JSON.stringify(a.body);
    res.writeHead(a.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...a.headers });
    res.end(text);
    return { kind: 'answered' };
  };

  return {
    takes(req) {
      // A compressed body (express.json inflates it) is express's to read.
      const encoding = req.headers['content-encoding'];
      return req.method === 'POST' && req.url === '/mcp' && isJson(req.headers['content-type']) && (encoding === undefined || encoding === 'identity');
    },
    async handle(req, res) {
      // The checks express runs first on every route, with the same answers.
      const refused = hostRefusal(ctx.config, req) ?? originRefusal(ctx.config, req);
      if (refused) return send(res, refused);

      const read = await readBody(req);
      if (read.kind === 'too-large') return send(res, BODY_TOO_LARGE);
      if (read.kind === 'empty') return { kind: 'hand-on' };
      const body = parseJson(read.text);
      if (body === undefined) return send(res, BODY_NOT_JSON);

      const call = plainToolCall(body, req.headers);
      if (!call) return { kind: 'hand-on', body };
      // Every request is authenticated before anything about it is answered, as on express's routes.
      const token = bearerToken(req.headers.authorization);
      const caller = token === null ? null : await authenticateRecent(ctx.db, token);
      if (!caller) return send(res, unauthorizedAnswer(token !== null));
      if ('invalid' in call) return send(res, { status: 200, body: { jsonrpc: '2.0', id: call.id, error: { code: -32602, message: call.invalid } } });
      const run = await toolFor(caller, call.params.name);
      // An unknown tool's JSON-RPC error is the SDK's to word (and its call is counted there).
      if (!run) return { kind: 'hand-on', body };
      const refusal = limiter.take(caller.id, 1);
      if (refusal) return send(res, { status: refusal.status, headers: refusal.headers, body: refusal.body });
      return send(res, { status: 200, body: { jsonrpc: '2.0', id: call.id, result: await run(call.params.arguments) } });
    },
  };
}

/** A single tools/call request, in a revision the SDK accepts, that asks for no progress; else null. */
function plainToolCall(body: unknown, headers: IncomingMessage['headers']) {
  const accept = headers.accept ?? '';
  if (!accept.includes('application/json') || !accept.includes('text/event-stream')) return null;
  const version = headers['mcp-protocol-version'];
  if (version !== undefined && (typeof version !== 'string' || !SUPPORTED_PROTOCOL_VERSIONS.includes(version))) return null;
  if (headers['mcp-session-id'] !== undefined) return null;
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return null;
  const message = body as { jsonrpc?: unknown; id?: unknown; method?: unknown };
  if (message.jsonrpc !== '2.0' || message.method !== 'tools/call') return null;
  if (!(typeof message.id === 'string' || (typeof message.id === 'number' && Number.isInteger(message.id)))) return null;
  // The shape CallToolRequestSchema checks (extra fields pass), checked by hand: zod costs
  // more here than the rest of reading the request.
  const params = (body as { params?: unknown }).params;
  if (!isRecord(params) || 'task' in params) return null;
  if (params._meta !== undefined && (!isRecord(params._meta) || params._meta.progressToken !== undefined)) return null;
  // The SDK answers these with "Internal error"; a caller deserves to hear what is wrong.
  if (typeof params.name !== 'string') return { id: message.id, invalid: 'Invalid params: tools/call needs params.name, the tool to call (a string).' };
  if (params.arguments !== undefined && !isRecord(params.arguments)) return { id: message.id, invalid: 'Invalid params: params.arguments must be an object of named arguments.' };
  return { id: message.id, params: { name: params.name, arguments: params.arguments } };
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** application/json, with at most a UTF-8 charset: what this path decodes exactly as express.json does. */
function isJson(contentType: string | undefined): boolean {
  if (!contentType) return false;
  const [type, ...params] = contentType.split(';').map((p) => p.trim().toLowerCase());
  return type === 'application/json' && params.every((p) => p === 'charset=utf-8');
}

/** The body, up to the limit; past it the rest is read and dropped, so the answer can still be sent. */
function readBody(req: IncomingMessage): Promise<{ kind: 'text'; text: string } | { kind: 'empty' } | { kind: 'too-large' }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= BODY_LIMIT_BYTES) chunks.push(chunk);
    });
    req.on('end', () => resolve(size > BODY_LIMIT_BYTES ? { kind: 'too-large' } : size === 0 ? { kind: 'empty' } : { kind: 'text', text: Buffer.concat(chunks).toString('utf8') }));
    req.on('error', reject);
  });
}

/** JSON as express.json reads it in strict mode: an object or an array, else undefined. */
function parseJson(text: string): unknown {
  const first = /\S/.exec(text)?.[0];
  if (first !== '{' && first !== '[') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
