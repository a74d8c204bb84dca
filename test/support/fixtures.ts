// One-line builders for the scenarios: a temporary database, a sponsor with a funded
// agent, a real MCP client connected over the in-memory transport pair.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { loadConfig, type ConfigInput } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { fundAgentFromSandbox } from '../../src/domain/agents/funding.js';
import type { Clock } from '../../src/domain/clock.js';
import { authenticate, createAgent, createSponsor, rotateOperatorToken } from '../../src/domain/identity/registration.js';
import { silentLogger } from '../../src/core/logger.js';
import { satsToMsats } from '../../src/domain/money.js';
import { openContext } from '../../src/runtime.js';
import { createServer } from '../../src/server.js';
import { TEMPLATE_DATABASE } from './pg-global.js';

export function tempDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'agent-marketplace-test-'));
}

/**
 * Under npm run test:postgres (pg-global.ts), a fresh PostgreSQL database copied from the
 * migrated template; otherwise a SQLite file in a new temporary folder.
 */
export function tempDbPath(): string {
  const admin = process.env.MARKETPLACE_TEST_POSTGRES;
  if (!admin) return path.join(tempDir(), 'marketplace.db');
  const name = `t_${randomBytes(8).toString('hex')}`;
  const { hostname, port } = new URL(admin);
  execFileSync(path.join(process.env.MARKETPLACE_TEST_PG_BIN!, 'createdb'), ['-h', hostname, '-p', port, '-U', 'postgres', '-T', TEMPLATE_DATABASE, name]);
  return admin.replace(/\/postgres$/, `/${name}`);
}

/** True when this run's databases are PostgreSQL (npm run test:postgres). */
export const onPostgres = Boolean(process.env.MARKETPLACE_TEST_POSTGRES);

/** A clock the test moves by hand, for holds, runway and expiries. */
export class ManualClock implements Clock {
  private current: number;
  constructor(start = '2026-11-23T12:00:00.000Z') {
    this.current = Date.parse(start);
  }
  now(): Date {
    return new Date(this.current);
  }
  advance(ms: number): void {
    this.current += ms;
  }
}

export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

const opened: AppContext[] = [];

export async function makeContext(options: { clock?: Clock; config?: ConfigInput } = {}): Promise<AppContext> {
  const config = loadConfig({ db: tempDbPath(), ...options.config }, {});
  const ctx = await openContext(config, { clock: options.clock ?? new ManualClock(), logger: silentLogger });
  opened.push(ctx);
  return ctx;
}

export async function closeContexts(): Promise<void> {
  for (const ctx of opened.splice(0)) {
    ctx.rail.close();
    await ctx.db.close().catch(() => undefined);
  }
}

export function sponsor(ctx: AppContext, name = 'Acme sponsor') {
  return createSponsor(ctx.db, ctx.clock, { name });
}

export function agent(ctx: AppContext, sponsorId: string, name = 'Agent') {
  return createAgent(ctx.db, ctx.clock, { sponsorId, name });
}

/** The operator's token (resolves disputes). */
export async function operatorToken(ctx: AppContext): Promise<string> {
  return (await rotateOperatorToken(ctx.db, ctx.clock)).token;
}

/** A sponsor and one agent funded with `sats` on the sandbox rail. */
export async function fundedAgent(ctx: AppContext, sats = 10_000) {
  const s = await sponsor(ctx);
  const a = await agent(ctx, s.id, 'Funded agent');
  if (sats > 0) await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: a.id, amountMsats: satsToMsats(sats) });
  return { sponsor: s, agent: a };
}

export async function connect(ctx: AppContext, token: string, options: { toolsets?: string[] | null; readOnly?: boolean; watchIntervalMs?: number } = {}): Promise<Client> {
  const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
  const server = createServer(ctx, {
    caller: async () => {
      const caller = await authenticate(ctx.db, token);
      if (!caller) throw new Error('test token is not valid');
      return caller;
    },
    ...options,
  });
  await server.connect(serverSide);
  const client = new Client({ name: 'test-client', version: '1.0.0' });
  await client.connect(clientSide);
  return client;
}

/** Calls a tool through the real client; returns its structured result (errors included). */
export async function call(client: Client, name: string, args: Record<string, unknown> = {}): Promise<{ isError: boolean; data: any }> {
  const result = (await client.callTool({ name, arguments: args })) as CallToolResult;
  const text = result.content[0]?.type === 'text' ? result.content[0].text : undefined;
  if (text !== undefined) expectSameJson(text, result.structuredContent);
  return { isError: result.isError === true, data: result.structuredContent };
}

function expectSameJson(text: string, structured: unknown): void {
  if (JSON.stringify(JSON.parse(text)) !== JSON.stringify(structured)) {
    throw new Error(`text block and structuredContent differ:\n${text}\n${JSON.stringify(structured)}`);
  }
}
