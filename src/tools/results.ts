// Shaping tool results (shared/TOOLS.md): structuredContent is the result object and a
// text block carries the same JSON for clients that only read text.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MarketError } from '../domain/errors.js';

export function success(result: Record<string, unknown>): CallToolResult {
  return { content: [{ type: 'text', text: JSON.stringify(result) }], structuredContent: result };
}

export function failure(error: MarketError): CallToolResult {
  const structured = { error: error.toJSON() };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
}
