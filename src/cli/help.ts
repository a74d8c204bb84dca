// Every help text of `agent-marketplace`, read off the command table: the overview
// (--help), one command's (fund --help, help fund), a group's (help policy), and the
// markdown reference for the docs (help --markdown, renderCommandReference). Importing
// this module runs nothing: a script may import it from dist/ and print the reference.
import { VERSION } from '../version.js';
import { SECTIONS, type ArgSpec, type Command, type FlagSpec, type FlagSpecs } from './command-spec.js';
import { COMMANDS } from './commands.js';
import { FLAG_SET_TITLES, FLAG_SETS, type FlagSetName } from './flag-sets.js';

const NAME = 'agent-marketplace';
/** The column the summaries start at, as the hand-written help had it. */
const COLUMN = 32;
/** Where a line had better end, for notes appended to a summary. */
const WIDTH = 110;

function argSynopsis(a: ArgSpec): string {
  const shown = a.variadic ? `${a.name}...` : a.name;
  return a.optional ? `[${shown}]` : shown;
}

function flagSynopsis(name: string, spec: FlagSpec): string {
  return spec.type === 'boolean' ? `--${name}` : `--${name} ${spec.value}`;
}

/** What to type: the words, the arguments, the command's own flags (required bare, optional in brackets). */
export function synopsis(command: Command): string {
  const parts = [command.name, ...command.args.map(argSynopsis)];
  const one = command.exactlyOne;
  if (one.length > 0) parts.push(`(${one.map((f) => flagSynopsis(f, command.flags[f]!)).join(' | ')})`);
  const flags = Object.entries(command.flags).filter(([name]) => !one.includes(name));
  const required = (spec: FlagSpec) => spec.type === 'string' && !spec.multiple && spec.required !== undefined;
  for (const [name, spec] of flags) if (required(spec)) parts.push(flagSynopsis(name, spec));
  for (const [name, spec] of flags) {
    if (required(spec)) continue;
    parts.push(`[${flagSynopsis(name, spec)}]${spec.type === 'string' && spec.multiple ? '...' : ''}`);
  }
  return parts.join(' ');
}

/** A two-column row: the left text, then the lines of the right one from COLUMN on. */
function row(left: string, text: string): string {
  const lines = text.split('\n');
  const head = `  ${left}`;
  const first = head.length < COLUMN ? `${head.padEnd(COLUMN)}${lines[0]}` : `${head}\n${' '.repeat(COLUMN)}${lines[0]}`;
  return [first, ...lines.slice(1).map((l) => `${' '.repeat(COLUMN)}${l}`)].join('\n');
}

/** The flag's summary with what stands in for it and what applies without it (on a line of their own when the summary's last one has no room). */
function flagText(spec: FlagSpec, separator?: string): string {
  const notes: string[] = [];
  if (spec.type === 'string' && !spec.multiple) {
    if (spec.required) notes.push('required');
    if (spec.choices) notes.push(`one of ${spec.choices.join(', ')}`);
    if (spec.default !== undefined) notes.push(`default: ${spec.default}`);
  }
  if (spec.env) notes.push(`or ${spec.env}`);
  if (spec.defaultText) notes.push(`default: ${spec.defaultText}`);
  if (notes.length === 0) return spec.summary;
  const note = `(${notes.join('; ')})`;
  const last = spec.summary.split('\n').at(-1)!;
  return `${spec.summary}${separator ?? (COLUMN + last.length + 1 + note.length <= WIDTH ? ' ' : '\n')}${note}`;
}

function flagRows(flags: FlagSpecs): string[] {
  return Object.entries(flags).map(([name, spec]) => row(flagSynopsis(name, spec), flagText(spec)));
}

/** Who takes a shared group, in words: "serve, start" or "every command but trajectories". */
function takers(set: FlagSetName, commands: readonly Command[]): string {
  const group = (c: Command) => c.name.split(' ')[0]!;
  const users = commands.filter((c) => c.shared.includes(set));
  const others = commands.filter((c) => !c.shared.includes(set));
  if (users.length > others.length && others.length > 0) return `every command but ${[...new Set(others.map(group))].join(', ')}`;
  const groups = [...new Set(users.map(group))];
  if (groups.length === 1 && users.length > 1 && others.every((c) => group(c) !== groups[0])) return `every ${groups[0]} command`;
  return users.map((c) => c.name).join(', ');
}

function sharedSets(commands: readonly Command[]): FlagSetName[] {
  return (Object.keys(FLAG_SETS) as FlagSetName[]).filter((set) => commands.some((c) => c.shared.includes(set)));
}

/** `agent-marketplace --help`: every command with what it does, then the shared options. */
export function renderOverview(commands: readonly Command[] = COMMANDS): string {
  const out = [
    `${NAME} ${VERSION}: an MCP server where AI agents trade, within their sponsors' policies.`,
    '',
    `Usage: ${NAME} <command> [options]`,
    `       ${NAME} help <command>     what one command takes (or: ${NAME} <command> --help)`,
    `       ${NAME} help --markdown    every command and flag, as markdown`,
  ];
  for (const section of SECTIONS) {
    const inSection = commands.filter((c) => c.section === section);
    if (inSection.length === 0) continue;
    out.push('', section, ...inSection.map((c) => row(synopsis(c), c.summary)));
  }
  for (const set of sharedSets(commands)) out.push('', `${FLAG_SET_TITLES[set]} (${takers(set, commands)})`, ...flagRows(FLAG_SETS[set]));
  return `${out.join('\n')}\n`;
}

/** A summary as a sentence, for the texts that show one command at a time. */
function sentence(summary: string): string {
  const text = summary.replaceAll('\n', ' ');
  return `${text.charAt(0).toUpperCase()}${text.slice(1)}${/[.!?]$/.test(text) ? '' : '.'}`;
}

/** `agent-marketplace fund --help`: what the command does, its arguments, every flag it takes. */
export function renderCommandHelp(command: Command): string {
  const out = [`Usage: ${NAME} ${synopsis(command)}`, '', sentence(command.summary)];
  if (command.args.length > 0) out.push('', 'Arguments', ...command.args.map((a) => row(argSynopsis(a), a.summary)));
  if (Object.keys(command.flags).length > 0) out.push('', 'Flags', ...flagRows(command.flags));
  for (const set of command.shared) out.push('', FLAG_SET_TITLES[set], ...flagRows(FLAG_SETS[set]));
  out.push('', row('--help, -h', 'this text'));
  if (command.example) out.push('', 'Example', `  ${NAME} ${command.example}`);
  return `${out.join('\n')}\n`;
}

/** `agent-marketplace policy` or `help policy`: the group's commands. */
export function renderGroupHelp(group: string, commands: readonly Command[]): string {
  return [
    `${NAME} ${group}: ${commands.map((c) => c.name.split(' ')[1]).join(', ')}`,
    '',
    ...commands.map((c) => row(synopsis(c), c.summary)),
    '',
    `${NAME} help ${group} <command> shows every flag of one.`,
    '',
  ].join('\n');
}

const cell = (text: string) => text.replaceAll('|', '\\|').replaceAll('\n', ' ');
/** Outside code spans, markdown would read <slug> as an HTML tag. */
const prose = (text: string) => cell(text).replaceAll('<', '&lt;').replaceAll('>', '&gt;');

function flagTable(flags: FlagSpecs): string[] {
  return ['| Flag | What it does |', '| --- | --- |', ...Object.entries(flags).map(([name, spec]) => `| \`${cell(flagSynopsis(name, spec))}\` | ${prose(flagText(spec, ' '))} |`)];
}

/**
 * Every command with its arguments and flags, and the shared option groups, as markdown:
 * what the lead puts into the README and docs between markers. Headings start at level 3.
 */
export function renderCommandReference(commands: readonly Command[] = COMMANDS): string {
  const out = [
    '<!-- Generated from the command table (src/cli/commands/) by renderCommandReference(); `agent-marketplace help --markdown` prints it. -->',
    '',
    `Every command takes \`--help\` (\`${NAME} help COMMAND\` prints the same). Errors exit 1 with a coded message; a command line that cannot run as typed exits 2.`,
  ];
  for (const section of SECTIONS) {
    const inSection = commands.filter((c) => c.section === section);
    if (inSection.length === 0) continue;
    out.push('', `### ${section}`);
    for (const c of inSection) {
      out.push('', `#### \`${NAME} ${synopsis(c)}\``, '', prose(sentence(c.summary)));
      if (c.args.length > 0) out.push('', '| Argument | What it is |', '| --- | --- |', ...c.args.map((a) => `| \`${cell(argSynopsis(a))}\` | ${prose(a.summary)} |`));
      if (Object.keys(c.flags).length > 0) out.push('', ...flagTable(c.flags));
      if (c.shared.length > 0) out.push('', `Also takes: ${c.shared.map((s) => FLAG_SET_TITLES[s]).join(', ')} (below).`);
      if (c.example) out.push('', `Example: \`${NAME} ${c.example}\``);
    }
  }
  for (const set of sharedSets(commands)) out.push('', `### ${FLAG_SET_TITLES[set]}`, '', `Taken by ${prose(takers(set, commands))}.`, '', ...flagTable(FLAG_SETS[set]));
  return `${out.join('\n')}\n`;
}
