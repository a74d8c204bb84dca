// Codex CLI sessions (shared/TRAJECTORY-FORMATS.md): `{ timestamp, type, payload }` a line;
// the first says where the session ran and at which commit; function calls are joined to
// their outputs by call_id; token usage is a running total, so the last one counts.
import { jsonObjectLines } from './jsonl-lines.js';
import { clip, inputJson, MAX_FIELD_CHARS, num, obj, SessionBuilder, sessionRead, str, typeName, type SessionRead } from './session-builder.js';

export interface CodexSessionFile {
  /** The conversation id in the file name (rollout-<time>-<id>.jsonl), else null. */
  sessionId: string | null;
  path: string;
}

/** What Codex puts into the conversation as user messages that the user did not write. */
const NOT_A_TASK = /^\s*(<environment_context>|<user_instructions>|# AGENTS\.md instructions)/;
/** Records of files older than the envelope, read as response items. */
const BARE_ITEMS = new Set(['message', 'reasoning', 'function_call', 'function_call_output', 'custom_tool_call', 'custom_tool_call_output', 'local_shell_call', 'web_search_call']);

export async function readCodexSession(file: CodexSessionFile): Promise<SessionRead> {
  const b = new SessionBuilder('codex', file.sessionId ?? '');
  for await (const line of jsonObjectLines(file.path, b.lines)) {
    const at = b.time(line.timestamp);
    const payload = obj(line.payload);
    if (line.type === 'session_meta' && payload) meta(b, payload);
    else if (line.type === 'response_item' && payload) item(b, payload, at);
    else if (line.type === 'event_msg' && payload) event(b, payload, at);
    else if (line.type === 'turn_context' && payload) {
      if (b.cwd === null) b.cwd = str(payload.cwd);
      b.push({ kind: 'other', type: 'turn_context', at });
    } else if (!payload && typeof line.type === 'string' && BARE_ITEMS.has(line.type)) item(b, line, at);
    else if (!payload && line.type === undefined && typeof line.id === 'string') meta(b, line);
    else b.push({ kind: 'other', type: typeName(line.type, 'unknown'), at });
  }
  if (b.sessionId === '') b.sessionId = file.path.replace(/^.*[\\/]/, '').replace(/\.jsonl$/, '');
  return sessionRead(b);
}

function meta(b: SessionBuilder, p: Record<string, unknown>): void {
  if (b.sessionId === '' && typeof p.id === 'string') b.sessionId = p.id;
  if (b.cwd === null) b.cwd = str(p.cwd);
  b.time(p.timestamp);
  const commit = str(obj(p.git)?.commit_hash);
  if (commit) b.initialCommit = commit.toLowerCase();
}

function item(b: SessionBuilder, p: Record<string, unknown>, at: string | null): void {
  const callId = (str(p.call_id) ?? str(p.id) ?? `call-${b.steps.length}`).slice(0, 200);
  switch (p.type) {
    case 'message': {
      const text = textsOf(p.content);
      const role = p.role === 'assistant' ? 'assistant' : p.role === 'user' ? 'user' : 'system';
      b.push({ kind: 'message', role, text: clip(text), at });
      if (role === 'user' && !NOT_A_TASK.test(text)) b.userText(text);
      return;
    }
    case 'reasoning': {
      const text = [textsOf(p.summary), textsOf(p.content)].filter(Boolean).join('\n');
      b.push(text ? { kind: 'thinking', text: clip(text), at } : { kind: 'other', type: 'reasoning', at });
      return;
    }
    case 'function_call':
    case 'custom_tool_call': {
      const raw = p.type === 'function_call' ? p.arguments : p.input;
      b.push({ kind: 'tool_call', id: callId, name: typeName(p.name, 'unknown'), input: argumentsJson(raw), output: null, is_error: null, exit_code: null, at, subagent: null });
      return;
    }
    case 'local_shell_call':
    case 'web_search_call':
      b.push({
        kind: 'tool_call',
        id: callId,
        name: p.type === 'local_shell_call' ? 'local_shell' : 'web_search',
        input: inputJson(p.action ?? null),
        output: null,
        is_error: null,
        exit_code: null,
        at,
        subagent: null,
      });
      return;
    case 'function_call_output':
    case 'custom_tool_call_output':
      b.result(callId, outputOf(p.output));
      return;
    default:
      b.push({ kind: 'other', type: typeName(p.type, 'response_item'), at });
  }
}

function event(b: SessionBuilder, p: Record<string, unknown>, at: string | null): void {
  if (p.type === 'token_count') {
    const total = obj(obj(p.info)?.total_token_usage);
    // Cached input is the same prompt read again on every turn.
    if (total) b.totalTokens(num(total.input_tokens) - num(total.cached_input_tokens), num(total.output_tokens));
    return;
  }
  if (p.type === 'exec_command_end' && typeof p.call_id === 'string') {
    const call = b.call(p.call_id);
    const exit = typeof p.exit_code === 'number' ? p.exit_code : null;
    const output = call && call.output === null ? (str(p.aggregated_output) ?? str(p.stdout)) : null;
    b.result(p.call_id, { output, exit_code: exit, is_error: exit === null ? null : exit !== 0 });
    return;
  }
  if (p.type === 'user_message' && typeof p.message === 'string' && !NOT_A_TASK.test(p.message)) b.userText(p.message);
  b.push({ kind: 'other', type: `event_msg:${typeName(p.type, 'unknown')}`.slice(0, 200), at });
}

/** Texts of content parts (input_text, output_text, summary_text), joined. */
function textsOf(content: unknown): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .map((c) => str(obj(c)?.text))
    .filter((t): t is string => t !== null)
    .join('\n');
}

/** Arguments arrive as JSON text; what does not parse is kept as a JSON string. */
function argumentsJson(raw: unknown): string {
  if (typeof raw !== 'string') return inputJson(raw ?? null);
  try {
    const parsed: unknown = JSON.parse(raw);
    return raw.length <= MAX_FIELD_CHARS ? raw : inputJson(parsed);
  } catch {
    return inputJson(raw);
  }
}

/**
 * A call's output: plain text, `{ output, metadata: { exit_code } }` as JSON text (the shell
 * tool), text opening with "Exit code: N" or holding "Process exited with code N" (newer
 * exec tools), or `{ content, success }`.
 */
export function outputOf(raw: unknown): { output: string | null; exit_code: number | null; is_error: boolean | null } {
  const o = obj(raw);
  if (o) {
    const success = typeof o.success === 'boolean' ? o.success : null;
    return { output: typeof o.content === 'string' ? o.content : textsOf(o.content) || null, exit_code: null, is_error: success === null ? null : !success };
  }
  if (typeof raw !== 'string') return { output: null, exit_code: null, is_error: null };
  let output = raw;
  let exit: number | null = null;
  if (raw.startsWith('{')) {
    try {
      const parsed = obj(JSON.parse(raw));
      if (parsed && typeof parsed.output === 'string') {
        output = parsed.output;
        const code = obj(parsed.metadata)?.exit_code;
        if (typeof code === 'number' && Number.isSafeInteger(code)) exit = code;
      }
    } catch {
      // plain text that starts with a brace
    }
  }
  if (exit === null) {
    const m = /^Exit code: (-?\d{1,7})\b/.exec(raw) ?? /^Process exited with code (-?\d{1,7})\b/m.exec(raw.slice(0, 2000));
    if (m) exit = Number(m[1]);
  }
  return { output, exit_code: exit, is_error: exit === null ? null : exit !== 0 };
}
