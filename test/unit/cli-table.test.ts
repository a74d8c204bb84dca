// The command table's own rules, which the parser and the help rely on, and the parser on
// the command lines scripts write.
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { FLAG_SETS } from '../../src/cli/flag-sets.js';
import { parseCommandLine } from '../../src/cli/parse.js';
import { closest, editDistance } from '../../src/cli/suggestion.js';
import { UsageError } from '../../src/cli/usage-error.js';

const parse = (line: string) => parseCommandLine(line.split(' '), COMMANDS);
const run = (line: string) => {
  const parsed = parse(line);
  if (parsed.kind !== 'run') throw new Error(`${line} is not a command to run`);
  return { command: parsed.command.name, flags: parsed.flags, args: parsed.args };
};

describe('the command table', () => {
  it('keeps the commands scripts rely on (shared/TOOLS.md)', () => {
    const names = COMMANDS.map((c) => c.name);
    for (const name of [
      'init',
      'serve',
      'start',
      'sponsor create',
      'agent create',
      'fund',
      'policy set',
      'approvals list',
      'approvals approve',
      'approvals deny',
      'ledger verify',
      'providers list',
      'providers approve',
      'providers suspend',
      'skills show',
      'trajectories scan',
      'trajectories preview',
      'trajectories contribute',
      'trajectories status',
      'trajectories earnings',
      'trajectories config',
      'agents list',
      'sponsors list',
      'disputes show',
    ]) {
      expect(names).toContain(name);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('gives a flag name one meaning everywhere, so one reading of the line serves every command', () => {
    const seen = new Map<string, string>();
    for (const flags of [...Object.values(FLAG_SETS), ...COMMANDS.map((c) => c.flags)]) {
      for (const [name, spec] of Object.entries(flags)) {
        const shape = `${spec.type}${'multiple' in spec && spec.multiple ? '[]' : ''}`;
        expect(seen.get(name) ?? shape, `--${name}`).toBe(shape);
        seen.set(name, shape);
      }
    }
  });

  it('never has a command and a group of the same first word, nor a flag both own and shared', () => {
    const single = COMMANDS.filter((c) => !c.name.includes(' ')).map((c) => c.name);
    const groups = COMMANDS.filter((c) => c.name.includes(' ')).map((c) => c.name.split(' ')[0]);
    for (const name of single) expect(groups).not.toContain(name);
    for (const c of COMMANDS) {
      expect(c.name.split(' ').length).toBeLessThanOrEqual(2);
      const shared = c.shared.flatMap((s) => Object.keys(FLAG_SETS[s]));
      for (const own of Object.keys(c.flags)) expect(shared, `${c.name} --${own}`).not.toContain(own);
      for (const f of c.exactlyOne) expect(Object.keys(c.flags)).toContain(f);
    }
  });
});

describe('reading a command line', () => {
  it('finds the command, its arguments and flags; applies defaults; collects repeated flags', () => {
    expect(run('disputes resolve dp_1 --resolution NoRefund --db x.db')).toEqual({ command: 'disputes resolve', args: ['dp_1'], flags: { resolution: 'NoRefund', db: 'x.db' } });
    expect(run('init --db x.db').flags).toEqual({ db: 'x.db', 'sponsor-name': 'Default sponsor', 'agent-name': 'First agent' });
    expect(run('serve --http --relay wss://a --relay wss://b').flags).toMatchObject({ http: true, relay: ['wss://a', 'wss://b'] });
    expect(run('trajectories contribute s1 s2 --bounty b').args).toEqual(['s1', 's2']);
    expect(run('trajectories contribute --batch --bounty b').args).toEqual([]);
    // A value that starts with a dash, written inline, is the value.
    expect(run('fund --agent a --sats=-3').flags).toMatchObject({ sats: '-3' });
    expect(run('disputes show -- -odd-id').args).toEqual(['-odd-id']);
  });

  it('answers help, version and a group alone without running anything', () => {
    expect(parse('--version')).toEqual({ kind: 'version' });
    expect(parse('help')).toMatchObject({ kind: 'help', topic: { kind: 'all' } });
    expect(parse('help fund')).toMatchObject({ kind: 'help', topic: { kind: 'command', command: { name: 'fund' } } });
    expect(parse('fund -h')).toMatchObject({ kind: 'help', topic: { kind: 'command', command: { name: 'fund' } } });
    expect(parse('skills')).toMatchObject({ kind: 'help', topic: { kind: 'group', group: 'skills' } });
    expect(parse('help --markdown')).toMatchObject({ kind: 'help', markdown: true });
  });

  it('refuses what cannot run as typed, naming it', () => {
    const refused = (line: string) => {
      try {
        parse(line);
      } catch (error) {
        expect(error).toBeInstanceOf(UsageError);
        return (error as UsageError).message;
      }
      throw new Error(`${line} was accepted`);
    };
    expect(refused('fund --agent a --sats')).toBe('--sats needs a value: --sats N');
    expect(refused('fund --agent a --sats --json')).toBe('--sats needs a value: --sats N');
    expect(refused('fund --json=yes --agent a --sats 1')).toBe('--json takes no value (got "yes")');
    expect(refused('ledger verify now')).toBe('ledger verify takes no arguments (got "now")');
    expect(refused('sandbox pay')).toMatch(/^sandbox pay needs HASH: /);
    expect(refused('token rotate --agent a --sponsor s')).toBe('token rotate takes exactly one of --agent ID or --sponsor ID');
    expect(refused('skills review s --version 1 --decision aprove')).toBe('--decision is one of approve, request-changes, reject (got "aprove"); did you mean approve?');
    expect(refused('trajectories scan --db x')).toMatch(/^unknown flag --db \(trajectories scan takes no flags of its own and the sessions options\)$/);
    expect(refused('help --mark')).toBe('unknown flag --mark for help; did you mean --markdown?');
  });
});

describe('did you mean', () => {
  it('counts a swap of neighbouring letters as one edit and suggests only what is close', () => {
    expect(editDistance('agnets', 'agents')).toBe(1);
    expect(editDistance('fnd', 'fund')).toBe(1);
    expect(closest('sat', ['sats', 'agent'])).toBe('sats');
    expect(closest('idempotency', ['idempotency-key', 'agent'])).toBe('idempotency-key');
    expect(closest('get', ['list', 'show', 'resolve'])).toBeUndefined();
    expect(closest('x', ['fund', 'init'])).toBeUndefined();
  });
});
