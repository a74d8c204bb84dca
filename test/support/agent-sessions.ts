// Claude Code and Codex session files in the shapes of shared/TRAJECTORY-FORMATS.md, with
// planted secrets, personal data and home paths, for the readers and the command line.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Values that must never leave the machine. */
export const PLANTED = {
  anthropicKey: 'sk-ant-api03-Zq8Xw2Lm4Nv6Bp0Rt9Ys1Ku3Hj5Gf7Dc',
  awsKey: 'AKIAQ3EGRT7YU2XYZ4ML',
  githubToken: 'ghp_R4nd0mT0k3nV4lu3Xy9Zq8Wp7Lm6Kj5Hg4Fd',
  email: 'ana.lopez@example.org',
  otherHome: '/home/ana/.ssh/id_ed25519',
} as const;

export const jsonl = (lines: unknown[]) => lines.map((l) => JSON.stringify(l)).join('\n') + '\n';

const iso = (ms: number) => new Date(ms).toISOString();

/** A repository with two commits: one before the session, one made during it. */
export function gitRepo(dir: string, firstAt: number, secondAt: number): { first: string; second: string } {
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  const git = (args: string[], at?: number) =>
    execFileSync('git', args, {
      cwd: dir,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 'Test',
        GIT_AUTHOR_EMAIL: 'test@example.invalid',
        GIT_COMMITTER_NAME: 'Test',
        GIT_COMMITTER_EMAIL: 'test@example.invalid',
        ...(at ? { GIT_AUTHOR_DATE: iso(at), GIT_COMMITTER_DATE: iso(at) } : {}),
      },
    }).trim();
  git(['init', '-q', '-b', 'main']);
  writeFileSync(path.join(dir, 'src', 'parser.ts'), 'export const parse = (s: string) => s.split(",");\n');
  git(['add', '-A']);
  git(['commit', '-q', '-m', 'parser'], firstAt);
  const first = git(['rev-parse', 'HEAD']);
  writeFileSync(path.join(dir, 'src', 'parser.ts'), 'export const parse = (s: string) => s.split(",").map((x) => x.trim());\n');
  git(['commit', '-q', '-am', 'fix parser'], secondAt);
  return { first, second: git(['rev-parse', 'HEAD']) };
}

export interface ClaudeFixture {
  sessionId: string;
  file: string;
  /** What the readers should find. */
  expected: { messages: number; tool_calls: number; tokens: { input: number; output: number }; tests_passed: boolean; subagent: string };
}

/**
 * A Claude Code session in `cwd`: the test fails, the agent edits, a subagent explores, the
 * agent commits and the tests pass. Timestamps run from `startAt` for an hour.
 */
export function writeClaudeSession(projectsDir: string, o: { sessionId: string; cwd: string; startAt: number }): ClaudeFixture {
  const folder = path.join(projectsDir, o.cwd.replace(/[/.]/g, '-'));
  mkdirSync(path.join(folder, o.sessionId, 'subagents'), { recursive: true });
  let minute = 0;
  const env = () => ({
    parentUuid: null,
    isSidechain: false,
    userType: 'external',
    cwd: o.cwd,
    sessionId: o.sessionId,
    version: '2.0.14',
    gitBranch: 'main',
    uuid: `u${minute}`,
    timestamp: iso(o.startAt + minute++ * 60_000),
  });
  const usage = (input: number, cacheCreation: number, output: number) => ({
    input_tokens: input,
    cache_creation_input_tokens: cacheCreation,
    cache_read_input_tokens: 40_000,
    output_tokens: output,
  });
  const assistant = (id: string, block: unknown, u: Awaited<ReturnType<typeof usage>>) => ({
    ...env(),
    type: 'assistant',
    requestId: `req_${id}`,
    message: { id, type: 'message', role: 'assistant', model: 'claude-sonnet-4-5', content: [block], stop_reason: null, usage: u },
  });
  const result = (toolUseId: string, content: unknown, isError: boolean, toolUseResult: unknown) => ({
    ...env(),
    type: 'user',
    message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: toolUseId, content, is_error: isError }] },
    toolUseResult,
  });
  const u1 = usage(12, 3_000, 40);
  const u2 = usage(8, 500, 120);
  const u3 = usage(5, 200, 60);
  const u4 = usage(4, 100, 30);
  const lines = [
    { type: 'file-history-snapshot', messageId: 'm0', snapshot: { trackedFileBackups: {} }, isSnapshotUpdate: false },
    {
      ...env(),
      type: 'user',
      message: { role: 'user', content: `Fix the failing parser test in ${o.cwd}/src/parser.ts. The API key is ${PLANTED.anthropicKey}; mail ${PLANTED.email} when done.` },
    },
    // One reply written as two lines with one message id: its usage counts once.
    assistant('msg_01', { type: 'thinking', thinking: `The test reads ${PLANTED.otherHome} by mistake; run the tests first.`, signature: 'c2lnbmF0dXJl' }, u1),
    assistant('msg_01', { type: 'tool_use', id: 'toolu_01', name: 'Bash', input: { command: 'npm test', description: 'Run the tests' } }, u1),
    result('toolu_01', 'FAIL src/parser.test.ts\n  expected "a" got " a"', true, 'Error: Exit code 1\nFAIL src/parser.test.ts'),
    assistant(
      'msg_02',
      {
        type: 'tool_use',
        id: 'toolu_02',
        name: 'Edit',
        input: { file_path: `${o.cwd}/src/parser.ts`, old_string: 's.split(",")', new_string: 's.split(",").map((x) => x.trim())' },
      },
      u2,
    ),
    result('toolu_02', `The file ${o.cwd}/src/parser.ts has been updated.`, false, { filePath: `${o.cwd}/src/parser.ts` }),
    assistant(
      'msg_03',
      { type: 'tool_use', id: 'toolu_03', name: 'Task', input: { description: 'Find other callers', prompt: 'List callers of parse()', subagent_type: 'Explore' } },
      u3,
    ),
    result('toolu_03', [{ type: 'text', text: 'Only src/cli.ts calls parse().' }], false, { status: 'completed', agentId: 'a7f3e2' }),
    assistant('msg_04', { type: 'tool_use', id: 'toolu_04', name: 'Bash', input: { command: 'git commit -qam "fix parser" && npm test' } }, u4),
    result('toolu_04', `PASS src/parser.test.ts\nAWS_ACCESS_KEY_ID=${PLANTED.awsKey}`, false, { stdout: 'PASS src/parser.test.ts', stderr: '', interrupted: false }),
    assistant('msg_05', { type: 'text', text: 'Fixed: parse() trims each field, and the tests pass.' }, u4),
    { ...env(), type: 'system', subtype: 'compact_boundary', content: 'Conversation compacted', isMeta: false },
    { type: 'summary', summary: 'Parser trimming fix', leafUuid: 'u9' },
  ];
  const file = path.join(folder, `${o.sessionId}.jsonl`);
  writeFileSync(file, jsonl(lines));
  const sub = { ...env(), isSidechain: true, agentId: 'a7f3e2' };
  writeFileSync(
    path.join(folder, o.sessionId, 'subagents', 'agent-a7f3e2.jsonl'),
    jsonl([
      { ...sub, type: 'user', message: { role: 'user', content: 'List callers of parse()' } },
      {
        ...sub,
        type: 'assistant',
        message: {
          id: 'msg_s1',
          role: 'assistant',
          content: [{ type: 'tool_use', id: 'toolu_s1', name: 'Grep', input: { pattern: 'parse\\(', path: o.cwd } }],
          usage: usage(3, 900, 20),
        },
      },
      { ...sub, type: 'user', message: { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_s1', content: 'src/cli.ts:3' }] } },
      { ...sub, type: 'assistant', message: { id: 'msg_s2', role: 'assistant', content: [{ type: 'text', text: 'Only src/cli.ts calls parse().' }], usage: usage(2, 50, 15) } },
    ]),
  );
  writeFileSync(path.join(folder, o.sessionId, 'subagents', 'agent-a7f3e2.meta.json'), JSON.stringify({ toolUseId: 'toolu_03', agentType: 'Explore' }));
  const all = [u1, u2, u3, u4, u4, usage(3, 900, 20), usage(2, 50, 15)];
  return {
    sessionId: o.sessionId,
    file,
    expected: {
      // 1 user + 1 assistant text in the session, 1 user + 1 assistant in the subagent.
      messages: 4,
      tool_calls: 5,
      tokens: { input: all.reduce((n, u) => n + u.input_tokens + u.cache_creation_input_tokens, 0), output: all.reduce((n, u) => n + u.output_tokens, 0) },
      tests_passed: true,
      subagent: 'a7f3e2',
    },
  };
}

export interface CodexFixture {
  sessionId: string;
  file: string;
  expected: { messages: number; tool_calls: number; tokens: { input: number; output: number }; tests_passed: boolean; initial_commit: string };
}

/** A Codex session in `cwd` at `commit`: cargo test fails, the agent fixes it, npm test passes. */
export function writeCodexSession(sessionsDir: string, o: { sessionId: string; cwd: string; commit: string; startAt: number }): CodexFixture {
  const d = new Date(o.startAt);
  const dir = path.join(sessionsDir, String(d.getUTCFullYear()), String(d.getUTCMonth() + 1).padStart(2, '0'), String(d.getUTCDate()).padStart(2, '0'));
  mkdirSync(dir, { recursive: true });
  let second = 0;
  const at = () => iso(o.startAt + second++ * 30_000);
  const line = (type: string, payload: unknown) => ({ timestamp: at(), type, payload });
  const item = (payload: unknown) => line('response_item', payload);
  const lines = [
    line('session_meta', {
      id: o.sessionId,
      timestamp: iso(o.startAt),
      cwd: o.cwd,
      originator: 'codex_cli_rs',
      cli_version: '0.46.0',
      source: 'cli',
      model_provider: 'openai',
      git: { commit_hash: o.commit, branch: 'main', repository_url: 'git@github.com:ana/app.git' },
    }),
    item({ type: 'message', role: 'user', content: [{ type: 'input_text', text: `<environment_context>\n  <cwd>${o.cwd}</cwd>\n</environment_context>` }] }),
    item({ type: 'message', role: 'user', content: [{ type: 'input_text', text: `Add a --verbose flag. Use GITHUB_TOKEN=${PLANTED.githubToken} for the API.` }] }),
    line('event_msg', { type: 'user_message', message: `Add a --verbose flag. Use GITHUB_TOKEN=${PLANTED.githubToken} for the API.`, images: [] }),
    line('turn_context', { cwd: o.cwd, approval_policy: 'on-request', sandbox_policy: { mode: 'workspace-write' }, model: 'gpt-5-codex' }),
    item({ type: 'reasoning', summary: [{ type: 'summary_text', text: `**Planning** Read ${o.cwd}/src/main.rs first.` }], encrypted_content: 'gAAAAB' }),
    item({ type: 'function_call', name: 'shell', arguments: JSON.stringify({ command: ['bash', '-lc', 'cargo test'], workdir: o.cwd }), call_id: 'call_1' }),
    item({
      type: 'function_call_output',
      call_id: 'call_1',
      output: JSON.stringify({ output: 'test result: FAILED. 3 passed; 1 failed', metadata: { exit_code: 101, duration_seconds: 2.1 } }),
    }),
    line('event_msg', {
      type: 'token_count',
      info: {
        total_token_usage: { input_tokens: 9_000, cached_input_tokens: 6_000, output_tokens: 700, reasoning_output_tokens: 200, total_tokens: 9_700 },
        last_token_usage: { input_tokens: 9_000, cached_input_tokens: 6_000, output_tokens: 700 },
      },
    }),
    item({ type: 'custom_tool_call', name: 'apply_patch', input: '*** Begin Patch\n*** Update File: src/main.rs\n+    verbose: bool,\n*** End Patch', call_id: 'call_2' }),
    item({
      type: 'custom_tool_call_output',
      call_id: 'call_2',
      output: JSON.stringify({ output: 'Success. Updated the following files:\nM src/main.rs', metadata: { exit_code: 0 } }),
    }),
    item({ type: 'function_call', name: 'exec_command', arguments: JSON.stringify({ cmd: 'npm test', workdir: o.cwd }), call_id: 'call_3' }),
    item({ type: 'function_call_output', call_id: 'call_3', output: 'Chunk ID: 1f2e\nWall time: 1.2 seconds\nProcess exited with code 0\nOutput:\nall 4 tests passed' }),
    line('event_msg', { type: 'exec_command_end', call_id: 'call_3', exit_code: 0, stdout: 'all 4 tests passed', stderr: '', aggregated_output: 'all 4 tests passed' }),
    item({ type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Added --verbose; all tests pass.' }] }),
    line('event_msg', { type: 'agent_message', message: 'Added --verbose; all tests pass.' }),
    line('event_msg', {
      type: 'token_count',
      info: { total_token_usage: { input_tokens: 21_000, cached_input_tokens: 13_500, output_tokens: 1_600, reasoning_output_tokens: 500, total_tokens: 22_600 } },
    }),
    line('ghost_snapshot', { ghost_commit: { id: 'abc' } }),
    line('event_msg', { type: 'task_complete', last_agent_message: 'Added --verbose; all tests pass.' }),
  ];
  const stamp = iso(o.startAt).slice(0, 19).replace(/:/g, '-');
  const file = path.join(dir, `rollout-${stamp}-${o.sessionId}.jsonl`);
  writeFileSync(file, jsonl(lines));
  return {
    sessionId: o.sessionId,
    file,
    // environment context, the task, and the answer; token usage from the last running total.
    expected: { messages: 3, tool_calls: 3, tokens: { input: 21_000 - 13_500, output: 1_600 }, tests_passed: true, initial_commit: o.commit },
  };
}
