// What both readers share: steps collected up to the size a contribution may have, tool
// calls joined to their results, tokens counted once per message, the session's times.
// A session past the limit is kept from its start and marked truncated; the caller says
// so. Nothing here throws on what a session file holds.
import { MAX_STEPS, MAX_TRAJECTORY_BYTES, TRAJECTORY_FORMAT, type Step, type Trajectory, type TrajectorySource } from '../domain/trajectories/trajectory.js';
import type { LineCounts } from './jsonl-lines.js';

/** Kept per session: a contribution's limit less room for redaction markers and the envelope. */
export const KEEP_BYTES = MAX_TRAJECTORY_BYTES - 1024 * 1024;
/** One text (a tool's output, a file written) is cut past this, so one huge output cannot crowd out the rest of the session. */
export const MAX_FIELD_CHARS = 256 * 1024;

export type ToolCallStep = Extract<Step, { kind: 'tool_call' }>;

/** Shortens a text past `max`, at a line break when there is one near, saying how much was cut. */
export function clip(text: string, max = MAX_FIELD_CHARS): string {
  if (text.length <= max) return text;
  const nl = text.lastIndexOf('\n', max);
  const end = nl > max * 0.9 ? nl : max;
  return `${text.slice(0, end)}\n[… ${(text.length - end).toLocaleString('en-US')} characters cut]`;
}

/** A tool call's input as JSON text, its long strings clipped so the text stays valid JSON. */
export function inputJson(input: unknown): string {
  const text = JSON.stringify(input === undefined ? null : input);
  if (text.length <= MAX_FIELD_CHARS) return text;
  const each = (v: unknown): unknown =>
    typeof v === 'string'
      ? clip(v, MAX_FIELD_CHARS / 8)
      : Array.isArray(v)
        ? v.map(each)
        : v !== null && typeof v === 'object'
          ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, each(x)]))
          : v;
  const clipped = JSON.stringify(each(input));
  return clipped.length <= MAX_FIELD_CHARS ? clipped : JSON.stringify(`[input of ${text.length.toLocaleString('en-US')} characters cut: too large to keep]`);
}

/** An ISO timestamp as written, or null for anything else. */
export function timestamp(value: unknown): string | null {
  return typeof value === 'string' && value.length <= 40 && !Number.isNaN(Date.parse(value)) ? value : null;
}

export const COMMIT = /^[0-9a-f]{7,64}$/;

export class SessionBuilder {
  readonly lines: LineCounts = { malformed: 0, oversized: 0 };
  readonly steps: Step[] = [];
  readonly subagents: Record<string, Step[]> = {};
  truncated = false;
  cwd: string | null = null;
  task: string | null = null;
  initialCommit: string | null = null;
  private bytes = 0;
  private first: { at: string; ms: number } | null = null;
  private last: { at: string; ms: number } | null = null;
  private readonly calls = new Map<string, ToolCallStep>();
  /** Usage by message id: one reply is often written as several lines carrying the same usage. */
  private readonly usage = new Map<string, { input: number; output: number }>();

  constructor(
    readonly source: TrajectorySource,
    public sessionId: string,
  ) {}

  /** Adds a step to the session (or to a subagent's list) unless the session is full. */
  push(step: Step, into: Step[] = this.steps): void {
    if (this.truncated) return;
    const size = Buffer.byteLength(JSON.stringify(step)) + 1;
    if (into.length >= MAX_STEPS || this.bytes + size > KEEP_BYTES) {
      this.truncated = true;
      return;
    }
    this.bytes += size;
    into.push(step);
    if (step.kind === 'tool_call') this.calls.set(step.id, step);
  }

  call(id: string): ToolCallStep | undefined {
    return this.calls.get(id);
  }

  /** Joins a result to its call, if the call was kept and the output still fits. */
  result(id: string, r: { output: string | null; is_error?: boolean | null; exit_code?: number | null }): void {
    const call = this.calls.get(id);
    if (!call) return;
    if (r.output !== null) {
      const output = clip(r.output);
      const size = Buffer.byteLength(JSON.stringify(output)) - (call.output === null ? 0 : Buffer.byteLength(JSON.stringify(call.output)));
      if (this.bytes + size > KEEP_BYTES) this.truncated = true;
      else {
        call.output = output;
        this.bytes += size;
      }
    }
    if (r.is_error !== undefined && r.is_error !== null) call.is_error = r.is_error;
    if (r.exit_code !== undefined && r.exit_code !== null && Number.isSafeInteger(r.exit_code) && Math.abs(r.exit_code) <= 1_000_000) call.exit_code = r.exit_code;
  }

  /** Records a message's usage; the larger figure wins when lines of one message disagree. */
  tokens(messageKey: string, input: number, output: number): void {
    const n = (x: number) => (Number.isFinite(x) && x > 0 ? Math.floor(x) : 0);
    const seen = this.usage.get(messageKey);
    this.usage.set(messageKey, { input: Math.max(seen?.input ?? 0, n(input)), output: Math.max(seen?.output ?? 0, n(output)) });
  }

  /** Replaces all usage with a session total (Codex reports a running total). */
  totalTokens(input: number, output: number): void {
    this.usage.clear();
    this.tokens('total', input, output);
  }

  time(value: unknown): string | null {
    const at = timestamp(value);
    if (at === null) return null;
    const ms = Date.parse(at);
    if (!this.first || ms < this.first.ms) this.first = { at, ms };
    if (!this.last || ms > this.last.ms) this.last = { at, ms };
    return at;
  }

  /** The first user message is the task, unless one was set. */
  userText(text: string): void {
    if (this.task !== null || text.trim() === '') return;
    this.task = clip(text);
    this.bytes += Buffer.byteLength(JSON.stringify(this.task));
  }

  build(): Trajectory {
    let input = 0;
    let output = 0;
    for (const u of this.usage.values()) {
      input += u.input;
      output += u.output;
    }
    const cap = (x: number) => Math.min(x, 1e12);
    return {
      format: TRAJECTORY_FORMAT,
      session_id: this.sessionId.slice(0, 200),
      source: this.source,
      task: this.task,
      cwd: this.cwd,
      started_at: this.first?.at ?? null,
      ended_at: this.last?.at ?? null,
      initial_commit: this.initialCommit !== null && COMMIT.test(this.initialCommit) ? this.initialCommit : null,
      final_commit: null,
      tokens: { input: cap(input), output: cap(output) },
      steps: this.steps,
      subagents: this.subagents,
    };
  }
}

/** Lines a reader could not use, for the report. */
export function skippedLines(b: SessionBuilder): number {
  return b.lines.malformed + b.lines.oversized;
}

/** One session read from its files: the trajectory as found (paths not yet sanitised) and what was left out. */
export interface SessionRead {
  trajectory: Trajectory;
  /** Lines skipped: malformed, cut off, or longer than a line may be. */
  skipped_lines: number;
  /** True when the session was longer than a contribution may be and only its start was kept. */
  truncated: boolean;
}

export function sessionRead(b: SessionBuilder): SessionRead {
  return { trajectory: b.build(), skipped_lines: skippedLines(b), truncated: b.truncated };
}

export const str = (v: unknown): string | null => (typeof v === 'string' ? v : null);
export const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
export const obj = (v: unknown): Record<string, unknown> | null => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null);
/** A record type for an `other` step, within the schema's length. */
export const typeName = (v: unknown, fallback: string): string => (typeof v === 'string' && v !== '' ? v : fallback).slice(0, 200);
