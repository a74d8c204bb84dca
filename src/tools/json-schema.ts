// The JSON Schemas tools/list publishes. A model pays for every character of them on
// every conversation, so they describe the shape and nothing more: zod's default bounds
// for integers (±2^53−1, which JSON Schema's "integer" already implies) are dropped, and
// an output schema keeps only the keywords of shape (types, fields, which are always
// there, enums): no prose (the tool's description says what matters), no bounds or
// defaults (the server wrote the value; nobody sends it), and open to fields added later.
// Every schema is also spelled the way every client reads alike (the MCP Inspector's
// schema-portability rules): no type lists, no schema that says nothing.
import { z } from 'zod';
import type { ObjectSchema } from './inventory.js';

const SAFE_BOUND = Number.MAX_SAFE_INTEGER;
/** Keywords whose value maps names (fields, definitions) to schemas. */
const NAMED_SCHEMAS = new Set(['properties', 'patternProperties', '$defs', 'definitions']);
/** Keywords whose value is data, not a schema: copied as they are. */
const DATA_KEYWORDS = new Set(['type', 'enum', 'const', 'default', 'examples', 'required']);
const SHAPE_KEYWORDS = new Set(['type', 'properties', 'required', 'items', 'enum', 'const', 'anyOf', 'oneOf', 'allOf', '$ref', '$defs', 'additionalProperties']);
/** Any JSON value, said explicitly ({} says the same to a validator, but nothing to a reader). */
const ANY_JSON = { anyOf: ['object', 'array', 'string', 'number', 'boolean', 'null'].map((type) => ({ type })) };

export function toJsonSchema(schema: ObjectSchema, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _ignored, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<string, unknown>;
  return compactSchema(rest, io);
}

function isEmpty(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

function compactSchema(node: Record<string, unknown>, io: 'input' | 'output'): Record<string, unknown> {
  if (isEmpty(node)) return ANY_JSON;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    if ((key === 'minimum' && value === -SAFE_BOUND) || (key === 'maximum' && value === SAFE_BOUND)) continue;
    if (io === 'output' && !SHAPE_KEYWORDS.has(key)) continue;
    // Open or "any value" maps and lists: the default, so said by saying nothing.
    if ((key === 'additionalProperties' || key === 'items') && (isEmpty(value) || value === true)) continue;
    if (key === 'additionalProperties' && value === false && io === 'output') continue;
    if (key === 'propertyNames' && JSON.stringify(value) === '{"type":"string"}') continue; // JSON keys are strings anyway
    if (DATA_KEYWORDS.has(key) || typeof value !== 'object' || value === null) out[key] = value;
    else if (NAMED_SCHEMAS.has(key)) out[key] = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, compactSchema(v as Record<string, unknown>, io)]));
    else if (Array.isArray(value)) out[key] = value.map((v) => compactSchema(v as Record<string, unknown>, io));
    else out[key] = compactSchema(value as Record<string, unknown>, io);
  }
  const { type, ...rest } = out;
  return Array.isArray(type) ? { ...rest, anyOf: type.map((t) => ({ type: t })) } : out;
}
