// The seed's scoring of a trajectory (shared/SEED-RULES.md, "Trajectory contributions"),
// as pure functions of the trajectory itself, so the contributor's estimate and the
// server's check are one computation. Scores are kept in thousandths and rewards in whole
// sats with integer arithmetic: both sides must agree to the sat.
import type { Step, Trajectory } from './trajectory.js';

export const DEFAULT_MIN_QUALITY = 0.5;
/** What complexity saturates at: a session this large in tokens, or with this many tool calls, counts fully on that half. */
export const COMPLEXITY_FULL_TOKENS = 50_000;
export const COMPLEXITY_FULL_TOOL_CALLS = 25;
export const CI_BONUS_SATS = 200;

/**
 * Token counts are the agent's own usage records, which the receiving side cannot check.
 * They are credited up to what the content could plausibly have cost: twice its size
 * (about 4 characters a token) plus one system prompt and tool list, so padding the
 * usage numbers of a short session earns nothing.
 */
export const TOKEN_ALLOWANCE = 25_000;

export interface TestRun {
  command: string;
  exit_code: number | null;
  passed: boolean | null;
}

export interface TrajectoryScore {
  messages: number;
  tool_calls: number;
  /** Tokens as credited for scoring (see TOKEN_ALLOWANCE). */
  tokens: number;
  tests: TestRun[];
  tests_passed: boolean | null;
  git_commit_correlation: number;
  complexity: number;
  reward_signal: number;
  quality_score: number;
  /** 0 below the threshold: such a trajectory is not paid. */
  estimated_reward_sats: number;
}

function allSteps(t: Trajectory): Step[] {
  return [...t.steps, ...Object.values(t.subagents).flat()];
}

// Commands that run a project's tests or build; their exit status is the reward signal.
const TEST_COMMAND =
  /(^|[\s;&|(])((npm|pnpm|yarn|bun)\s+(run\s+)?(test|build|check)\b|npx\s+(vitest|jest|mocha|tsc|playwright)\b|vitest\b|jest\b|pytest\b|python3?\s+-m\s+(pytest|unittest)\b|tox\b|cargo\s+(test|build|check|nextest)\b|go\s+(test|build|vet)\b|make(\s+-\S+)*\s+(test|check|build)\b|mvn\b.*\b(test|verify|package)\b|gradlew?\b.*\b(test|build|check)\b|dotnet\s+(test|build)\b|rspec\b|bundle\s+exec\s+(rspec|rake)\b|phpunit\b|swift\s+(test|build)\b|ctest\b|deno\s+test\b)/;

/** The shell command a tool call ran, if it ran one (Claude's Bash, Codex's shell and exec tools). */
export function shellCommandOf(step: Extract<Step, { kind: 'tool_call' }>): string | null {
  let input: unknown;
  try {
    input = JSON.parse(step.input);
  } catch {
    return null;
  }
  if (input === null || typeof input !== 'object') return null;
  const fields = input as Record<string, unknown>;
  for (const key of ['command', 'cmd']) {
    const v = fields[key];
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v.join(' ');
  }
  return null;
}

export function testRunsOf(t: Trajectory): TestRun[] {
  const runs: TestRun[] = [];
  for (const s of allSteps(t)) {
    if (s.kind !== 'tool_call') continue;
    const command = shellCommandOf(s);
    if (command === null || !TEST_COMMAND.test(command)) continue;
    const exit = s.exit_code ?? null;
    runs.push({ command, exit_code: exit, passed: exit !== null ? exit === 0 : s.is_error === null ? null : !s.is_error });
  }
  return runs;
}

/** Roughly a token per 4 characters of what the trajectory holds. */
export function contentTokens(t: Trajectory): number {
  let chars = (t.task ?? '').length;
  for (const s of allSteps(t)) {
    if (s.kind === 'message' || s.kind === 'thinking') chars += s.text.length;
    else if (s.kind === 'tool_call') chars += s.input.length + (s.output?.length ?? 0);
  }
  return Math.ceil(chars / 4);
}

const clamp01 = (x: number) => Math.min(1, Math.max(0, x));
const thousandths = (x: number) => Math.round(x * 1000);

export function scoreTrajectory(t: Trajectory, minQuality = DEFAULT_MIN_QUALITY): TrajectoryScore {
  const steps = allSteps(t);
  const messages = steps.filter((s) => s.kind === 'message').length;
  const toolCalls = steps.filter((s) => s.kind === 'tool_call').length;
  const tokens = Math.min(t.tokens.input + t.tokens.output, 2 * contentTokens(t) + TOKEN_ALLOWANCE);
  const tests = testRunsOf(t);
  // The last run decides: agents run the tests, fix, and run them again.
  const last = [...tests].reverse().find((r) => r.passed !== null);
  const testsPassed = last ? last.passed : null;

  const git = (t.initial_commit ? 0.5 : 0) + (t.final_commit ? 0.5 : 0);
  const complexity = clamp01(0.5 * clamp01(tokens / COMPLEXITY_FULL_TOKENS) + 0.5 * clamp01(toolCalls / COMPLEXITY_FULL_TOOL_CALLS));
  const reward = testsPassed === true ? 1 : testsPassed === false ? 0.3 : 0;
  const q = thousandths(0.4 * git + 0.3 * complexity + 0.3 * reward);
  return {
    messages,
    tool_calls: toolCalls,
    tokens,
    tests,
    tests_passed: testsPassed,
    git_commit_correlation: git,
    complexity: thousandths(complexity) / 1000,
    reward_signal: reward,
    quality_score: q / 1000,
    estimated_reward_sats: rewardSats({ qualityMilli: q, minQualityMilli: thousandths(minQuality), tokens, toolCalls, testsPassed: testsPassed === true }),
  };
}

/**
 * floor(base · multiplier) + ci_bonus, base = 100 + 10 per 1,000 tokens + 5 per tool call,
 * multiplier = 1 + (q − min)/(1 − min), in thousandths so it is exact; nothing below min.
 */
export function rewardSats(r: { qualityMilli: number; minQualityMilli: number; tokens: number; toolCalls: number; testsPassed: boolean }): number {
  const min = Math.min(1000, Math.max(0, r.minQualityMilli));
  if (r.qualityMilli < min) return 0;
  const base = 100 + 10 * Math.floor(r.tokens / 1000) + 5 * r.toolCalls;
  // With min = 1 only a perfect score qualifies, and its multiplier is 1.
  const scaled = min === 1000 ? base : Math.floor((base * (1000 - min + Math.min(1000, r.qualityMilli) - min)) / (1000 - min));
  return scaled + (r.testsPassed ? CI_BONUS_SATS : 0);
}
