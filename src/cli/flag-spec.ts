// What a flag of `agent-marketplace` is, apart from the commands that take it (so the
// shared option groups, flag-sets.ts, and the commands, command-spec.ts, both build on it).
interface FlagCommon {
  /** One line (a `\n` breaks it where the help should). */
  summary: string;
  /** The environment variable that stands in for the flag. */
  env?: string;
  /** What applies when the flag is absent, in words (the parser applies `default` itself). */
  defaultText?: string;
}

export interface BooleanFlag extends FlagCommon {
  type: 'boolean';
  short?: string;
}

export interface StringFlag extends FlagCommon {
  type: 'string';
  /** The placeholder shown after the flag: `--agent ID`. */
  value: string;
  /** `true`, or why it is needed; the parser names a missing one. */
  required?: true | string;
  default?: string;
  choices?: readonly string[];
  multiple?: false;
}

export interface ListFlag extends FlagCommon {
  type: 'string';
  value: string;
  multiple: true;
}

export type FlagSpec = BooleanFlag | StringFlag | ListFlag;
export type FlagSpecs = Readonly<Record<string, FlagSpec>>;
