// What a command of `agent-marketplace` is: a value (name, what it does, its arguments
// and flags, the shared option groups it takes) plus one handler, as a tool is (STYLE.md).
// The parser, every help text, the usage errors and the markdown reference are read off
// these values, so a command and its documentation cannot drift apart.
import type { AppContext } from '../context.js';
import type { FLAG_SETS, FlagSetName } from './flag-sets.js';
import type { FlagSpec, FlagSpecs } from './flag-spec.js';

export type { BooleanFlag, FlagSpec, FlagSpecs, ListFlag, StringFlag } from './flag-spec.js';

/** The headings of `--help`, in the order shown. */
export const SECTIONS = ['Serving', 'Administration', 'Skills', 'Disputes', 'Compute providers', 'Governance', 'Trajectories'] as const;
export type Section = (typeof SECTIONS)[number];

export interface ArgSpec {
  /** The placeholder: ID, SLUG, SESSION_ID. */
  name: string;
  summary: string;
  /** Takes any number (at least one unless also optional). */
  variadic?: boolean;
  optional?: boolean;
}

type FlagValue<S extends FlagSpec> = S extends { type: 'boolean' }
  ? boolean | undefined
  : S extends { multiple: true }
    ? string[] | undefined
    : S extends { choices: readonly (infer C extends string)[] }
      ? S extends { required: true | string } | { default: string }
        ? C
        : C | undefined
      : S extends { required: true | string } | { default: string }
        ? string
        : string | undefined;

export type FlagValues<F> = { -readonly [K in keyof F]: F[K] extends FlagSpec ? FlagValue<F[K]> : never };

type UnionToIntersection<U> = (U extends unknown ? (u: U) => void : never) extends (i: infer I) => void ? I : never;
type SharedFlags<S extends readonly FlagSetName[]> = [S[number]] extends [never] ? Record<never, never> : UnionToIntersection<(typeof FLAG_SETS)[S[number]]>;

/** The flags a handler reads: its own and those of the shared groups it takes. */
export type CommandFlags<F extends FlagSpecs, S extends readonly FlagSetName[]> = FlagValues<F> & FlagValues<SharedFlags<S>>;

/** A handler's exit code; RUNNING when it leaves a server running. */
export type ExitCode = number;
export const RUNNING: ExitCode = -1;

interface SpecCommon<F extends FlagSpecs, S extends readonly FlagSetName[]> {
  /** The words typed: `fund`, `policy set`. */
  name: string;
  section: Section;
  summary: string;
  args?: readonly ArgSpec[];
  flags?: F;
  /** Shared option groups beyond the database options every database command takes. */
  shared?: S;
  /** Flags of which exactly one must be given. */
  exactlyOne?: readonly (keyof F & string)[];
  example?: string;
}

export interface RunInput<Flags> {
  flags: Flags;
  args: string[];
}

/** A command as the parser and the help see it, whatever its flags. */
export interface Command {
  name: string;
  section: Section;
  summary: string;
  args: readonly ArgSpec[];
  flags: FlagSpecs;
  shared: readonly FlagSetName[];
  exactlyOne: readonly string[];
  example?: string;
  /** Opens the marketplace database (every command but those on the contributor's own machine). */
  database: boolean;
  run(input: RunInput<Record<string, unknown>> & { ctx?: AppContext }): ExitCode | Promise<ExitCode>;
}

function command(spec: SpecCommon<FlagSpecs, readonly FlagSetName[]>, database: boolean, run: Command['run']): Command {
  return {
    name: spec.name,
    section: spec.section,
    summary: spec.summary,
    args: spec.args ?? [],
    flags: spec.flags ?? {},
    shared: database ? ['database', ...(spec.shared ?? [])] : (spec.shared ?? []),
    exactlyOne: spec.exactlyOne ?? [],
    example: spec.example,
    database,
    run,
  };
}

/** A command on the marketplace's database: main opens it (after parsing, so a typo creates none) and hands the handler the context. */
export function defineCommand<const F extends FlagSpecs = Record<never, never>, const S extends readonly FlagSetName[] = []>(
  spec: SpecCommon<F, S> & { run(input: RunInput<CommandFlags<F, [...S, 'database']>> & { ctx: AppContext }): ExitCode | Promise<ExitCode> },
): Command {
  return command(spec, true, (input) => spec.run(input as never));
}

/** A command that opens no marketplace database (the contributor's own session files). */
export function defineLocalCommand<const F extends FlagSpecs = Record<never, never>, const S extends readonly FlagSetName[] = []>(
  spec: SpecCommon<F, S> & { run(input: RunInput<CommandFlags<F, S>>): ExitCode | Promise<ExitCode> },
): Command {
  return command(spec, false, (input) => spec.run(input as never));
}
