// fast-check arbitraries for a tool's arguments, read from the JSON Schema its tools/list
// entry publishes: values of the right shape that are hostile at the edges (limits,
// fractions, negatives, unicode, SQL and FTS5 syntax, huge text), the wrong type now and
// then, fields nobody declared, and ids of real things so some calls reach deep.
import fc from 'fast-check';

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  minItems?: number;
  maxItems?: number;
  pattern?: string;
}

export const HOSTILE_STRINGS = [
  '',
  ' ',
  '"',
  "'",
  "' OR '1'='1",
  "x'); DROP TABLE agents; --",
  '%',
  '_%_',
  '*',
  'a*',
  'NEAR(a b)',
  'a OR b AND NOT c',
  '"unterminated',
  '^',
  'title:x',
  '(',
  '{}',
  'NULL',
  '\u0000',
  'a\u0000b',
  '\u202eevil',
  '\ud800',
  '🧨💥👩‍👩‍👧',
  'ａｄｍｉｎ',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '-1',
  '1e309',
  'x'.repeat(100_001),
] as const;

export const HOSTILE_NUMBERS = [
  0,
  -0,
  -1,
  0.5,
  1.5,
  -1.5,
  1e-300,
  2 ** 31,
  2 ** 53,
  Number.MAX_SAFE_INTEGER,
  Number.MAX_SAFE_INTEGER + 2,
  -Number.MAX_SAFE_INTEGER,
  9_007_199_254_740.99,
  1e308,
  -1e308,
] as const;

const HEX = '0123456789abcdef'.split('');

function types(schema: JsonSchema): string[] {
  if (Array.isArray(schema.type)) return schema.type;
  return schema.type ? [schema.type] : [];
}

/** Mostly strings the schema accepts (hostile ones among them), sometimes just past its limits. */
function stringValue(schema: JsonSchema, ids: readonly string[], wellFormed: boolean): fc.Arbitrary<string> {
  const min = schema.minLength ?? 0;
  const max = schema.maxLength ?? 200;
  const fits = HOSTILE_STRINGS.filter((h) => h.length >= min && h.length <= max);
  const valid: fc.Arbitrary<string>[] = [fc.string({ minLength: min, maxLength: Math.min(max, 40) }), fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 20) })];
  if (fits.length) valid.push(fc.constantFrom(...fits));
  if (ids.length) valid.push(fc.constantFrom(...ids));
  if (schema.pattern?.includes('0-9a-fA-F')) valid.push(fc.string({ unit: fc.constantFrom(...HEX), minLength: 64, maxLength: 64 }));
  if (wellFormed) return fc.oneof(...valid);
  const invalid: fc.Arbitrary<string>[] = [fc.constantFrom(...HOSTILE_STRINGS), fc.constant('y'.repeat(max + 1))];
  if (schema.maxLength !== undefined) invalid.push(fc.constant('y'.repeat(schema.maxLength)));
  return fc.oneof({ arbitrary: fc.oneof(...valid), weight: 5 }, { arbitrary: fc.oneof(...invalid), weight: 1 });
}

/** Mostly numbers in range, sometimes the edges, fractions, negatives and huge values. */
function numberValue(schema: JsonSchema, integer: boolean, wellFormed: boolean): fc.Arbitrary<number> {
  const min = schema.minimum ?? -1e6;
  const max = schema.maximum ?? 1e6;
  const inRange = integer
    ? fc.integer({ min: Math.ceil(Math.max(min, -Number.MAX_SAFE_INTEGER)), max: Math.floor(Math.min(max, Number.MAX_SAFE_INTEGER)) })
    : fc.double({ min, max, noNaN: true });
  const small = integer ? fc.integer({ min: Math.max(Math.ceil(min), 0), max: Math.max(Math.ceil(min), Math.min(Math.floor(max), 1_000)) }) : inRange;
  if (wellFormed) return fc.oneof({ arbitrary: small, weight: 3 }, { arbitrary: inRange, weight: 1 });
  const edges = [min, max, min - 1, max + 1, min + 0.5].filter(Number.isFinite);
  return fc.oneof(
    { arbitrary: small, weight: 4 },
    { arbitrary: inRange, weight: 2 },
    { arbitrary: fc.constantFrom(...HOSTILE_NUMBERS, ...edges), weight: 1 },
    { arbitrary: fc.double({ noNaN: true, noDefaultInfinity: true }), weight: 1 },
  );
}

/** Which values to make: only ones the schema accepts, or hostile ones (the wrong type, past the limits) too. */
export type Mode = 'well-formed' | 'hostile';

/** A value for one schema: of its shape, and when hostile now and then any JSON at all. */
export function valueFor(schema: JsonSchema, ids: readonly string[], mode: Mode, depth = 0): fc.Arbitrary<unknown> {
  if (mode === 'well-formed') return shaped(schema, ids, mode, depth);
  return fc.oneof({ arbitrary: shaped(schema, ids, mode, depth), weight: 12 }, { arbitrary: fc.jsonValue({ maxDepth: 2 }), weight: 1 });
}

function shaped(schema: JsonSchema, ids: readonly string[], mode: Mode, depth: number): fc.Arbitrary<unknown> {
  const wellFormed = mode === 'well-formed';
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) {
    return wellFormed ? fc.constantFrom(...schema.enum) : fc.oneof({ arbitrary: fc.constantFrom(...schema.enum), weight: 8 }, { arbitrary: stringValue(schema, ids, false), weight: 1 });
  }
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => shaped(s, ids, mode, depth)));
  const [type] = types(schema);
  switch (type) {
    case 'string':
      return stringValue(schema, ids, wellFormed);
    case 'integer':
      return numberValue(schema, true, wellFormed);
    case 'number':
      return numberValue(schema, false, wellFormed);
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array':
      return fc.array(schema.items && depth < 3 ? valueFor(schema.items, ids, mode, depth + 1) : fc.jsonValue({ maxDepth: 1 }), {
        minLength: wellFormed ? schema.minItems ?? 0 : 0,
        maxLength: Math.min(schema.maxItems ?? 4, 4) + (wellFormed ? 0 : 1),
      });
    case 'object':
      return depth < 3 ? objectFor(schema, ids, mode, depth + 1) : fc.object({ maxDepth: 1 });
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** An object of the schema's fields (required ones present when well-formed), when hostile sometimes with a field it does not declare. */
export function objectFor(schema: JsonSchema, ids: readonly string[], mode: Mode, depth = 0): fc.Arbitrary<Record<string, unknown>> {
  const properties = schema.properties ?? {};
  const fields = Object.fromEntries(Object.entries(properties).map(([name, s]) => [name, valueFor(s, ids, mode, depth)]));
  const declared = fc.record(fields, { requiredKeys: (schema.required ?? []) as never });
  if (mode === 'well-formed') return declared;
  const loose = fc.record(fields, { requiredKeys: [] });
  const extra = fc.dictionary(fc.constantFrom('amount', 'admin', '__proto__', 'constructor', 'agent_id', 'role', 'sponsor_id'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
  return fc.oneof(
    { arbitrary: declared, weight: 6 },
    { arbitrary: loose, weight: 2 },
    { arbitrary: fc.tuple(declared, extra).map(([a, b]) => ({ ...a, ...b })), weight: 1 },
  );
}

/** Arguments for a tool: of its input schema's shape, and when hostile sometimes any JSON object at all. */
export function argumentsFor(schema: JsonSchema, ids: readonly string[], mode: Mode): fc.Arbitrary<Record<string, unknown>> {
  if (mode === 'well-formed') return objectFor(schema, ids, mode);
  return fc.oneof({ arbitrary: objectFor(schema, ids, mode), weight: 8 }, { arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), weight: 1 });
}
