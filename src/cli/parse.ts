// Reading a command line against the command table: which command, its arguments and
// flags, or what help to show. Everything a person can get wrong is a UsageError (exit 2)
// that names the mistake and, where one is close, what they meant; all of it is decided
// before any database is opened, so a typo creates none.
import { parseArgs } from 'node:util';
import type { Command, FlagSpec } from './command-spec.js';
import { FLAG_SETS } from './flag-sets.js';
import { closest } from './suggestion.js';
import { UsageError } from './usage-error.js';

export type HelpTopic = { kind: 'all' } | { kind: 'command'; command: Command } | { kind: 'group'; group: string; commands: Command[] };

export type Invocation =
  { kind: 'version' } | { kind: 'help'; topic: HelpTopic; markdown: boolean } | { kind: 'run'; command: Command; flags: Record<string, unknown>; args: string[] };

/** Every command takes --help (-h); `help` takes --markdown. */
const HELP_FLAGS = {
  help: { type: 'boolean', short: 'h', summary: 'what the command takes' },
  markdown: { type: 'boolean', summary: 'every command and flag, as markdown for the docs' },
} as const satisfies Record<string, FlagSpec>;

/** A command's own flags and those of the shared groups it takes. */
export function commandFlags(command: Command): Record<string, FlagSpec> {
  return Object.assign({}, command.flags, ...command.shared.map((set) => FLAG_SETS[set])) as Record<string, FlagSpec>;
}

/** What parseArgs must know to read any command line: which flags take a value. A name means one thing in every command (test/unit/cli-table.test.ts). */
function anyCommandOptions(commands: readonly Command[]) {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const spec of [HELP_FLAGS, ...Object.values(FLAG_SETS), ...commands.map((c) => c.flags)]) {
    for (const [name, flag] of Object.entries(spec))
      options[name] = { type: flag.type, ...('short' in flag && flag.short ? { short: flag.short } : {}), ...(flag.type === 'string' && flag.multiple ? { multiple: true } : {}) };
  }
  return options;
}

const words = (name: string) => name.split(' ');

function groupOf(group: string, commands: readonly Command[]): Command[] {
  return commands.filter((c) => words(c.name).length > 1 && words(c.name)[0] === group);
}

/** The command the leading words name (the longest match), and the words after it. */
function findCommand(positionals: readonly string[], commands: readonly Command[]): { command: Command; args: string[] } | undefined {
  let found: Command | undefined;
  for (const c of commands) {
    const w = words(c.name);
    if (w.every((word, i) => positionals[i] === word) && (!found || w.length > words(found.name).length)) found = c;
  }
  return found && { command: found, args: positionals.slice(words(found.name).length) };
}

function unknownCommand(positionals: readonly string[], commands: readonly Command[]): UsageError {
  const [first, second] = positionals as [string, string | undefined];
  // "agent list" for "agents list", "polcy show" for "policy show": the same verb under a group of a close name.
  const sameVerb =
    second === undefined
      ? undefined
      : closest(
          first,
          commands.filter((c) => words(c.name)[1] === second).map((c) => words(c.name)[0]!),
        );
  const group = groupOf(first, commands);
  if (group.length > 0 && second !== undefined) {
    const verb = closest(
      second,
      group.map((c) => words(c.name)[1]!),
    );
    const meant = verb ? `${first} ${verb}` : sameVerb && `${sameVerb} ${second}`;
    const typed = `${first} ${second}`;
    return new UsageError(
      meant ? `unknown command "${typed}"; did you mean ${meant}?` : `unknown command "${typed}": ${first} takes ${group.map((c) => words(c.name)[1]).join(', ')}`,
    );
  }
  if (sameVerb) return new UsageError(`unknown command "${first} ${second}"; did you mean ${sameVerb} ${second}?`);
  const meant = closest(first, [...new Set(commands.map((c) => words(c.name)[0]!)), 'help']);
  return new UsageError(`unknown command "${first}"${meant ? `; did you mean ${meant}?` : ''}`);
}

function flagSynopsis(name: string, spec: FlagSpec): string {
  return spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value}`;
}

function unknownFlag(raw: string, command: Command, allowed: Record<string, FlagSpec>): UsageError {
  const meant = raw.startsWith('--') ? closest(raw.slice(2), Object.keys(allowed)) : undefined;
  if (meant) return new UsageError(`unknown flag ${raw}; did you mean --${meant}?`, command.name);
  const own = Object.keys(command.flags);
  const takes = own.length > 0 ? `${command.name} takes ${own.map((f) => `--${f}`).join(', ')}` : `${command.name} takes no flags of its own`;
  return new UsageError(`unknown flag ${raw} (${takes}${command.shared.length > 0 ? ` and the ${command.shared.join(', ')} options` : ''})`, command.name);
}

type Token = Awaited<ReturnType<typeof parseArgs>>['tokens'] extends (infer T)[] | undefined ? T : never;

function readFlags(tokens: readonly Token[], command: Command, allowed: Record<string, FlagSpec>): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const t of tokens) {
    if (t.kind !== 'option' || t.name === 'help') continue;
    const spec = allowed[t.name];
    if (!spec) throw unknownFlag(t.rawName, command, allowed);
    const flag = `--${t.name}`;
    if (spec.type === 'boolean') {
      if (t.inlineValue) throw new UsageError(`${flag} takes no value (got "${t.value}")`, command.name);
      values[t.name] = true;
      continue;
    }
    if (t.value === undefined || (!t.inlineValue && t.value.startsWith('--'))) throw new UsageError(`${flag} needs a value: ${flagSynopsis(t.name, spec)}`, command.name);
    // As parseArgs' strict mode: "--sats -3" is more often a forgotten value than a negative one.
    if (!t.inlineValue && t.value.startsWith('-')) throw new UsageError(`${flag} needs a value; one that starts with a dash is written ${flag}=${t.value}`, command.name);
    if (spec.multiple) ((values[t.name] ??= []) as string[]).push(t.value);
    else values[t.name] = t.value;
  }
  for (const [name, spec] of Object.entries(allowed)) {
    if (spec.type !== 'string' || spec.multiple) continue;
    const value = values[name] as string | undefined;
    if (value !== undefined && spec.choices && !spec.choices.includes(value)) {
      const meant = closest(value, spec.choices);
      throw new UsageError(`--${name} is one of ${spec.choices.join(', ')} (got "${value}")${meant ? `; did you mean ${meant}?` : ''}`, command.name);
    }
  }
  return values;
}

function checkArgs(command: Command, args: readonly string[]): void {
  const min = command.args.filter((a) => !a.optional).length;
  const variadic = command.args.some((a) => a.variadic);
  if (args.length < min) {
    const missing = command.args[args.length]!;
    throw new UsageError(`${command.name} needs ${missing.name}: ${missing.summary}`, command.name);
  }
  if (!variadic && args.length > command.args.length) {
    const extra = args.slice(command.args.length).join(' ');
    throw new UsageError(
      command.args.length === 0
        ? `${command.name} takes no arguments (got "${extra}")`
        : `${command.name} takes ${command.args.map((a) => a.name).join(' ')} (got also "${extra}")`,
      command.name,
    );
  }
}

function checkRequired(command: Command, values: Record<string, unknown>, allowed: Record<string, FlagSpec>): void {
  if (command.exactlyOne.length > 0 && command.exactlyOne.filter((f) => values[f] !== undefined && values[f] !== '').length !== 1) {
    throw new UsageError(`${command.name} takes exactly one of ${command.exactlyOne.map((f) => flagSynopsis(f, allowed[f]!)).join(' or ')}`, command.name);
  }
  for (const [name, spec] of Object.entries(allowed)) {
    if (spec.type !== 'string' || spec.multiple) continue;
    if (values[name] === undefined && spec.default !== undefined) values[name] = spec.default;
    if (spec.required && (values[name] === undefined || values[name] === '')) {
      throw new UsageError(`${command.name} needs ${flagSynopsis(name, spec)}${typeof spec.required === 'string' ? `: ${spec.required}` : ` (${spec.summary})`}`, command.name);
    }
  }
}

export function parseCommandLine(argv: readonly string[], commands: readonly Command[]): Invocation {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) return { kind: 'version' };
  const options = anyCommandOptions(commands);
  const { positionals, tokens } = parseArgs({ args: [...argv], options, strict: false, allowPositionals: true, tokens: true });
  const asked = tokens.some((t) => t.kind === 'option' && t.name === 'help');

  if (positionals[0] === 'help' || positionals.length === 0) {
    const topic = helpTopic(positionals.slice(1), commands);
    const known = positionals[0] === 'help' ? HELP_FLAGS : options;
    const stray = tokens.find((t) => t.kind === 'option' && !(t.name in known));
    if (stray?.kind === 'option') {
      const meant = closest(stray.name, Object.keys(known));
      const hint = meant ? `; did you mean --${meant}?` : positionals[0] === 'help' ? ' (help takes --markdown)' : '';
      throw new UsageError(`unknown flag ${stray.rawName}${positionals[0] === 'help' ? ' for help' : ''}${hint}`);
    }
    return { kind: 'help', topic, markdown: tokens.some((t) => t.kind === 'option' && t.name === 'markdown') };
  }
  const found = findCommand(positionals, commands);
  if (!found) {
    if (positionals.length === 1 && groupOf(positionals[0]!, commands).length > 0) return { kind: 'help', topic: helpTopic(positionals, commands), markdown: false };
    throw unknownCommand(positionals, commands);
  }
  const { command, args } = found;
  if (asked) return { kind: 'help', topic: { kind: 'command', command }, markdown: false };
  const allowed = commandFlags(command);
  const flags = readFlags(tokens, command, allowed);
  checkArgs(command, args);
  checkRequired(command, flags, allowed);
  return { kind: 'run', command, flags, args };
}

/** `help`, `help fund`, `help policy` (the group), `help policy set`. */
function helpTopic(topic: readonly string[], commands: readonly Command[]): HelpTopic {
  if (topic.length === 0) return { kind: 'all' };
  const found = findCommand(topic, commands);
  if (found && found.args.length === 0) return { kind: 'command', command: found.command };
  const group = groupOf(topic[0]!, commands);
  if (topic.length === 1 && group.length > 0) return { kind: 'group', group: topic[0]!, commands: group };
  if (found) return { kind: 'command', command: found.command };
  throw unknownCommand(topic, commands);
}
