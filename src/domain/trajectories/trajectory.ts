// One normalised trajectory: what a Claude Code or Codex session becomes on the
// contributor's machine, what is sent (after redaction) and what a buyer reads. Both
// sides score the same object with the same functions (quality.ts), so the server can
// recompute what the contributor claims.
import { z } from 'zod';

export const TRAJECTORY_FORMAT = 'agent-marketplace.trajectory/1';
export const TRAJECTORY_SOURCES = ['claude', 'codex'] as const;
export type TrajectorySource = (typeof TRAJECTORY_SOURCES)[number];

/** The most a contribution may carry (its canonical JSON): sessions past this are split or trimmed by the contributor. */
export const MAX_TRAJECTORY_BYTES = 4 * 1024 * 1024;
export const MAX_STEPS = 20_000;

const text = z.string().max(MAX_TRAJECTORY_BYTES);
const at = z.string().max(40).nullable();

export const stepSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('message'), role: z.enum(['user', 'assistant', 'system']), text, at }),
  z.object({ kind: z.literal('thinking'), text, at }),
  z.object({
    kind: z.literal('tool_call'),
    id: z.string().max(200),
    name: z.string().max(200),
    /** The call's input as JSON text, so any shape passes through unchanged. */
    input: text,
    output: text.nullable(),
    is_error: z.boolean().nullable(),
    /** A shell command's exit status, when the agent's record has one. */
    exit_code: z.number().int().min(-1_000_000).max(1_000_000).nullable().optional(),
    at,
    /** A subagent's transcript when this call started one (Claude Code's Task tool). */
    subagent: z.string().max(200).nullable().optional(),
  }),
  /** A record type the reader does not know, kept by name so nothing is silently lost. */
  z.object({ kind: z.literal('other'), type: z.string().max(200), at }),
]);

export const trajectorySchema = z.object({
  format: z.literal(TRAJECTORY_FORMAT),
  session_id: z.string().min(1).max(200),
  source: z.enum(TRAJECTORY_SOURCES),
  /** The first user message, or the commit message. */
  task: text.nullable(),
  /** The working directory after path sanitising (relative to the repository: "."). */
  cwd: z.string().max(4096).nullable(),
  started_at: at,
  ended_at: at,
  initial_commit: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .nullable(),
  final_commit: z
    .string()
    .regex(/^[0-9a-f]{7,64}$/)
    .nullable(),
  /** Tokens as the agent's own usage records counted them, each message once. */
  tokens: z.object({ input: z.number().int().min(0).max(1e12), output: z.number().int().min(0).max(1e12) }),
  steps: z.array(stepSchema).max(MAX_STEPS),
  /** Subagent transcripts by id (Claude Code), each a list of steps. */
  subagents: z.record(z.string().max(200), z.array(stepSchema).max(MAX_STEPS)).default({}),
});

export type Step = z.infer<typeof stepSchema>;
export type Trajectory = z.infer<typeof trajectorySchema>;
