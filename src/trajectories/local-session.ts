// One session on the contributor's machine, from its files to what would be sent: read,
// its git state asked of git, redacted for this user and host, scored as the receiving
// side will score it, and hashed.
import os from 'node:os';
import { canonicalHash, canonicalJson } from '../core/canonical-json.js';
import { MarketError } from '../core/errors.js';
import { redactTrajectory, type RedactionContext, type RedactionCount } from '../domain/trajectories/redact.js';
import { scoreTrajectory, type TrajectoryScore } from '../domain/trajectories/quality.js';
import { MAX_TRAJECTORY_BYTES, trajectorySchema, type Trajectory } from '../domain/trajectories/trajectory.js';
import { gitState, type GitState } from './git-state.js';
import type { SessionRead } from './session-builder.js';
import { readSession, type SessionFile } from './session-files.js';

export interface LocalSession {
  file: SessionFile;
  read: SessionRead;
  git: GitState;
  /** As read, with its commits: paths and names not yet redacted. */
  trajectory: Trajectory;
}

export async function loadSession(file: SessionFile): Promise<LocalSession> {
  const read = await readSession(file);
  const t = read.trajectory;
  const git = await gitState(t.cwd, t.started_at, t.ended_at, t.initial_commit);
  return { file, read, git, trajectory: { ...t, initial_commit: git.initialCommit, final_commit: git.finalCommit } };
}

/** Who and where the contributor is, for the redaction: the login name as the shell knows it. */
export function redactionContext(s: LocalSession): RedactionContext {
  let user: string | null = process.env.USER || process.env.LOGNAME || null;
  try {
    user ??= os.userInfo().username;
  } catch {
    // no passwd entry (some containers)
  }
  return { home: os.homedir() || null, repoRoot: s.git.repoRoot ?? s.trajectory.cwd, userName: user, hostName: os.hostname() || null };
}

export interface PreparedContribution {
  session: LocalSession;
  /** Exactly what is sent: redacted, as it reads back from JSON. */
  trajectory: Trajectory;
  redactions: RedactionCount[];
  score: TrajectoryScore;
  /** sha256 of the trajectory's canonical JSON, as the receiving side computes it. */
  hash: string;
}

export function prepareContribution(s: LocalSession, minQuality: number): PreparedContribution {
  const { trajectory, redactions } = redactTrajectory(s.trajectory, redactionContext(s));
  const parsed = trajectorySchema.safeParse(JSON.parse(JSON.stringify(trajectory)));
  if (!parsed.success) {
    const issues = parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.')}: ${i.message}`);
    throw new MarketError('INVALID_INPUT', `Session ${s.file.sessionId} does not make a valid trajectory (${issues.join('; ')}).`, { issues });
  }
  const sent = parsed.data;
  const bytes = Buffer.byteLength(canonicalJson(sent), 'utf8');
  if (bytes > MAX_TRAJECTORY_BYTES) {
    throw new MarketError(
      'INVALID_INPUT',
      `Session ${s.file.sessionId} is ${bytes.toLocaleString('en-US')} bytes once redacted; a contribution carries at most ${MAX_TRAJECTORY_BYTES.toLocaleString('en-US')}.`,
      { max_bytes: MAX_TRAJECTORY_BYTES },
    );
  }
  return { session: s, trajectory: sent, redactions, score: scoreTrajectory(sent, minQuality), hash: canonicalHash(sent) };
}
