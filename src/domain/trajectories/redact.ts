// What a trajectory becomes before it leaves the contributor's machine. Paths under the
// repository or the home folder become relative (their layout is useful, their owner is
// not), then the marketplace's own scanner redacts secrets, personal data and other
// people's home paths in every string, then the user and host names go. Each string is
// redacted until the scanner finds nothing more in it, so the receiving side, which scans
// every string again with the same scanner and refuses any secret, finds none. A tool
// call's input is JSON text and stays JSON: it is redacted as a value, with its keys
// (`"password": …`), and checked again as text. Every replacement is a `[REDACTED:rule]`
// marker, which no content looks like.
import { redactValue, scanText, ScanBudget, type Finding } from '../redaction/index.js';
import { applyRedactions, MARKER } from '../redaction/scan.js';
import type { Step, Trajectory } from './trajectory.js';

/** A whole session is far more text than one call's samples: this is what the local check allows. */
export const LOCAL_SCAN_MS = 120_000;
export const LOCAL_PHONE_CANDIDATES = 1_000_000;

export interface RedactionContext {
  /** The contributor's home folder: paths under it become `~/…`. */
  home: string | null;
  /** The repository's top folder (or the session's folder outside one): paths under it become relative. */
  repoRoot: string | null;
  userName: string | null;
  hostName: string | null;
}

export interface RedactionCount {
  rule: string;
  count: number;
}

export interface TrajectoryRedaction {
  trajectory: Trajectory;
  /** How many replacements each rule made, by rule name. */
  redactions: RedactionCount[];
}

/** Names too common to be anyone's: replacing them would damage ordinary text (`npm run dev`). */
const GENERIC_NAMES = new Set([
  'root',
  'user',
  'users',
  'admin',
  'administrator',
  'ubuntu',
  'debian',
  'fedora',
  'centos',
  'runner',
  'node',
  'vscode',
  'codespace',
  'codespaces',
  'dev',
  'developer',
  'test',
  'tester',
  'app',
  'build',
  'builder',
  'jenkins',
  'gitpod',
  'nobody',
  'ec2-user',
  'www-data',
  'pi',
  'home',
  'guest',
  'localhost',
  'server',
  'desktop',
  'laptop',
  'workstation',
  'macbook',
  'raspberrypi',
  'docker',
  'container',
  'sandbox',
  'main',
  'master',
]);
/** Redacting the same string again changes nothing after this many passes; past them it is replaced whole. */
const MAX_PASSES = 8;

const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

class Redactor {
  readonly counts = new Map<string, number>();
  private readonly prefixes: { pattern: RegExp; rule: string; bare: string; under: string }[] = [];
  private readonly names: { pattern: RegExp; rule: string }[] = [];

  constructor(
    ctx: RedactionContext,
    private readonly budget: ScanBudget,
  ) {
    // The repository first: it usually lies under the home folder.
    const folder = (root: string | null, rule: string, bare: string, under: string) => {
      const r = root?.replace(/\/+$/, '');
      if (!r || r.length < 2 || !r.startsWith('/')) return;
      // A whole path component only (/home/ana is not the start of /home/anabel); the
      // slash is taken when a path follows it, so /repo/src/x.ts becomes src/x.ts.
      this.prefixes.push({ pattern: new RegExp(`(?<![\\w.~/-])${escape(r)}(?:(/)(?=[\\w.~@%+-])|(?![\\w.~@%+-]))`, 'g'), rule, bare, under });
    };
    folder(ctx.repoRoot, 'repo-relative', '.', '');
    if (ctx.home !== ctx.repoRoot) folder(ctx.home, 'home-relative', '~', '~/');
    const name = (value: string | null, rule: string) => {
      if (!value || value.length < 3 || GENERIC_NAMES.has(value.toLowerCase())) return;
      this.names.push({ pattern: new RegExp(`(?<![A-Za-z0-9_])${escape(value)}(?![A-Za-z0-9_])`, 'gi'), rule });
    };
    // The host before the user: `ana-laptop` is one name, not `ana` and a laptop.
    const host = ctx.hostName?.trim() ?? '';
    name(host, 'host-name');
    if (host.includes('.')) name(host.split('.')[0]!, 'host-name');
    name(ctx.userName?.trim() ?? null, 'user-name');
  }

  private count(rule: string, n = 1): void {
    this.counts.set(rule, (this.counts.get(rule) ?? 0) + n);
  }

  paths(s: string): string {
    for (const p of this.prefixes) {
      s = s.replace(p.pattern, (_match, slash: string | undefined) => {
        this.count(p.rule);
        return slash ? p.under : p.bare;
      });
    }
    return s;
  }

  identities(s: string): string {
    for (const n of this.names) {
      s = s.replace(n.pattern, () => {
        this.count(n.rule);
        return `${MARKER}${n.rule}]`;
      });
    }
    return s;
  }

  private counted(found: readonly Finding[]): readonly Finding[] {
    for (const f of found) this.count(f.rule);
    return found;
  }

  /**
   * Redacts until the scanner finds nothing. `keepJson`: the text is JSON and must stay
   * JSON; a redaction that would break it (a finding across its quotes) replaces it whole.
   */
  scanned(s: string, keepJson = false): string {
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const found = scanText(s, this.budget);
      if (found.length === 0) return s;
      const next = applyRedactions(s, this.counted(found));
      if (keepJson && !parses(next)) return JSON.stringify(`${MARKER}${found[0]!.rule}]`);
      s = next;
    }
    const rule = scanText(s, this.budget)[0]?.rule;
    return rule === undefined ? s : keepJson ? JSON.stringify(`${MARKER}${rule}]`) : `${MARKER}${rule}]`;
  }

  text(s: string): string {
    const scanned = this.scanned(this.paths(s));
    const named = this.identities(scanned);
    return named === scanned ? named : this.scanned(named);
  }

  /** A tool call's input: as a JSON value with its keys when it is one, then as the JSON text the receiver scans. */
  input(s: string): string {
    let value: unknown;
    try {
      value = JSON.parse(s);
    } catch {
      return this.text(s);
    }
    value = mapStrings(value, (x) => this.paths(x));
    // Until the value scan (strings under their keys) finds nothing: a string redacted in
    // part may still look like a secret under a secret's name.
    for (let pass = 0; pass < MAX_PASSES; pass++) {
      const redacted = redactValue(value, this.budget);
      if (redacted.findings.length === 0) break;
      this.counted(redacted.findings);
      value = redacted.value;
    }
    return this.scanned(JSON.stringify(mapStrings(value, (x) => this.identities(x))), true);
  }

  step(s: Step): Step {
    switch (s.kind) {
      case 'message':
      case 'thinking':
        return { ...s, text: this.text(s.text) };
      case 'tool_call':
        return {
          ...s,
          id: this.text(s.id),
          name: this.text(s.name),
          input: this.input(s.input),
          output: s.output === null ? null : this.text(s.output),
          ...(s.subagent ? { subagent: this.text(s.subagent) } : {}),
        };
      case 'other':
        return { ...s, type: this.text(s.type) };
    }
  }
}

function parses(s: string): boolean {
  try {
    JSON.parse(s);
    return true;
  } catch {
    return false;
  }
}

/** A copy of a JSON value with every string, keys included, passed through `f`. */
function mapStrings(value: unknown, f: (s: string) => string): unknown {
  if (typeof value === 'string') return f(value);
  if (Array.isArray(value)) return value.map((v) => mapStrings(v, f));
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [f(k), mapStrings(v, f)]));
  return value;
}

export function redactTrajectory(t: Trajectory, ctx: RedactionContext, budget = new ScanBudget(LOCAL_SCAN_MS, LOCAL_PHONE_CANDIDATES)): TrajectoryRedaction {
  const r = new Redactor(ctx, budget);
  const trajectory: Trajectory = {
    ...t,
    task: t.task === null ? null : r.text(t.task),
    cwd: t.cwd === null ? null : r.text(t.cwd),
    steps: t.steps.map((s) => r.step(s)),
    subagents: Object.fromEntries(Object.entries(t.subagents).map(([id, steps]) => [r.text(id), steps.map((s) => r.step(s))])),
  };
  const redactions = [...r.counts].map(([rule, count]) => ({ rule, count })).sort((a, b) => a.rule.localeCompare(b.rule));
  return { trajectory, redactions };
}
