// JSON-RPC batches on the HTTP transports. MCP revision 2025-06-18 removed them; earlier
// revisions allow them, and the SDK's Streamable HTTP transport runs up to 100 messages of
// one batch at once. Left alone, a batch is a hundred calls for the price of one request
// (rate limit) and one lookup of the token. So: under the revisions that dropped batches a
// batch is refused, and under older ones each message costs what a request costs.
import type { NextFunction, Request, Response } from 'express';
import { DEFAULT_NEGOTIATED_PROTOCOL_VERSION } from '@modelcontextprotocol/sdk/types.js';

/** The first protocol revision without JSON-RPC batching (revisions are dates, so they sort as strings). */
export const BATCHES_DROPPED_IN = '2025-06-18';

/** How many calls a parsed body carries: a batch's length, and never less than one request. */
export function callsCarried(body: unknown): number {
  return Array.isArray(body) ? Math.max(1, body.length) : 1;
}

/**
 * The revision a request speaks: an initialize request names it; later requests carry
 * the MCP-Protocol-Version header (since 2025-06-18); without either, the SDK assumes
 * 2025-03-26, and so does this.
 */
export function requestRevision(body: unknown, header: string | undefined): string {
  const messages: unknown[] = Array.isArray(body) ? body : [body];
  for (const m of messages) {
    const message = m as { method?: unknown; params?: { protocolVersion?: unknown } } | null;
    if (message?.method === 'initialize' && typeof message.params?.protocolVersion === 'string') return message.params.protocolVersion;
  }
  return header ?? DEFAULT_NEGOTIATED_PROTOCOL_VERSION;
}

export function batchesAllowed(revision: string): boolean {
  return revision < BATCHES_DROPPED_IN;
}

/** Refuses, before anything runs or is counted, a batch the request's revision does not have. */
export function refuseDroppedBatches() {
  return (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'POST' || !Array.isArray(req.body)) return next();
    const revision = requestRevision(req.body, req.header('mcp-protocol-version'));
    if (batchesAllowed(revision)) return next();
    res.status(400).json({
      jsonrpc: '2.0',
      error: { code: -32600, message: `Invalid Request: protocol revision ${revision} has no JSON-RPC batches (dropped in ${BATCHES_DROPPED_IN}); send one message per request.` },
      id: null,
    });
  };
}
