// Hostile input, as an agent's bugs or an attacker would send it. Every tool each role
// can list gets generated arguments (its own schema's shape with hostile values, the
// wrong types, extra fields, any JSON at all); every answer must be a coded error or a
// result that matches the tool's output schema, the server must keep answering, and a
// call that fails must leave the database as it found it. Then every string, number and
// free-form field gets what attackers send (lone surrogates, NUL, megabytes of digits,
// 2^53, -0, 1e308, JSON 10,000 deep), in process and as raw text over HTTP; the ledger
// must still verify. Then the HTTP endpoint gets malformed JSON-RPC. Seeds are fixed, so a
// failure reproduces.
import { createHash } from 'node:crypto';
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Statement } from 'better-sqlite3';
import type { Db } from '../../src/db/connection.js';
import { ERROR_CODES } from '../../src/core/errors.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { createHttpApp, listen } from '../../src/http/app.js';
import { connect } from '../support/fixtures.js';
import { buildWorld, closeWorld, type MarketWorld } from '../support/market-world.js';
import {
  argumentsFor,
  ATTACK_DEPTH,
  ATTACKER_NUMBERS,
  ATTACKER_STRINGS,
  type FieldKind,
  fieldsOf,
  type JsonSchema,
  nestedText,
  nestedValue,
  RAW_ATTACKER_NUMBERS,
  withField,
} from '../support/schema-arbitrary.js';

const SEED = 20_261_129;
const RUNS_PER_TOOL = 15;

/**
 * The gate records every decision, refusals included, in the append-only audit log: that
 * write is the point of a refusal, not a half-done call.
 */
const WRITTEN_ON_REFUSAL = new Set(['audit_log']);

const tableReaders = new WeakMap<Db, [string, Statement][]>();

/** The content of every table (FTS5 shadow tables aside: their virtual table is included). */
function fingerprint(db: Db): Record<string, string> {
  if (!tableReaders.has(db)) {
    const tables = db.sqlite!.prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT GLOB '*_fts_*' ORDER BY name").all() as {
      name: string;
    }[];
    tableReaders.set(
      db,
      tables.filter((t) => !WRITTEN_ON_REFUSAL.has(t.name)).map((t) => [t.name, db.sqlite!.prepare(`SELECT * FROM "${t.name}"`).raw()]),
    );
  }
  return Object.fromEntries(tableReaders.get(db)!.map(([name, read]) => [name, createHash('sha256').update(JSON.stringify(read.all())).digest('hex')]));
}

function changedTables(before: Record<string, string>, after: Record<string, string>): string[] {
  return Object.keys({ ...before, ...after }).filter((t) => before[t] !== after[t]);
}

const worlds: MarketWorld[] = [];
afterAll(() => worlds.forEach(closeWorld));

const ajv = new Ajv({ strict: false, allErrors: true });
// ajv-formats' CommonJS default export is the plugin function, which its ESM typings do not say.
(addFormats as unknown as (a: Ajv) => void)(ajv);
const validators = new WeakMap<object, ValidateFunction>();
function outputValidator(outputSchema: object): ValidateFunction {
  if (!validators.has(outputSchema)) validators.set(outputSchema, ajv.compile(outputSchema));
  return validators.get(outputSchema)!;
}

/** Ids of real things, so generated strings sometimes name something that exists. */
function idPool(world: MarketWorld): string[] {
  return Object.values(world.ids).filter((v): v is string => typeof v === 'string');
}

type ListedTool = { name: string; inputSchema: JsonSchema; outputSchema: object };

/**
 * An answer is a result that matches the tool's output schema or a coded error other than
 * INTERNAL. Returns the code, or null for a result.
 */
function expectCodedAnswer(tool: ListedTool, result: CallToolResult, logs: string[], what = ''): string | null {
  if (!result.isError) {
    const valid = outputValidator(tool.outputSchema);
    expect(valid(result.structuredContent), `${tool.name}${what}: ${JSON.stringify(valid.errors)}`).toBe(true);
    return null;
  }
  const code = (result.structuredContent as { error?: { code?: string } } | undefined)?.error?.code;
  expect(ERROR_CODES, `${tool.name}${what}: ${JSON.stringify(result.structuredContent)?.slice(0, 500)}`).toContain(code);
  expect(code, `${tool.name}${what} failed unexpectedly: ${logs.at(-1)?.slice(0, 2_000)}`).not.toBe('INTERNAL');
  return code!;
}

/** A well-formed argument object for the tool, the same every run: the base each attack changes one field of. */
function baseArguments(tool: ListedTool, ids: readonly string[]): Record<string, unknown> {
  return fc.sample(argumentsFor(tool.inputSchema, ids, 'well-formed'), { seed: SEED, numRuns: 1 })[0]!;
}

/** Each attack on one tool: a field and the value sent to it, by name for the failure message. */
function attacksOn(tool: ListedTool): { field: string; path: (string | number)[]; name: string; value: unknown }[] {
  const attacks = fieldsOf(tool.inputSchema).flatMap(({ path, kind }) => {
    const values: Record<string, unknown> = kind === 'string' ? ATTACKER_STRINGS : kind === 'number' ? ATTACKER_NUMBERS : { [`JSON nested ${ATTACK_DEPTH} deep`]: nestedValue() };
    return Object.entries(values).map(([name, value]) => ({ field: path.join('.'), path, name, value }));
  });
  // Every tool, free-form fields or not, also gets an undeclared field nested deep.
  attacks.push({ field: 'an undeclared field', path: ['x_attack'], name: `JSON nested ${ATTACK_DEPTH} deep`, value: nestedValue() });
  return attacks;
}

describe.each(['agent', 'sponsor', 'operator'] as const)('every tool, fuzzed as %s', (role) => {
  let world: MarketWorld;
  let client: Client;
  let tools: ListedTool[] = [];

  beforeAll(async () => {
    world = await buildWorld();
    worlds.push(world);
    // Listed on another connection: an SDK client that has listed a tool checks even its error
    // results against the output schema and throws (typescript-sdk#1943), hiding the coded error.
    tools = (await (await connect(world.ctx, world.tokens[role])).listTools()).tools as typeof tools;
    client = await connect(world.ctx, world.tokens[role]);
  });

  it('answers a coded error or a valid result, and a failed call writes nothing', async () => {
    expect(tools.length).toBeGreaterThan(0);
    const ids = idPool(world);
    const failures = new Map<string, number>();
    let successes = 0;
    for (const tool of tools) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(argumentsFor(tool.inputSchema, ids, 'well-formed'), argumentsFor(tool.inputSchema, ids, 'hostile')), async (args) => {
          const before = fingerprint(world.ctx.db);
          const result = (await client.callTool({ name: tool.name, arguments: args })) as CallToolResult;
          const code = expectCodedAnswer(tool, result, world.logs);
          if (code === null) {
            successes += 1;
            return;
          }
          expect(changedTables(before, fingerprint(world.ctx.db)), `${tool.name} failed with ${code} but wrote`).toEqual([]);
          failures.set(code, (failures.get(code) ?? 0) + 1);
        }),
        { seed: SEED, numRuns: RUNS_PER_TOOL },
      );
      // Still answering after every tool's batch.
      expect((await client.callTool({ name: 'marketplace_whoami', arguments: {} })).isError).toBeFalsy();
    }
    // Both kinds of answer came up: the generated arguments reach past validation as well as fail it.
    expect(successes).toBeGreaterThan(tools.length / 2);
    expect(failures.get('INVALID_INPUT')).toBeGreaterThan(0);
    expect((await verifyLedger(world.ctx.db)).ok).toBe(true);
  });

  it('every string, number and free-form field, sent what attackers send, gets a coded answer', async () => {
    const ids = idPool(world);
    let calls = 0;
    for (const tool of tools) {
      const base = baseArguments(tool, ids);
      for (const { field, path, name, value } of attacksOn(tool)) {
        const what = ` (${field} = ${name})`;
        // A JSON-RPC error or a crash rejects here and fails the test.
        const result = (await client.callTool({ name: tool.name, arguments: withField(base, path, value) })) as CallToolResult;
        const code = expectCodedAnswer(tool, result, world.logs, what);
        // Text the marketplace cannot store as sent is refused, whatever the field.
        // eslint-disable-next-line no-control-regex -- NUL is one of the values sent
        if (typeof value === 'string' && /[\ud800-\udfff\u0000]/u.test(value)) expect(code, `${tool.name}${what}`).toBe('INVALID_INPUT');
        calls += 1;
      }
    }
    expect(calls).toBeGreaterThan(tools.length * 5);
    expect((await client.callTool({ name: 'marketplace_whoami', arguments: {} })).isError).toBeFalsy();
    expect(await verifyLedger(world.ctx.db)).toMatchObject({ ok: true, problems: [] });
  });
});

describe('malformed JSON-RPC over HTTP', () => {
  let world: MarketWorld;
  let http: HttpServer;
  let url: string;
  let origin: string;

  beforeAll(async () => {
    world = await buildWorld();
    worlds.push(world);
    http = await listen(createHttpApp(world.ctx), '127.0.0.1', 0);
    origin = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
    url = `${origin}/mcp`;
  });
  afterAll(() => new Promise<void>((done) => http.close(() => done())));

  async function post(body: string | Buffer, contentType = 'application/json'): Promise<{ status: number; text: string }> {
    const res = await fetch(url, {
      method: 'POST',
      headers: { authorization: `Bearer ${world.tokens.agent}`, 'content-type': contentType, accept: 'application/json, text/event-stream' },
      body,
    });
    return { status: res.status, text: await res.text() };
  }

  const rpc = (message: unknown) => JSON.stringify(message);
  const call = (params: unknown) => rpc({ jsonrpc: '2.0', id: 7, method: 'tools/call', params });
  // Built as text: JSON.stringify itself overflows the stack at this depth.
  const nested = `${'['.repeat(5_000)}"deep"${']'.repeat(5_000)}`;
  const rawCall = (tool: string, args: string) => `{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"${tool}","arguments":${args}}}`;

  const CASES: Record<string, { body: string | Buffer; contentType?: string }> = {
    'an empty body': { body: '' },
    'a cut-off object': { body: '{"jsonrpc":"2.0","id":1,' },
    'not JSON at all': { body: 'hello' },
    'JSON null': { body: 'null' },
    'a bare number': { body: '42' },
    'a bare string': { body: '"tools/list"' },
    'an empty batch': { body: '[]' },
    'a batch of garbage': { body: rpc([1, 'x', null, {}]) },
    'a batch of 500 pings': { body: rpc(Array.from({ length: 500 }, (_, i) => ({ jsonrpc: '2.0', id: i, method: 'ping' }))) },
    'a batch mixing a valid call with junk': { body: rpc([{ jsonrpc: '2.0', id: 1, method: 'tools/list' }, { id: 2 }]) },
    'no method': { body: rpc({ jsonrpc: '2.0', id: 1 }) },
    'no jsonrpc version': { body: rpc({ id: 1, method: 'tools/list' }) },
    'the wrong jsonrpc version': { body: rpc({ jsonrpc: '1.0', id: 1, method: 'tools/list' }) },
    'an object as id': { body: rpc({ jsonrpc: '2.0', id: { x: 1 }, method: 'tools/list' }) },
    'an unknown method': { body: rpc({ jsonrpc: '2.0', id: 1, method: 'marketplace/steal' }) },
    'params as a string': { body: rpc({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: 'marketplace_whoami' }) },
    'a call with no tool name': { body: call({ arguments: {} }) },
    'a call to an unknown tool': { body: call({ name: 'marketplace_mint_sats', arguments: {} }) },
    'a call to a sponsor tool': { body: call({ name: 'marketplace_set_policy', arguments: { agent_id: 'x', policy: {} } }) },
    'arguments as an array': { body: call({ name: 'marketplace_check_balance', arguments: [1, 2] }) },
    'arguments as a string': { body: call({ name: 'marketplace_send_payment', arguments: '{"amount_sats":1}' }) },
    'a sample nested 5,000 deep': {
      body: rawCall('marketplace_submit_to_bounty', `{"bounty_id":"BOUNTY","data_samples":[${nested}],"metadata":{"format":"json","sample_count":1}}`),
    },
    'metadata nested 5,000 deep': {
      body: rawCall('marketplace_submit_to_bounty', `{"bounty_id":"BOUNTY","data_samples":[{}],"metadata":{"format":"json","sample_count":1,"x":${nested}}}`),
    },
    'a bounty schema nested 5,000 deep': {
      body: rawCall(
        'marketplace_create_bounty',
        `{"title":"t","description":"d","reward_sats":1,"requirements":{"min_samples":1,"required_format":"json","schema":{"x":${nested}}}}`,
      ),
    },
    'a __proto__ key in arguments': {
      body: '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"marketplace_send_payment","arguments":{"__proto__":{"amount_sats":1},"to_agent_id":"ag_x"}}}',
    },
    'a body over the size limit': { body: call({ name: 'marketplace_update_profile', arguments: { description: 'x'.repeat(2_000_000) } }) },
    'text/plain': { body: call({ name: 'marketplace_whoami', arguments: {} }), contentType: 'text/plain' },
    'form encoding': { body: 'jsonrpc=2.0&method=tools%2Flist', contentType: 'application/x-www-form-urlencoded' },
    'invalid UTF-8': { body: Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]) },
  };

  it.each(Object.keys(CASES))('%s: a 4xx or a JSON-RPC error, never a crash', async (name) => {
    const { body, contentType } = CASES[name]!;
    const answer = await post(typeof body === 'string' ? body.replace('BOUNTY', world.ids.counterpartyBounty) : body, contentType);
    expect(answer.status, answer.text).toBeLessThan(500);
    // Whatever the status, a body is JSON: a JSON-RPC message or the marketplace's { error }.
    if (answer.text) expect(() => JSON.parse(answer.text), answer.text.slice(0, 300)).not.toThrow();
    if (answer.status < 300 && answer.text) {
      // A 2xx carries JSON-RPC: each response an error or a well-formed result, never a thrown stack.
      const parsed = JSON.parse(answer.text) as unknown;
      for (const message of Array.isArray(parsed) ? parsed : [parsed]) {
        expect(message).toHaveProperty('jsonrpc', '2.0');
        const m = message as { error?: unknown; result?: { isError?: boolean; structuredContent?: { error?: { code?: string } } } };
        if (m.result?.isError) expect(m.result.structuredContent?.error?.code).not.toBe('INTERNAL');
      }
    }
    expect(answer.text).not.toMatch(/at .+\.(js|ts):\d+/);
  });

  it('what only the wire carries (2^53 + 1 and 1e309 as text, an escaped lone surrogate, JSON 10,000 deep) gets a coded answer', async () => {
    const tools = (await (await connect(world.ctx, world.tokens.agent)).listTools()).tools as ListedTool[];
    const ids = idPool(world);
    const PLACEHOLDER = '"__attack__"';
    const deep = nestedText();
    const attacks: { tool: ListedTool; kind: FieldKind; what: string; body: string }[] = [];
    for (const tool of tools) {
      const base = baseArguments(tool, ids);
      // (Undeclared fields nested deep: in process in the tests above, 5,000 deep in the HTTP cases above.)
      for (const { path, kind } of fieldsOf(tool.inputSchema)) {
        const raws = kind === 'number' ? RAW_ATTACKER_NUMBERS : kind === 'string' ? ['"x\\udc00y"'] : [deep];
        const template = JSON.stringify(withField(base, path, JSON.parse(PLACEHOLDER)));
        for (const raw of raws) attacks.push({ tool, kind, what: ` (${path.join('.')} = ${raw.slice(0, 30)})`, body: rawCall(tool.name, template.replace(PLACEHOLDER, raw)) });
      }
    }
    // One at a time, so a failure reproduces exactly.
    for (const { tool, kind, what, body } of attacks) {
      const answer = await post(body);
      expect(answer.status, `${tool.name}${what}: ${answer.text.slice(0, 300)}`).toBe(200);
      const message = JSON.parse(answer.text) as { result?: CallToolResult; error?: unknown };
      expect(message.error, `${tool.name}${what}: a JSON-RPC error`).toBeUndefined();
      const code = expectCodedAnswer(tool, message.result!, world.logs, what);
      if (kind === 'string') expect(code, `${tool.name}${what}`).toBe('INVALID_INPUT');
    }
    expect(attacks.length).toBeGreaterThan(tools.length);
    expect(await verifyLedger(world.ctx.db)).toMatchObject({ ok: true, problems: [] });
  });

  it('any JSON or any text as a body: a 4xx or a JSON-RPC answer, and the server keeps serving', async () => {
    const bodies = fc.oneof(
      fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc
        .record({
          jsonrpc: fc.constant('2.0'),
          id: fc.jsonValue({ maxDepth: 1 }),
          method: fc.constantFrom('tools/call', 'tools/list', 'initialize', 'ping', 'resources/read'),
          params: fc.jsonValue({ maxDepth: 3 }),
        })
        .map((m) => JSON.stringify(m)),
    );
    await fc.assert(
      fc.asyncProperty(bodies, async (body) => {
        const answer = await post(body);
        expect(answer.status, answer.text).toBeLessThan(500);
        if (answer.text) expect(() => JSON.parse(answer.text), answer.text.slice(0, 300)).not.toThrow();
      }),
      { seed: SEED, numRuns: 60 },
    );
    expect((await fetch(`${origin}/healthz`)).status).toBe(200);
    const served = await post(call({ name: 'marketplace_check_balance', arguments: {} }));
    expect(served.status).toBe(200);
    expect(served.text).toContain(world.ids.agent);
  });
});

describe('what the fuzzing left in the logs', () => {
  it('carries no token', () => {
    for (const world of worlds) {
      for (const line of world.logs) {
        expect(line).not.toMatch(/\bam(sp|ag|op)_[A-Za-z0-9_-]{20,}/);
        for (const token of Object.values(world.tokens)) expect(line.includes(token)).toBe(false);
      }
    }
  });
});
