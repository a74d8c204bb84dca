// Claude Code sessions (shared/TRAJECTORY-FORMATS.md): one JSON object a line, replies
// split over several lines with one message id, tool results arriving on user lines and
// joined to their calls by id, subagent transcripts in files of their own.
import type { Step } from '../domain/trajectories/trajectory.js';
import { jsonObjectLines } from './jsonl-lines.js';
import { clip, inputJson, obj, SessionBuilder, sessionRead, str, num, typeName, type SessionRead } from './session-builder.js';

export interface ClaudeSubagentFile {
  agentId: string;
  path: string;
  /** The parent's tool call that started it, from `agent-<id>.meta.json`, when known. */
  toolUseId: string | null;
}

export interface ClaudeSessionFiles {
  sessionId: string;
  path: string;
  subagents: ClaudeSubagentFile[];
}

/** Slash commands and their local output are written as user lines; they are not the task. */
const NOT_A_TASK = /^\s*<(command-|local-command-)|^Caveat: /;

export async function readClaudeSession(files: ClaudeSessionFiles): Promise<SessionRead> {
  const b = new SessionBuilder('claude', files.sessionId);
  for await (const line of jsonObjectLines(files.path, b.lines)) readLine(b, line, b.steps);
  for (const sub of files.subagents) {
    const steps: Step[] = [];
    b.subagents[sub.agentId.slice(0, 200)] = steps;
    for await (const line of jsonObjectLines(sub.path, b.lines)) readLine(b, line, steps);
    const parent = sub.toolUseId ? b.call(sub.toolUseId) : undefined;
    if (parent) parent.subagent = sub.agentId.slice(0, 200);
  }
  return sessionRead(b);
}

function readLine(b: SessionBuilder, line: Record<string, unknown>, into: Step[]): void {
  const at = b.time(line.timestamp);
  if (b.cwd === null && typeof line.cwd === 'string' && line.cwd !== '') b.cwd = line.cwd;
  const message = obj(line.message);
  if (line.type === 'user' && message) user(b, line, message, at, into);
  else if (line.type === 'assistant' && message) assistant(b, line, message, at, into);
  else b.push({ kind: 'other', type: typeName(line.type, 'unknown'), at }, into);
}

function user(b: SessionBuilder, line: Record<string, unknown>, message: Record<string, unknown>, at: string | null, into: Step[]): void {
  const meta = line.isMeta === true;
  const text = (t: string) => {
    if (meta) return b.push({ kind: 'other', type: 'user:meta', at }, into);
    b.push({ kind: 'message', role: 'user', text: clip(t), at }, into);
    if (into === b.steps && !NOT_A_TASK.test(t)) b.userText(t);
  };
  const content = message.content;
  if (typeof content === 'string') return text(content);
  if (!Array.isArray(content)) return b.push({ kind: 'other', type: 'user', at }, into);
  for (const block of content) {
    const blk = obj(block);
    if (blk?.type === 'text' && typeof blk.text === 'string') text(blk.text);
    else if (blk?.type === 'tool_result' && typeof blk.tool_use_id === 'string') {
      const output = textOf(blk.content);
      b.result(blk.tool_use_id, { output, is_error: blk.is_error === true, exit_code: exitCodeOf(line.toolUseResult, output) });
      // A Task's result names the subagent it ran (when no meta file did).
      const agentId = str(obj(line.toolUseResult)?.agentId);
      const call = b.call(blk.tool_use_id);
      if (agentId && call && !call.subagent) call.subagent = agentId.slice(0, 200);
    } else b.push({ kind: 'other', type: typeName(blk?.type, 'user'), at }, into);
  }
}

function assistant(b: SessionBuilder, line: Record<string, unknown>, message: Record<string, unknown>, at: string | null, into: Step[]): void {
  const usage = obj(message.usage);
  if (usage) {
    // Cache reads are the same prompt read again: counting them would count it once per turn.
    const key = str(message.id) ?? str(line.requestId) ?? str(line.uuid) ?? `line-${at}-${Math.random()}`;
    b.tokens(key, num(usage.input_tokens) + num(usage.cache_creation_input_tokens), num(usage.output_tokens));
  }
  const content = Array.isArray(message.content) ? message.content : typeof message.content === 'string' ? [{ type: 'text', text: message.content }] : [];
  for (const block of content) {
    const blk = obj(block);
    if (blk?.type === 'text' && typeof blk.text === 'string') b.push({ kind: 'message', role: 'assistant', text: clip(blk.text), at }, into);
    else if (blk?.type === 'thinking' && typeof blk.thinking === 'string') b.push({ kind: 'thinking', text: clip(blk.thinking), at }, into);
    else if (blk?.type === 'tool_use') {
      b.push(
        {
          kind: 'tool_call',
          id: (str(blk.id) ?? `call-${into.length}`).slice(0, 200),
          name: typeName(blk.name, 'unknown'),
          input: inputJson(blk.input),
          output: null,
          is_error: null,
          exit_code: null,
          at,
          subagent: null,
        },
        into,
      );
    } else b.push({ kind: 'other', type: typeName(blk?.type, 'assistant'), at }, into);
  }
}

/** A tool result's content: a string, or blocks whose texts are joined. */
function textOf(content: unknown): string | null {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return null;
  const texts = content.map((c) => str(obj(c)?.text)).filter((t): t is string => t !== null);
  return texts.length > 0 ? texts.join('\n') : null;
}

/** Bash's exit status: a field of the structured result where a version writes one, else its "Exit code N" line. */
export function exitCodeOf(toolUseResult: unknown, output: string | null): number | null {
  const r = obj(toolUseResult);
  for (const key of ['exitCode', 'exit_code', 'returnCode']) {
    const v = r?.[key];
    if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  }
  const text = typeof toolUseResult === 'string' ? toolUseResult : output;
  const m = /^(?:Error: )?Exit code (-?\d{1,7})\b/.exec(text ?? '');
  return m ? Number(m[1]) : null;
}
