// The call `trajectories contribute` makes: the redacted trajectory exactly as previewed,
// metadata the server can check (the content hash, the quality it will recompute, the
// commits and the test result), and an idempotency key that makes a retry free.
import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { canonicalHash } from '../../src/core/canonical-json.js';
import { scoreTrajectory } from '../../src/domain/trajectories/quality.js';
import { trajectorySchema } from '../../src/domain/trajectories/trajectory.js';
import { contributionAnswerSchema, contributionRequest, idempotencyKeyFor, isPaidStatus, isRefusedStatus, rejectionReason } from '../../src/trajectories/contribution-request.js';
import { loadSession, prepareContribution } from '../../src/trajectories/local-session.js';
import { findSessions } from '../../src/trajectories/session-files.js';
import { gitRepo, PLANTED, writeClaudeSession } from '../support/agent-sessions.js';

describe('the contribution request', () => {
  it('carries the redacted trajectory, its hash, the recomputable quality, commits and tests, and a stable idempotency key', async () => {
    const root = mkdtempSync(path.join(tmpdir(), 'traj-request-'));
    const repo = path.join(root, 'app');
    mkdirSync(repo);
    const T0 = Date.parse('2026-11-20T09:00:00.000Z');
    const { first, second } = gitRepo(repo, T0 - 3_600_000, T0 + 10 * 60_000);
    writeClaudeSession(path.join(root, 'projects'), { sessionId: 'sess-1', cwd: repo, startAt: T0 });
    const [file] = (await findSessions({ claudeDir: path.join(root, 'projects'), codexDir: '', sources: ['claude'] })).files;

    const prepared = prepareContribution(await loadSession(file!), 0.5);
    const request = contributionRequest(prepared, 'bty_1');
    // What goes over the wire reads back the same, and is what was hashed.
    const wire = JSON.parse(JSON.stringify(request));
    expect(wire).toEqual(request);
    expect(trajectorySchema.parse(wire.trajectory)).toEqual(wire.trajectory);
    expect(request.metadata).toEqual({
      source: 'claude',
      trajectory_hash: canonicalHash(wire.trajectory),
      quality_score: scoreTrajectory(wire.trajectory, 0.5).quality_score,
      initial_commit: first,
      final_commit: second,
      tests_passed: true,
    });
    expect(request.bounty_id).toBe('bty_1');
    expect(JSON.stringify(request)).not.toContain(PLANTED.anthropicKey);
    expect(request.trajectory.cwd).toBe('.');

    // The same session sent again is the same call; other content is another.
    const again = contributionRequest(prepareContribution(await loadSession(file!), 0.5), 'bty_1');
    expect(again.idempotency_key).toBe(request.idempotency_key);
    expect(request.idempotency_key.length).toBeLessThanOrEqual(128);
    expect(idempotencyKeyFor('sess-1', 'f'.repeat(64))).not.toBe(request.idempotency_key);
    expect(idempotencyKeyFor('sess-2', request.metadata.trajectory_hash)).not.toBe(request.idempotency_key);
  });
});

describe("the marketplace's answer", () => {
  it('reads an accepted contribution with its receipt and a refused one with its reason', () => {
    const accepted = contributionAnswerSchema.parse({
      contribution_id: 'bs_1',
      bounty_id: 'bty_1',
      status: 'Accepted',
      quality_score: 0.746,
      reward_sats: 461,
      fee_sats: 23,
      received_sats: 438,
      trajectory_hash: 'h',
      verification: { passed: true, checks: [{ name: 'secrets', passed: true, detail: 'No secret found.' }] },
      rejection_reason: null,
      receipt: { id: 'e'.repeat(64), kind: 30078, tags: [] },
    });
    expect([isPaidStatus(accepted.status), accepted.received_sats, accepted.receipt?.id, rejectionReason(accepted)]).toEqual([true, 438, 'e'.repeat(64), null]);
    const refused = contributionAnswerSchema.parse({
      contribution_id: 'bs_2',
      status: 'Rejected',
      quality_score: 0.746,
      reward_sats: 0,
      verification: {
        passed: false,
        checks: [
          { name: 'hash', passed: false, detail: 'wrong hash' },
          { name: 'duplicates', passed: false, detail: 'This session was contributed to this bounty already.' },
        ],
      },
      receipt: null,
    });
    expect([isRefusedStatus(refused.status), rejectionReason(refused)]).toEqual([true, 'This session was contributed to this bounty already.']);
  });
});
