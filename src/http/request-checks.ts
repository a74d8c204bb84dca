// What every MCP route asks of a request before it runs anything, and the answers it
// gives when the request fails: express's routes (app.ts) and the direct path for plain
// tool calls (direct-calls.ts) both judge by these, so neither is a way around the other.
import type { IncomingMessage } from 'node:http';
import type { Config } from '../config.js';
import { hostnameOf, judgeOrigin, ownHostnames, servedAddresses, type ServedAddresses } from './served-addresses.js';

/** An HTTP answer: status, extra headers, JSON body. */
export interface Answer {
  status: number;
  headers?: Record<string, string>;
  body: unknown;
}

export function rpcError(code: number, message: string) {
  return { jsonrpc: '2.0', error: { code, message }, id: null };
}

/** The most a request body may carry on /mcp, /messages (express.json's limit there too). */
export const BODY_LIMIT_BYTES = 1024 * 1024;
export const BODY_TOO_LARGE: Answer = { status: 413, body: rpcError(-32600, 'The request body is over 1mb.') };
export const BODY_NOT_JSON: Answer = { status: 400, body: rpcError(-32700, 'Parse error: the body is not a JSON-RPC message in JSON.') };

const REALM = 'agent-marketplace';

/** The token of an `Authorization: Bearer …` header, or null. */
export function bearerToken(header: string | undefined): string | null {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match ? match[1]! : null;
}

/** 401 with the challenge RFC 6750 asks for, telling a missing token from a bad one. */
export function unauthorizedAnswer(hadToken: boolean): Answer {
  return {
    status: 401,
    headers: { 'WWW-Authenticate': hadToken ? `Bearer realm="${REALM}", error="invalid_token"` : `Bearer realm="${REALM}"` },
    body: {
      error: {
        code: 'UNAUTHORIZED',
        message: hadToken ? 'The bearer token is unknown or revoked.' : 'Send Authorization: Bearer <token>. `agent-marketplace init` or `agent create` prints a token.',
      },
    },
  };
}

/** The names Host may carry change only when the configuration does (the public URL is set once bound). */
let knownHostnames: { key: string; names: Set<string> } | null = null;
function hostnamesOf(served: ServedAddresses): Set<string> {
  const key = `${served.publicUrl}\n${served.names.join('\n')}`;
  if (knownHostnames?.key !== key) knownHostnames = { key, names: ownHostnames(served) };
  return knownHostnames.names;
}

/**
 * Host must name this server, on every route (a DNS-rebound name is refused before
 * anything else reads the request).
 */
export function hostRefusal(config: Pick<Config, 'http' | 'publicUrl'>, req: IncomingMessage): Answer | null {
  const hostname = hostnameOf(req.headers.host);
  if (hostname !== null && hostnamesOf(servedAddresses(config, req.socket.localPort)).has(hostname)) return null;
  return { status: 403, body: rpcError(-32000, `Host not allowed: ${req.headers.host ?? '(none)'}`) };
}

/**
 * Past the console, Origin must be absent or one of this server's own, scheme, host and
 * port compared: a page on another port of the same machine is another site
 * (served-addresses.ts), and an opaque origin ("null") is no origin of ours. The console
 * judges its own requests (console.ts): its forms carry a CSRF token as well.
 */
export function originRefusal(config: Pick<Config, 'http' | 'publicUrl'>, req: IncomingMessage): Answer | null {
  const verdict = judgeOrigin(req.headers.origin, servedAddresses(config, req.socket.localPort));
  if (verdict === 'absent' || verdict === 'own') return null;
  return { status: 403, body: rpcError(-32000, `Origin not allowed: ${req.headers.origin}`) };
}
