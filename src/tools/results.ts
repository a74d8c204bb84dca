// Shaping tool results (shared/TOOLS.md): structuredContent is the result object and a
// text block carries the same JSON for clients that only read text.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { MarketError } from '../core/errors.js';

/** Policy warnings (a budget nearly used up) ride along as extra text the model reads. */
export function success(result: Record<string, unknown>, warnings: readonly string[] = []): CallToolResult {
  return {
    content: [{ type: 'text', text: JSON.stringify(result) }, ...warnings.map((w) => ({ type: 'text' as const, text: `Warning: ${w}` }))],
    structuredContent: result,
  };
}

export function failure(error: MarketError): CallToolResult {
  const structured = { error: error.toJSON() };
  return { isError: true, content: [{ type: 'text', text: JSON.stringify(structured) }], structuredContent: structured };
}
