// Reading Claude Code and Codex session files into one trajectory: counts, tokens once per
// message, calls joined to their results and exit codes, subagents, and files that are
// cut off, malformed, too long or missing.
import { mkdirSync, mkdtempSync, writeFileSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { scoreTrajectory } from '../../src/domain/trajectories/quality.js';
import { trajectorySchema } from '../../src/domain/trajectories/trajectory.js';
import { canonicalJson } from '../../src/core/canonical-json.js';
import { jsonObjectLines } from '../../src/trajectories/jsonl-lines.js';
import { KEEP_BYTES } from '../../src/trajectories/session-builder.js';
import { findSessions, readSession } from '../../src/trajectories/session-files.js';
import { jsonl, writeClaudeSession, writeCodexSession } from '../support/agent-sessions.js';

const temp = () => mkdtempSync(path.join(tmpdir(), 'traj-readers-'));
const T0 = Date.parse('2026-11-20T09:00:00.000Z');

async function readOnly(dirs: { claudeDir?: string; codexDir?: string }) {
  const sources = [...(dirs.claudeDir ? ['claude' as const] : []), ...(dirs.codexDir ? ['codex' as const] : [])];
  const found = await findSessions({ claudeDir: dirs.claudeDir ?? '', codexDir: dirs.codexDir ?? '', sources }, T0 + 86_400_000);
  return { found, reads: await Promise.all(found.files.map(readSession)) };
}

describe('Claude Code sessions', () => {
  it('reads messages, thinking, tool calls joined to results, the subagent and tokens once per message id', async () => {
    const root = temp();
    const fx = writeClaudeSession(path.join(root, 'projects'), { sessionId: '3f1c9a7e-0b2d-4c1e-9f00-1a2b3c4d5e6f', cwd: '/work/app', startAt: T0 });
    const { found, reads } = await readOnly({ claudeDir: path.join(root, 'projects') });
    expect(found.files.map((f) => f.sessionId)).toEqual([fx.sessionId]);
    const [{ trajectory: t, skipped_lines, truncated }] = reads as [(typeof reads)[0]];
    expect({ skipped_lines, truncated }).toEqual({ skipped_lines: 0, truncated: false });
    expect(trajectorySchema.parse(t)).toEqual(t);
    expect(t).toMatchObject({ source: 'claude', session_id: fx.sessionId, cwd: '/work/app', started_at: new Date(T0).toISOString(), tokens: fx.expected.tokens });
    expect(t.task).toMatch(/^Fix the failing parser test/);

    const calls = t.steps.filter((s) => s.kind === 'tool_call');
    expect(calls.map((c) => [c.name, c.exit_code, c.is_error])).toEqual([
      ['Bash', 1, true],
      ['Edit', null, false],
      ['Task', null, false],
      ['Bash', null, false],
    ]);
    expect(calls[2]).toMatchObject({ subagent: fx.expected.subagent, output: 'Only src/cli.ts calls parse().' });
    expect(JSON.parse(calls[0]!.input)).toEqual({ command: 'npm test', description: 'Run the tests' });
    expect(t.steps.filter((s) => s.kind === 'thinking')).toHaveLength(1);
    // Record types that are not conversation pass through by name.
    expect(t.steps.filter((s) => s.kind === 'other').map((s) => (s.kind === 'other' ? s.type : ''))).toEqual(['file-history-snapshot', 'system', 'summary']);
    expect(Object.keys(t.subagents)).toEqual(['a7f3e2']);
    expect(t.subagents.a7f3e2!.filter((s) => s.kind === 'tool_call')).toMatchObject([{ name: 'Grep', output: 'src/cli.ts:3' }]);

    const score = scoreTrajectory(t);
    expect({ messages: score.messages, tool_calls: score.tool_calls, tests_passed: score.tests_passed }).toEqual({
      messages: fx.expected.messages,
      tool_calls: fx.expected.tool_calls,
      tests_passed: true,
    });
    expect(score.tests.map((r) => r.passed)).toEqual([false, true]);
  });

  it('links the subagent of an older version kept as a flat agent-<id>.jsonl beside the session', async () => {
    const root = temp();
    const folder = path.join(root, '-work-app');
    mkdirSync(folder);
    const line = (o: object) => ({ sessionId: 's-old', cwd: '/work/app', timestamp: new Date(T0).toISOString(), ...o });
    writeFileSync(path.join(folder, 's-old.jsonl'), jsonl([line({ type: 'user', message: { role: 'user', content: 'hi' } })]));
    writeFileSync(path.join(folder, 'agent-9z.jsonl'), jsonl([line({ isSidechain: true, agentId: '9z', type: 'user', message: { role: 'user', content: 'sub task' } })]));
    writeFileSync(path.join(folder, 'agent-other.jsonl'), jsonl([line({ sessionId: 'someone-else', type: 'user', message: { role: 'user', content: 'x' } })]));
    const { reads } = await readOnly({ claudeDir: root });
    expect(reads.map((r) => [r.trajectory.session_id, Object.keys(r.trajectory.subagents)])).toEqual([['s-old', ['9z']]]);
  });

  it('skips and counts a malformed line and a cut-off last line, and keeps the rest', async () => {
    const root = temp();
    const folder = path.join(root, '-work-app');
    mkdirSync(folder);
    const good = { type: 'user', cwd: '/w', timestamp: new Date(T0).toISOString(), message: { role: 'user', content: 'task' } };
    writeFileSync(path.join(folder, 'cut.jsonl'), `${JSON.stringify(good)}\nnot json at all\n[1,2]\n${JSON.stringify(good).slice(0, 30)}`);
    const { reads } = await readOnly({ claudeDir: root });
    expect(reads[0]).toMatchObject({ skipped_lines: 3, truncated: false, trajectory: { task: 'task' } });
  });

  it('keeps the start of a session past the size limit and says it was truncated', async () => {
    const root = temp();
    const folder = path.join(root, '-work-app');
    mkdirSync(folder);
    const big = { type: 'user', cwd: '/w', timestamp: new Date(T0).toISOString(), message: { role: 'user', content: 'y'.repeat(100_000) } };
    writeFileSync(path.join(folder, 'long.jsonl'), jsonl(Array.from({ length: 60 }, () => big)));
    const { reads } = await readOnly({ claudeDir: root });
    const r = reads[0]!;
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(canonicalJson(r.trajectory))).toBeLessThanOrEqual(KEEP_BYTES + 1024);
    expect(r.trajectory.steps.length).toBeGreaterThanOrEqual(30);
  });

  it('says when the folder is missing or empty, and when only the last 30 days are there', async () => {
    const empty = temp();
    expect((await readOnly({ claudeDir: path.join(empty, 'nope') })).found.notes[0]).toMatch(/No Claude Code sessions: .*nope does not exist/);
    expect((await readOnly({ claudeDir: empty })).found.notes[0]).toBe(`No Claude Code sessions in ${empty}.`);

    const root = temp();
    const fx = writeClaudeSession(path.join(root, 'projects'), { sessionId: 'recent', cwd: '/w', startAt: T0 });
    utimesSync(fx.file, new Date(T0), new Date(T0));
    expect((await readOnly({ claudeDir: path.join(root, 'projects') })).found.notes.join('\n')).toMatch(
      /Only Claude Code sessions from the last 30 days were found.*cleanupPeriodDays/,
    );
    writeFileSync(path.join(root, 'settings.json'), JSON.stringify({ cleanupPeriodDays: 365 }));
    expect((await readOnly({ claudeDir: path.join(root, 'projects') })).found.notes).toEqual([]);
  });
});

describe('Codex sessions', () => {
  it('reads the initial commit, calls joined by call_id with exit codes, and tokens from the last running total', async () => {
    const root = temp();
    const sessionId = '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b';
    const fx = writeCodexSession(path.join(root, 'sessions'), { sessionId, cwd: '/work/cli', commit: 'a'.repeat(40), startAt: T0 });
    const { found, reads } = await readOnly({ codexDir: path.join(root, 'sessions') });
    expect(found.files.map((f) => [f.source, f.sessionId])).toEqual([['codex', sessionId]]);
    const { trajectory: t, skipped_lines } = reads[0]!;
    expect(skipped_lines).toBe(0);
    expect(trajectorySchema.parse(t)).toEqual(t);
    expect(t).toMatchObject({ source: 'codex', session_id: sessionId, cwd: '/work/cli', initial_commit: 'a'.repeat(40), tokens: fx.expected.tokens });
    expect(t.task).toMatch(/^Add a --verbose flag/);
    const calls = t.steps.filter((s) => s.kind === 'tool_call');
    expect(calls.map((c) => [c.name, c.exit_code, c.output?.split('\n')[0]])).toEqual([
      ['shell', 101, 'test result: FAILED. 3 passed; 1 failed'],
      ['apply_patch', 0, 'Success. Updated the following files:'],
      ['exec_command', 0, 'Chunk ID: 1f2e'],
    ]);
    expect(JSON.parse(calls[1]!.input)).toMatch(/^\*\*\* Begin Patch/);
    expect(t.steps.some((s) => s.kind === 'other' && s.type === 'ghost_snapshot')).toBe(true);
    expect(t.steps.filter((s) => s.kind === 'thinking')).toHaveLength(1);
    const score = scoreTrajectory(t);
    expect([score.messages, score.tool_calls, score.tests_passed]).toEqual([fx.expected.messages, fx.expected.tool_calls, true]);
  });

  it('finds archived sessions beside sessions/ and says when there are none', async () => {
    const root = temp();
    mkdirSync(path.join(root, 'sessions'));
    expect((await readOnly({ codexDir: path.join(root, 'sessions') })).found.notes).toEqual([`No Codex sessions in ${path.join(root, 'sessions')}.`]);
    mkdirSync(path.join(root, 'archived_sessions'));
    const id = '0199a1b2-c3d4-7e5f-8a9b-000000000001';
    writeFileSync(
      path.join(root, 'archived_sessions', `rollout-2026-01-02T03-04-05-${id}.jsonl`),
      jsonl([{ timestamp: new Date(T0).toISOString(), type: 'session_meta', payload: { id, cwd: '/w' } }]),
    );
    expect((await readOnly({ codexDir: path.join(root, 'sessions') })).reads.map((r) => r.trajectory.session_id)).toEqual([id]);
  });
});

describe('reading lines', () => {
  it('skips a line longer than the limit without holding it, and reads the lines after it', async () => {
    const file = path.join(temp(), 'x.jsonl');
    writeFileSync(file, `{"a":1}\n{"b":"${'z'.repeat(5000)}"}\n{"c":3}`);
    const counts = { malformed: 0, oversized: 0 };
    const got = [];
    for await (const o of jsonObjectLines(file, counts, 1000)) got.push(o);
    expect(got).toEqual([{ a: 1 }, { c: 3 }]);
    expect(counts).toEqual({ malformed: 0, oversized: 1 });
  });
});
