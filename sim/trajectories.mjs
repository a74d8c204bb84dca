// Coding trajectories for the simulator: sessions of random size, commits and test outcome,
// in the format the trajectories CLI sends (agent-marketplace.trajectory/1). Each carries its
// own session id, so only the copies the hostile actors make are duplicates.
import { canonicalHash } from '../dist/core/canonical-json.js';

const toolCall = (id, command, exit_code) => ({
  kind: 'tool_call',
  id,
  name: 'Bash',
  input: JSON.stringify({ command }),
  output: exit_code === 0 ? 'ok' : 'failed',
  is_error: exit_code !== 0,
  exit_code,
  at: null,
});

export function simTrajectory(r, sessionId, { secret = null } = {}) {
  const calls = r.int(1, 30);
  const tests = r.weighted({ passed: 3, failed: 1, none: 1 });
  const steps = [{ kind: 'message', role: 'user', text: `sim task ${sessionId}${secret ? ` using ${secret}` : ''}`, at: null }];
  for (let i = 0; i < calls; i++)
    steps.push(toolCall(`t${i}`, i === calls - 1 && tests !== 'none' ? 'npm test' : `cat file${i}.ts`, i === calls - 1 && tests === 'failed' ? 1 : 0));
  steps.push({ kind: 'message', role: 'assistant', text: 'done', at: null });
  const commit = () => Array.from({ length: 40 }, () => '0123456789abcdef'[r.int(0, 15)]).join('');
  return {
    format: 'agent-marketplace.trajectory/1',
    session_id: sessionId,
    source: r.pick(['claude', 'codex']),
    task: `sim task ${sessionId}`,
    cwd: '.',
    started_at: null,
    ended_at: null,
    initial_commit: r.chance(0.8) ? commit() : null,
    final_commit: r.chance(0.7) ? commit() : null,
    tokens: { input: r.int(100, 40_000), output: r.int(50, 10_000) },
    steps,
    subagents: {},
  };
}

/** The tool arguments contributing `trajectory`, claiming a quality that is only a claim. */
export function contributionArgs(r, bountyId, trajectory, key) {
  return {
    bounty_id: bountyId,
    trajectory,
    metadata: { source: trajectory.source, trajectory_hash: canonicalHash(trajectory), quality_score: r.pick([0.2, 0.6, 0.99]) },
    idempotency_key: key,
  };
}
