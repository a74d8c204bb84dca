// The commits a session started from and ended at, asked of real git; no repository, no
// folder and no git leave them unknown instead of failing.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gitState } from '../../src/trajectories/git-state.js';
import { gitRepo } from '../support/agent-sessions.js';

const T0 = Date.parse('2026-11-20T09:00:00.000Z');
const iso = (ms: number) => new Date(ms).toISOString();
const temp = () => mkdtempSync(path.join(tmpdir(), 'traj-git-'));
const PATH = process.env.PATH;
afterEach(() => {
  process.env.PATH = PATH;
});

describe('git state of a session', () => {
  it('is the commit current at the first timestamp and the one made during the session', async () => {
    const repo = temp();
    const { first, second } = gitRepo(repo, T0 - 3_600_000, T0 + 50 * 60_000);
    const sub = path.join(repo, 'src');
    expect(await gitState(sub, iso(T0), iso(T0 + 3_600_000))).toEqual({ repoRoot: repo, initialCommit: first, finalCommit: second });
    // A commit made just after the last record still counts; none made during the session means no final commit.
    expect(await gitState(repo, iso(T0), iso(T0 + 48 * 60_000))).toMatchObject({ finalCommit: second });
    expect(await gitState(repo, iso(T0), iso(T0 + 10 * 60_000))).toMatchObject({ initialCommit: first, finalCommit: null });
    // Before the repository had any commit.
    expect(await gitState(repo, iso(T0 - 7_200_000), iso(T0 - 7_100_000))).toEqual({ repoRoot: repo, initialCommit: null, finalCommit: null });
    // Codex's own record of the starting commit is kept.
    expect(await gitState(repo, iso(T0 + 55 * 60_000), iso(T0 + 60 * 60_000), first)).toMatchObject({ initialCommit: first, finalCommit: null });
  });

  it('leaves the commits unknown outside a repository, for a folder that is gone, and without git', async () => {
    const none = { repoRoot: null, initialCommit: null, finalCommit: null };
    expect(await gitState(temp(), iso(T0), iso(T0 + 1))).toEqual(none);
    expect(await gitState('/nonexistent/folder', iso(T0), iso(T0 + 1))).toEqual(none);
    expect(await gitState(null, iso(T0), iso(T0 + 1))).toEqual(none);
    const repo = temp();
    gitRepo(repo, T0 - 3_600_000, T0 + 50 * 60_000);
    process.env.PATH = '';
    expect(await gitState(repo, iso(T0), iso(T0 + 3_600_000))).toEqual(none);
  });
});
