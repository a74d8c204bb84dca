// The reward signal's git half: the commit a session started from and the one it ended
// at, asked of git in the session's working directory. Codex records the starting commit
// itself; Claude Code does not, so it is the commit current at the first timestamp. Git
// runs without a shell, with a timeout, and a missing git, a folder that is gone or is no
// repository simply leaves the commits unknown.
import { execFile } from 'node:child_process';

export const GIT_TIMEOUT_MS = 5_000;
/** A commit made this soon after the session's last record is still its result. */
export const FINAL_COMMIT_GRACE_MS = 5 * 60_000;
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;

export interface GitState {
  /** The repository's top folder, for making paths relative; null outside a repository. */
  repoRoot: string | null;
  initialCommit: string | null;
  /** A commit made during the session (or just after it), else null. */
  finalCommit: string | null;
}

function git(cwd: string, args: string[]): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      'git',
      ['-C', cwd, ...args],
      { timeout: GIT_TIMEOUT_MS, maxBuffer: 1024 * 1024, windowsHide: true, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_OPTIONAL_LOCKS: '0', LC_ALL: 'C' } },
      (error, stdout) => resolve(error ? null : String(stdout).trim()),
    );
  });
}

/** Git's own date format for --before/--after: seconds since the epoch. */
const gitDate = (ms: number) => `@${Math.floor(ms / 1000)}`;

async function commitBefore(cwd: string, ms: number, afterMs?: number): Promise<string | null> {
  const out = await git(cwd, ['rev-list', '-1', `--before=${gitDate(ms)}`, ...(afterMs === undefined ? [] : [`--after=${gitDate(afterMs)}`]), 'HEAD', '--']);
  return out !== null && COMMIT.test(out) ? out : null;
}

export async function gitState(cwd: string | null, startedAt: string | null, endedAt: string | null, knownInitial: string | null = null): Promise<GitState> {
  const none: GitState = { repoRoot: null, initialCommit: knownInitial, finalCommit: null };
  if (!cwd) return none;
  const repoRoot = await git(cwd, ['rev-parse', '--show-toplevel']);
  if (!repoRoot) return none;
  const start = startedAt ? Date.parse(startedAt) : NaN;
  const end = endedAt ? Date.parse(endedAt) : NaN;
  const initialCommit = knownInitial ?? (Number.isNaN(start) ? null : await commitBefore(cwd, start));
  let finalCommit = Number.isNaN(start) || Number.isNaN(end) ? null : await commitBefore(cwd, end + FINAL_COMMIT_GRACE_MS, start);
  if (finalCommit !== null && initialCommit !== null && finalCommit.startsWith(initialCommit)) finalCommit = null;
  return { repoRoot, initialCommit, finalCommit };
}
