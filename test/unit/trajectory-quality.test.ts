// The seed's quality and reward formulas, worked by hand on trajectories built here.
import { describe, expect, it } from 'vitest';
import { rewardSats, scoreTrajectory, TOKEN_ALLOWANCE } from '../../src/domain/trajectories/quality.js';
import { TRAJECTORY_FORMAT, type Step, type Trajectory } from '../../src/domain/trajectories/trajectory.js';

const bash = (command: string, exit: number | null, output = 'ok'): Step => ({
  kind: 'tool_call',
  id: `t${Math.random()}`,
  name: 'Bash',
  input: JSON.stringify({ command }),
  output,
  is_error: exit === null ? null : exit !== 0,
  exit_code: exit,
  at: null,
});

function trajectory(over: Partial<Trajectory> = {}): Trajectory {
  return {
    format: TRAJECTORY_FORMAT,
    session_id: 's1',
    source: 'claude',
    task: 'Fix the parser',
    cwd: '.',
    started_at: null,
    ended_at: null,
    initial_commit: null,
    final_commit: null,
    tokens: { input: 0, output: 0 },
    steps: [],
    subagents: {},
    ...over,
  };
}

describe('trajectory quality and reward', () => {
  it('scores a full session: both commits, 30 tool calls, 40k tokens, tests passing at the end', () => {
    const steps: Step[] = [
      { kind: 'message', role: 'user', text: 'x'.repeat(30_000), at: null },
      bash('npm test', 1, 'FAIL parser.test.ts'),
      ...Array.from({ length: 28 }, (_, i) => bash(`cat file${i}.ts`, 0)),
      bash('npx vitest run', 0, 'all passed'),
    ];
    const s = scoreTrajectory(trajectory({ initial_commit: 'a'.repeat(40), final_commit: 'b'.repeat(40), tokens: { input: 30_000, output: 10_000 }, steps }));
    expect(s).toMatchObject({ tool_calls: 30, tokens: 40_000, tests_passed: true, git_commit_correlation: 1, complexity: 0.9, reward_signal: 1, quality_score: 0.97 });
    expect(s.tests.map((t) => [t.command, t.passed])).toEqual([
      ['npm test', false],
      ['npx vitest run', true],
    ]);
    // base 100 + 10·40 + 5·30 = 650; × (1 + 0.47/0.5) = 1.94 → 1,261; + 200 for the passing tests.
    expect(s.estimated_reward_sats).toBe(1_461);
  });

  it("pays nothing below the threshold, and the threshold is the settings' own", () => {
    const s = scoreTrajectory(trajectory({ initial_commit: 'a'.repeat(40) }));
    expect(s.quality_score).toBe(0.2);
    expect(s.estimated_reward_sats).toBe(0);
    expect(scoreTrajectory(trajectory({ initial_commit: 'a'.repeat(40) }), 0.2).estimated_reward_sats).toBe(100);
    expect(rewardSats({ qualityMilli: 1000, minQualityMilli: 1000, tokens: 0, toolCalls: 0, testsPassed: false })).toBe(100);
  });

  it('failed tests are a weaker signal than passing ones, and no test run is none', () => {
    const failing = scoreTrajectory(trajectory({ steps: [bash('pytest -q', 2)] }));
    expect([failing.tests_passed, failing.reward_signal]).toEqual([false, 0.3]);
    const none = scoreTrajectory(trajectory({ steps: [bash('ls', 0)] }));
    expect([none.tests_passed, none.reward_signal, none.tests]).toEqual([null, 0, []]);
  });

  it('credits reported tokens only up to what the content could have cost', () => {
    const s = scoreTrajectory(trajectory({ tokens: { input: 10 ** 12, output: 10 ** 12 }, steps: [{ kind: 'message', role: 'user', text: 'x'.repeat(4_000), at: null }] }));
    expect(s.tokens).toBe(2 * Math.ceil((4_000 + 'Fix the parser'.length) / 4) + TOKEN_ALLOWANCE);
  });
});
