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
  const valid: fc.Arbitrary<string>[] = [
    fc.string({ minLength: min, maxLength: Math.min(max, 40) }),
    fc.string({ unit: 'grapheme', minLength: min, maxLength: Math.min(max, 20) }),
  ];
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
    return wellFormed
      ? fc.constantFrom(...schema.enum)
      : fc.oneof({ arbitrary: fc.constantFrom(...schema.enum), weight: 8 }, { arbitrary: stringValue(schema, ids, false), weight: 1 });
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
        minLength: wellFormed ? (schema.minItems ?? 0) : 0,
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
  const declared = fc.record(fields, { requiredKeys: schema.required ?? [] });
  if (mode === 'well-formed') return declared;
  const loose = fc.record(fields, { requiredKeys: [] });
  const extra = fc.dictionary(fc.constantFrom('amount', 'admin', '__proto__', 'constructor', 'agent_id', 'role', 'sponsor_id'), fc.jsonValue({ maxDepth: 1 }), { maxKeys: 2 });
  return fc.oneof({ arbitrary: declared, weight: 6 }, { arbitrary: loose, weight: 2 }, { arbitrary: fc.tuple(declared, extra).map(([a, b]) => ({ ...a, ...b })), weight: 1 });
}

/** Arguments for a tool: of its input schema's shape, and when hostile sometimes any JSON object at all. */
export function argumentsFor(schema: JsonSchema, ids: readonly string[], mode: Mode): fc.Arbitrary<Record<string, unknown>> {
  if (mode === 'well-formed') return objectFor(schema, ids, mode);
  return fc.oneof(
    { arbitrary: objectFor(schema, ids, mode), weight: 8 },
    { arbitrary: fc.dictionary(fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }), weight: 1 },
  );
}

// ---- what attackers send, field by field ----

/** Depth of the nested JSON sent to free-form fields: far past any limit, and past JSON.stringify's own stack. */
export const ATTACK_DEPTH = 10_000;

/** Strings an attacker sends to a text field, each named for the test's report. */
export const ATTACKER_STRINGS: Record<string, string> = {
  'a lone high surrogate': '\ud800',
  'a lone low surrogate inside text': 'paid\udc00 in full',
  'a high surrogate at the end': 'thanks \ud83d',
  'a NUL': '\u0000',
  'a NUL inside text': 'ag_\u0000admin',
  '"+1 415 " repeated to 100 KB': '+1 415 '.repeat(Math.ceil(100_000 / 7)),
  '"9" a million times': '9'.repeat(1_000_000),
  'digits and separators': '4111-1111-1111-1111 '.repeat(5_000),
};

/**
 * Numbers an attacker sends to a numeric field. 2^53 + 1 is not a double: an in-process
 * client sends 2^53 again, so the HTTP cases also send it as text (RAW_ATTACKER_NUMBERS).
 */
export const ATTACKER_NUMBERS: Record<string, number> = {
  '2^53': 2 ** 53,
  '2^53 - 1': 2 ** 53 - 1,
  '-0': -0,
  '1e308': 1e308,
  '-1e308': -1e308,
};

/** As JSON text, numbers JSON.parse turns into another value (2^53, Infinity): an in-process client cannot send these. */
export const RAW_ATTACKER_NUMBERS = ['9007199254740993', '1e309'];

/** An object nested `depth` deep, built without recursion. */
export function nestedValue(depth = ATTACK_DEPTH): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = i % 2 ? [value] : { x: value };
  return value;
}

/** The same as JSON text: JSON.stringify itself overflows the stack at this depth. */
export function nestedText(depth = ATTACK_DEPTH): string {
  let open = '';
  let close = '';
  for (let i = depth - 1; i >= 0; i--) {
    open += i % 2 ? '[' : '{"x":';
    close = (i % 2 ? ']' : '}') + close;
  }
  return `${open}"bottom"${close}`;
}

export type FieldKind = 'string' | 'number' | 'json';

export interface SchemaField {
  /** Property names and array indexes from the arguments object down to the field. */
  path: (string | number)[];
  kind: FieldKind;
}

/** Every text, number and free-form JSON field of a schema, nested ones included (array items at index 0). */
export function fieldsOf(schema: JsonSchema): SchemaField[] {
  const fields: SchemaField[] = [];
  const pending: [JsonSchema, (string | number)[]][] = Object.entries(schema.properties ?? {}).map(([name, s]) => [s, [name]]);
  while (pending.length > 0) {
    const [s, path] = pending.shift()!;
    if (path.length > 6) continue;
    if (s.anyOf) {
      for (const option of s.anyOf) pending.push([option, path]);
      continue;
    }
    const kinds = new Set(s.enum ? ['string'] : types(s));
    if (kinds.has('string')) fields.push({ path, kind: 'string' });
    if (kinds.has('integer') || kinds.has('number')) fields.push({ path, kind: 'number' });
    if (kinds.has('object')) {
      if (s.properties) for (const [name, child] of Object.entries(s.properties)) pending.push([child, [...path, name]]);
      else fields.push({ path, kind: 'json' });
    }
    if (kinds.has('array')) {
      if (s.items) pending.push([s.items, [...path, 0]]);
      else fields.push({ path, kind: 'json' });
    }
    if (kinds.size === 0 && s.const === undefined) fields.push({ path, kind: 'json' });
  }
  // A field reached through several anyOf options is one field of each kind.
  const seen = new Set<string>();
  return fields.filter((f) => {
    const key = JSON.stringify(f);
    return !seen.has(key) && (seen.add(key), true);
  });
}

/** A copy of `args` with the field at `path` set to `value`, creating the objects and arrays on the way. */
export function withField(args: Record<string, unknown>, path: (string | number)[], value: unknown): Record<string, unknown> {
  const root = structuredClone(args);
  let node: Record<string | number, unknown> = root;
  path.forEach((key, i) => {
    if (i === path.length - 1) {
      node[key] = value;
      return;
    }
    const next = node[key];
    const wanted = typeof path[i + 1] === 'number' ? Array.isArray(next) : next !== null && typeof next === 'object' && !Array.isArray(next);
    if (!wanted) node[key] = typeof path[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  });
  return root;
}
