// The call a contribution makes (shared/TOOLS.md, marketplace_contribute_trajectory) and
// the answer it expects. The idempotency key is derived from the session and the content
// hash, so sending the same session again (a retry, a second `contribute`) is answered
// with the first result and never paid twice; a session that grew since is new content.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { Trajectory } from '../domain/trajectories/trajectory.js';
import type { PreparedContribution } from './local-session.js';

export const CONTRIBUTE_TOOL = 'marketplace_contribute_trajectory';

export interface ContributionRequest {
  bounty_id: string;
  trajectory: Trajectory;
  metadata: {
    source: Trajectory['source'];
    trajectory_hash: string;
    quality_score: number;
    initial_commit?: string;
    final_commit?: string;
    tests_passed?: boolean;
  };
  idempotency_key: string;
}

export function idempotencyKeyFor(sessionId: string, hash: string): string {
  return `trajectory-${createHash('sha256').update(`${sessionId}\n${hash}`).digest('hex').slice(0, 48)}`;
}

export function contributionRequest(p: PreparedContribution, bountyId: string): ContributionRequest {
  const t = p.trajectory;
  return {
    bounty_id: bountyId,
    trajectory: t,
    metadata: {
      source: t.source,
      trajectory_hash: p.hash,
      quality_score: p.score.quality_score,
      ...(t.initial_commit ? { initial_commit: t.initial_commit } : {}),
      ...(t.final_commit ? { final_commit: t.final_commit } : {}),
      ...(p.score.tests_passed !== null ? { tests_passed: p.score.tests_passed } : {}),
    },
    idempotency_key: idempotencyKeyFor(t.session_id, p.hash),
  };
}

export const contributionAnswerSchema = z
  .object({
    contribution_id: z.string(),
    status: z.string(),
    quality_score: z.number(),
    reward_sats: z.number().int().min(0),
    verification: z
      .object({ passed: z.boolean(), checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string().optional() }).passthrough()) })
      .passthrough(),
    nostr_event_id: z.string().nullable().optional(),
    receipt: z.object({ id: z.string() }).passthrough().nullable().optional(),
    paid_at: z.string().nullable().optional(),
    /** What reaches the contributor's wallet: the reward less the platform fee. */
    received_sats: z.number().int().min(0).optional(),
    rejection_reason: z.string().nullable().optional(),
  })
  .passthrough();

export type ContributionAnswer = z.infer<typeof contributionAnswerSchema>;

/** Accepted contributions are paid from the bounty's escrow at once. */
export function isPaidStatus(status: string): boolean {
  return /^(accepted|paid)$/i.test(status);
}

export function isRefusedStatus(status: string): boolean {
  return /^(rejected|refused)$/i.test(status);
}

/** Why a refused contribution was refused: the failed checks the server reported. */
export function rejectionReason(a: ContributionAnswer): string | null {
  if (a.verification.passed) return null;
  if (a.rejection_reason) return a.rejection_reason;
  const failed = a.verification.checks.filter((c) => !c.passed && c.name !== 'hash').map((c) => c.detail ?? c.name);
  return failed.length > 0 ? failed.join(' ') : 'The marketplace did not accept it.';
}
