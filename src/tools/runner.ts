// Every tools/call passes here: authenticate, check the caller may use the tool,
// validate, run, shape. Domain errors become coded results; anything else is logged
// and reported as INTERNAL without leaking internals to the model.
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { z } from 'zod';
import type { AppContext } from '../context.js';
import { isMarketError, MarketError } from '../core/errors.js';
import type { Caller } from '../domain/identity/caller.js';
import { passGate } from '../domain/governance/gate.js';
import { withIdempotency } from '../domain/idempotency.js';
import { assertStorableInput } from '../domain/input-text.js';
import { approvalPointers } from '../domain/governance/approval-link.js';
import { defaultDbPath } from '../config.js';
import { isGated, type ToolCall, type ToolDefinition } from './inventory.js';

/** What the serving connection lends a call beyond the caller: progress reporting, its toolsets. */
export type CallExtras = Pick<ToolCall, 'progress' | 'toolsets' | 'approvedCalls'>;
import { failure, success } from './results.js';

export async function runTool(ctx: AppContext, tool: ToolDefinition, rawArgs: unknown, resolveCaller: () => Caller | Promise<Caller>, extras: CallExtras): Promise<CallToolResult> {
  const answer = await answerCall(ctx, tool, rawArgs, resolveCaller, extras);
  // No answer leaves before what it reports (or could have read) is durable: a crash can
  // lose only calls nobody was told about, and their retries run them once.
  try {
    await ctx.db.durable();
  } catch (error) {
    return unexpected(ctx, tool, error);
  }
  return answer;
}

async function answerCall(ctx: AppContext, tool: ToolDefinition, rawArgs: unknown, resolveCaller: () => Caller | Promise<Caller>, extras: CallExtras): Promise<CallToolResult> {
  try {
    const caller = await resolveCaller();
    if (!tool.roles.includes(caller.role)) {
      throw new MarketError('FORBIDDEN', `${tool.name} is not available to ${caller.role}s.`);
    }
    // Before zod: text that cannot be stored as sent, or nesting deep enough to overflow a
    // recursive parser, is refused here for every tool at once (src/domain/input-text.ts).
    assertStorableInput(rawArgs ?? {});
    const parsed = tool.input.safeParse(rawArgs ?? {});
    if (!parsed.success) throw invalidInput(parsed.error);
    const call: ToolCall = { ctx, caller, ...extras };
    const data = tool.prepare ? await tool.prepare(parsed.data, call) : parsed.data;
    const finish = async (result: Record<string, unknown>) => (tool.after ? tool.after(result, call) : result);
    if (!isGated(tool, caller.role)) {
      // Sponsors' keyed calls (a top-up invoice) pass no gate, but their key must still mean one effect.
      const { idempotency_key: key, ...keyless } = data as Record<string, unknown>;
      if (typeof key !== 'string') return success(await finish(await tool.handler(data, call)));
      const { result } = await withIdempotency(ctx.db, ctx.clock, { callerId: caller.id, tool: tool.name, key, args: keyless }, (tx) =>
        tool.handler(data, inTransaction(call, tx)),
      );
      return success(await finish(result));
    }

    const { idempotency_key: idempotencyKey, ...args } = data as Record<string, unknown>;
    // Group commit: gated calls arriving together share one fsync (src/db/connection.ts).
    const answer = await passGate(
      ctx.db,
      ctx.clock,
      {
        agentId: caller.id,
        tool: tool.name,
        args,
        idempotencyKey: typeof idempotencyKey === 'string' ? idempotencyKey : undefined,
        action: (tx) => tool.action!(data, inTransaction(call, tx)),
        execute: (tx) => tool.handler(data, inTransaction(call, tx)),
      },
      { grouped: true },
    );
    // Work outside the database (paying an invoice, publishing to relays) starts only once the call is durable.
    await ctx.db.durable();
    if (answer.kind === 'result') return success(await finish(answer.result), answer.warnings);
    return success({ ...answer.pending, ...approvalPointers(answer.pending.approval_id, approvalWhere(ctx)) });
  } catch (error) {
    if (isMarketError(error)) return failure(error);
    return unexpected(ctx, tool, error);
  }
}

/** Where this server's sponsors decide approvals: its public address, or the database the command line must name. */
export function approvalWhere(ctx: AppContext): { publicUrl: string | null; dbPath: string | null } {
  return { publicUrl: ctx.config.publicUrl, dbPath: ctx.config.dbPath === defaultDbPath() ? null : ctx.config.dbPath };
}

function unexpected(ctx: AppContext, tool: ToolDefinition, error: unknown): CallToolResult {
  ctx.logger.error('tool failed unexpectedly', {
    tool: tool.name,
    error: error instanceof Error ? (error.stack ?? error.message) : String(error),
  });
  return failure(new MarketError('INTERNAL', 'The marketplace failed unexpectedly; nothing was changed. Try again, and report it if it persists.'));
}

/** The call as the gate's transaction runs it: everything it reads and writes goes through that transaction. */
function inTransaction(call: ToolCall, tx: AppContext['db']): ToolCall {
  return { ...call, ctx: { ...call.ctx, db: tx } };
}

function invalidInput(error: z.ZodError): MarketError {
  const issues = error.issues.map((i) => ({ path: i.path.map(String).join('.') || '(arguments)', message: i.message }));
  const summary = issues.map((i) => `${i.path}: ${i.message}`).join('; ');
  return new MarketError('INVALID_INPUT', `Invalid arguments: ${summary}. Fix them and call again.`, { issues });
}
