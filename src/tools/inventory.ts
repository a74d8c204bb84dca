// A tool is a value: name, words for the model, schemas, annotations, who may see it,
// and one handler. The server lists and runs these values and nothing else, so
// read-only mode, toolsets, roles and the gate apply to every tool by construction.
import { z } from 'zod';
import type { AppContext } from '../context.js';
import type { Caller, Role } from '../domain/identity/caller.js';
import type { ApprovedCallRunner } from '../domain/governance/approvals.js';
import type { ActionFacts } from '../domain/governance/evaluate.js';
import type { Toolset } from '../toolsets.js';

export interface ToolAnnotations {
  readOnlyHint: boolean;
  destructiveHint: boolean;
  idempotentHint: boolean;
  openWorldHint: boolean;
}

export interface ToolCall {
  ctx: AppContext;
  caller: Caller;
  /** Reports progress to a client that asked for it (MCP progress notifications); absent otherwise. */
  progress?: (message: string) => void;
  /** This connection's toolsets, for the tools that list and open them (absent where no server lists tools). */
  toolsets?: ToolsetControl;
  /**
   * Runs the call a sponsor approves, as the agent that asked (src/approved-calls.ts, lent
   * by the composition root): the tools that decide approvals cannot import the inventory
   * they belong to.
   */
  approvedCalls: ApprovedCallRunner;
}

/** What the toolset tools may see and change of the serving connection (implemented in src/server.ts). */
export interface ToolsetControl {
  list(): Promise<{ name: Toolset; description: string; enabled: boolean; tool_count: number }[]>;
  /** Opens (or closes) toolsets for this caller; answers the toolsets now enabled. */
  change(names: readonly Toolset[], open: boolean): Promise<Toolset[]>;
}

export type ObjectSchema = z.ZodObject<z.ZodRawShape>;

/** One output schema, or one per role when agents and sponsors get different shapes. */
export type OutputSpec = ObjectSchema | Partial<Record<Role, ObjectSchema>>;

/** What a handler answers: an object its output schema accepts (one of the roles' schemas, when they differ). */
export type ToolResult<Out extends OutputSpec> = z.input<Out extends ObjectSchema ? Out : NonNullable<Out[keyof Out]>>;

// Handlers are methods, not function-valued fields: a definition typed by its own
// schemas then still joins the one list of every tool (ALL_TOOLS), whose entries the
// server calls with arguments their input schema has already parsed.
export interface ToolDefinition<In extends ObjectSchema = ObjectSchema, Out extends OutputSpec = OutputSpec> {
  name: string;
  title: string;
  /** Written for a model: what it does, what it costs, what it returns, what to do next. */
  description: string;
  toolset: Toolset;
  roles: readonly Role[];
  input: In;
  output: Out;
  /** One of the named presets below. */
  annotations: ToolAnnotations;
  /**
   * How the policy sees a call (action type, amount, counterparty). Every tool an agent
   * can call that is not read-only must say; such calls pass the gate, and their handler
   * must be synchronous because it runs inside the gate's transaction.
   */
  action?(args: z.output<In>, call: ToolCall): ActionFacts | Promise<ActionFacts>;
  /** Typed by the output schema: a domain view that drifts from it does not compile. */
  handler(args: z.output<In>, call: ToolCall): ToolResult<Out> | Promise<ToolResult<Out>>;
  /**
   * Work outside the database before the gate (e.g. resolving a lightning address to an
   * invoice): returns the arguments the gate judges, an approval stores and the handler runs.
   */
  prepare?(args: z.output<In>, call: ToolCall): Promise<z.output<In>>;
  /**
   * Work outside the database after the handler committed (e.g. paying the invoice it
   * reserved money for). It receives the handler's result, also on an idempotent replay,
   * so it must finish what is unfinished and otherwise just report.
   */
  after?(result: ToolResult<Out>, call: ToolCall): Promise<ToolResult<Out>>;
}

/**
 * Keeps each definition's handler typed by its own input schema, and makes the input
 * strict: an agent that misspells a field (amount for amount_sats) gets INVALID_INPUT
 * instead of a call that silently ignores what it meant.
 */
export function defineTool<In extends ObjectSchema, Out extends OutputSpec>(tool: ToolDefinition<In, Out>): ToolDefinition {
  if (tool.roles.includes('agent') && !tool.annotations.readOnlyHint && !tool.action) {
    throw new Error(`${tool.name} acts for agents but declares no action: it would bypass the policy gate.`);
  }
  if (!ANNOTATION_PRESETS.includes(tool.annotations)) {
    throw new Error(`${tool.name} declares its own annotations: use one of the named presets (READ_ONLY, ACTING, …) in src/tools/inventory.ts.`);
  }
  return { ...tool, input: tool.input.strict() };
}

/** Agents' acting calls go through the gate; reads and sponsors' own tools do not. */
export function isGated(tool: ToolDefinition, role: Role): boolean {
  return role === 'agent' && tool.action !== undefined;
}

export function outputSchemaFor(tool: ToolDefinition, role: Role): ObjectSchema | undefined {
  return tool.output instanceof z.ZodObject ? tool.output : tool.output[role];
}

export interface InventoryFilter {
  role: Role;
  /** null: every toolset. */
  toolsets: readonly Toolset[] | null;
  readOnly: boolean;
}

/** The tools a caller sees, in a stable order (by name) so tools/list snapshots are deterministic. */
export function selectTools(all: readonly ToolDefinition[], filter: InventoryFilter): ToolDefinition[] {
  return all
    .filter((t) => t.roles.includes(filter.role))
    .filter((t) => filter.toolsets === null || filter.toolsets.includes(t.toolset))
    .filter((t) => !filter.readOnly || t.annotations.readOnlyHint)
    .sort((a, b) => a.name.localeCompare(b.name));
}

// The annotation sets a tool may declare, each named for what it tells a client. A tool
// takes one of these (defineTool refuses any other), so equal behaviour reads the same
// everywhere and a new combination is a decision made here.
const preset = (hints: ToolAnnotations): ToolAnnotations => Object.freeze(hints);

/** A free read of the market. */
export const READ_ONLY = preset({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false });
/** A read that asks the outside world (the wallet, the relays). */
export const READ_ONLY_OPEN_WORLD = preset({ readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: true });
/** An action inside the market. */
export const ACTING = preset({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false });
/** An action whose repetition changes nothing more (a rating replaced, a status set). */
export const ACTING_IDEMPOTENT = preset({ readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false });
/** An action that reaches the outside world (pays over Lightning, publishes to relays). */
export const ACTING_OPEN_WORLD = preset({ readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: true });
/** Ends or removes something for good. */
export const DESTRUCTIVE = preset({ readOnlyHint: false, destructiveHint: true, idempotentHint: false, openWorldHint: false });
/** Ends or removes something; doing it again changes nothing more. */
export const DESTRUCTIVE_IDEMPOTENT = preset({ readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false });

const ANNOTATION_PRESETS: readonly ToolAnnotations[] = [READ_ONLY, READ_ONLY_OPEN_WORLD, ACTING, ACTING_IDEMPOTENT, ACTING_OPEN_WORLD, DESTRUCTIVE, DESTRUCTIVE_IDEMPOTENT];
