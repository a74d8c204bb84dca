// The receiving side of trajectory contributions, through the real MCP client: a buyer posts a
// trajectory bounty (its reward held), contributors send redacted sessions, and the server
// checks them again — quality recomputed, secrets refused, duplicates by content and by
// session across all contributors — and pays accepted ones at once from the escrow, exactly
// the seed's formula, with a signed receipt that never carries the content.
import { afterEach, describe, expect, it } from 'vitest';
import { verifyEvent } from 'nostr-tools/pure';
import type { AppContext } from '../../src/context.js';
import { canonicalHash } from '../../src/core/canonical-json.js';
import { agentAccountId, ESCROW, PLATFORM_REVENUE } from '../../src/domain/ledger/accounts.js';
import { getBalance } from '../../src/domain/ledger/transfers.js';
import { verifyLedger } from '../../src/domain/ledger/verify.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';

afterEach(closeContexts);

const balance = (ctx: AppContext, id: string) => getBalance(ctx.db, agentAccountId(id));

const tool = (id: string, name: string, input: unknown, output: string, exit_code: number | null = null) => ({
  kind: 'tool_call' as const,
  id,
  name,
  input: JSON.stringify(input),
  output,
  is_error: exit_code === null ? false : exit_code !== 0,
  exit_code,
  at: '2026-11-30T10:01:00.000Z',
});

/**
 * A session of 5 tool calls and 4,000 tokens whose last test run passed, between two commits.
 * By the seed's rules: git 1.0, complexity ½·4000/50000 + ½·5/25 = 0.14, reward signal 1.0,
 * quality 0.4 + 0.042 + 0.3 = 0.742; base 100 + 40 + 25 = 165, multiplier
 * 1 + (0.742 − 0.5)/0.5 = 1.484, floor(165 × 1.484) = 244, + 200 CI bonus = 444 sats.
 */
function goodTrajectory(sessionId = 'sess-good', extraText = 'Fixed it.') {
  return {
    format: 'agent-marketplace.trajectory/1',
    session_id: sessionId,
    source: 'claude',
    task: 'Fix the failing date parser test',
    cwd: '.',
    started_at: '2026-11-30T10:00:00.000Z',
    ended_at: '2026-11-30T10:20:00.000Z',
    initial_commit: '1111111111111111111111111111111111111111',
    final_commit: '2222222222222222222222222222222222222222',
    tokens: { input: 3_000, output: 1_000 },
    steps: [
      { kind: 'message', role: 'user', text: 'Fix the failing date parser test', at: '2026-11-30T10:00:00.000Z' },
      tool('t1', 'Read', { file_path: 'src/date.ts' }, 'export function parse() {}'),
      tool('t2', 'Bash', { command: 'npm test' }, '1 failed', 1),
      tool('t3', 'Edit', { file_path: 'src/date.ts' }, 'ok'),
      tool('t4', 'Bash', { command: 'git diff' }, 'diff --git a/src/date.ts'),
      tool('t5', 'Bash', { command: 'npm test' }, '12 passed', 0),
      { kind: 'message', role: 'assistant', text: extraText, at: '2026-11-30T10:20:00.000Z' },
    ],
    subagents: {},
  };
}

/** No commits, no tests, one tool call: quality 0.3 × complexity, far below 0.5. */
function weakTrajectory() {
  return {
    ...goodTrajectory('sess-weak'),
    initial_commit: null,
    final_commit: null,
    tokens: { input: 200, output: 100 },
    steps: [{ kind: 'message', role: 'user', text: 'hello', at: null }, tool('w1', 'Read', { file_path: 'README.md' }, '# readme')],
  };
}

const contribute = (client: Awaited<ReturnType<typeof connect>>, bountyId: string, trajectory: unknown, extra: Record<string, unknown> = {}) =>
  call(client, 'marketplace_contribute_trajectory', {
    bounty_id: bountyId,
    trajectory,
    metadata: { source: 'claude', trajectory_hash: canonicalHash(trajectory), quality_score: 0.99, tests_passed: true },
    ...extra,
  });

async function market(reward = 10_000, requirements: Record<string, unknown> = {}) {
  const ctx = await makeContext();
  const { sponsor, agent: buyer } = await fundedAgent(ctx, 20_000);
  const alice = await agent(ctx, sponsor.id, 'Alice');
  const bob = await agent(ctx, sponsor.id, 'Bob');
  const buyerClient = await connect(ctx, buyer.token);
  const aliceClient = await connect(ctx, alice.token);
  const bobClient = await connect(ctx, bob.token);
  const created = await call(buyerClient, 'marketplace_create_bounty', {
    title: 'Coding trajectories with passing tests',
    description: 'Claude Code or Codex sessions that end with green tests',
    reward_sats: reward,
    requirements: { min_samples: 10, required_format: 'trajectory', ...requirements },
  });
  expect(created.isError).toBe(false);
  return { ctx, buyer, alice, bob, buyerClient, aliceClient, bobClient, bountyId: created.data.bounty_id as string, bounty: created.data };
}

describe('trajectory contributions', () => {
  it('pay an accepted trajectory exactly the formula from escrow, less the fee, with a signed receipt', async () => {
    const { ctx, buyer, alice, buyerClient, aliceClient, bountyId, bounty } = await market();
    expect(bounty.requirements).toMatchObject({ required_format: 'trajectory', min_quality: 0.5 });
    expect(await balance(ctx, buyer.id)).toMatchObject({ balanceMsats: 20_000_000, heldMsats: 10_000_000 });

    const trajectory = goodTrajectory();
    const answer = await contribute(aliceClient, bountyId, trajectory);
    expect(answer.isError).toBe(false);
    // The claimed 0.99 is only a claim: the server's own figure decides.
    expect(answer.data).toMatchObject({
      status: 'Accepted',
      quality_score: 0.742,
      reward_sats: 444,
      fee_sats: 22,
      received_sats: 421,
      trajectory_hash: canonicalHash(trajectory),
      rejection_reason: null,
    });
    expect(answer.data.verification.passed).toBe(true);
    expect(answer.data.paid_at).not.toBeNull();
    // 444 sats gross; the 5% fee (22.2 sats) to the platform, 421.8 sats to Alice.
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(421_800);
    expect(await balance(ctx, buyer.id)).toMatchObject({ balanceMsats: 20_000_000 - 444_000, heldMsats: 10_000_000 - 444_000 });
    expect((await getBalance(ctx.db, PLATFORM_REVENUE.id)).balanceMsats).toBe(22_200);
    expect((await getBalance(ctx.db, ESCROW.id)).balanceMsats).toBe(0);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);

    const receipt = answer.data.receipt;
    // verifyEvent marks the object it checked; check a copy so the answers stay comparable.
    expect(verifyEvent({ ...receipt })).toBe(true);
    expect(verifyEvent({ ...receipt, tags: [...receipt.tags, ['reward_sats', '9999']] })).toBe(false);
    expect(receipt.tags).toEqual(
      expect.arrayContaining([
        ['x', canonicalHash(trajectory)],
        ['quality', '0.742'],
        ['reward_sats', '444'],
      ]),
    );
    expect(JSON.stringify(receipt)).not.toContain('date parser');

    // The buyer reads the trajectory like a bounty sample; the contributor and the buyer read the record back.
    const sub = await call(buyerClient, 'marketplace_get_submission', { submission_id: answer.data.contribution_id });
    expect(sub.data.untrusted_samples).toEqual([trajectory]);
    for (const client of [aliceClient, buyerClient]) {
      const back = await call(client, 'marketplace_get_trajectory_contribution', { contribution_id: answer.data.contribution_id });
      expect(back.data).toEqual(answer.data);
    }
    const bountyAfter = await call(buyerClient, 'marketplace_get_bounty', { bounty_id: bountyId });
    expect(bountyAfter.data).toMatchObject({ paid_sats: 444, accepted_samples: 1, escrow_sats: 10_000 - 444 });
  });

  it('answer a retried call with the first result and pay once', async () => {
    const { ctx, alice, aliceClient, bountyId } = await market();
    const first = await contribute(aliceClient, bountyId, goodTrajectory(), { idempotency_key: 'contrib-1' });
    const again = await contribute(aliceClient, bountyId, goodTrajectory(), { idempotency_key: 'contrib-1' });
    expect(again.data).toEqual(first.data);
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(421_800);
  });

  it('refuse the same session twice in a bounty, and a copy sent by anyone else anywhere', async () => {
    const { ctx, buyer, alice, bob, aliceClient, bobClient, buyerClient, bountyId } = await market();
    expect((await contribute(aliceClient, bountyId, goodTrajectory())).data.status).toBe('Accepted');

    // The same content again, and the same session grown by a line: counted once.
    const same = await contribute(aliceClient, bountyId, goodTrajectory());
    expect(same.data).toMatchObject({ status: 'Rejected', reward_sats: 0 });
    expect(same.data.rejection_reason).toMatch(/contributed to this bounty already/);
    const grown = await contribute(aliceClient, bountyId, goodTrajectory('sess-good', 'Fixed it, and the docs too.'));
    expect(grown.data.rejection_reason).toMatch(/session was contributed to this bounty already/);

    // Bob (or the buyer, who has read it) cannot sell Alice's trajectory, here or to another bounty.
    const other = await call(buyerClient, 'marketplace_create_bounty', {
      title: 'More sessions',
      description: 'Another buyer round',
      reward_sats: 5_000,
      requirements: { min_samples: 5, required_format: 'trajectory' },
    });
    for (const [target, why] of [
      [bountyId, /contributed to this bounty already/],
      [other.data.bounty_id, /another agent: only its first contributor/],
    ] as const) {
      const copied = await contribute(bobClient, target, goodTrajectory());
      expect(copied.data.status).toBe('Rejected');
      expect(copied.data.rejection_reason).toMatch(why);
    }
    // Its own contributor may still offer it to the second buyer round.
    expect((await contribute(aliceClient, other.data.bounty_id, goodTrajectory())).data.status).toBe('Accepted');
    expect((await balance(ctx, bob.id)).balanceMsats).toBe(0);
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(2 * 421_800);
    expect((await balance(ctx, buyer.id)).balanceMsats).toBe(20_000_000 - 2 * 444_000);
    expect((await verifyLedger(ctx.db)).ok).toBe(true);
  });

  it('refuse a trajectory that still holds a secret, keeping none of it', async () => {
    const { ctx, alice, aliceClient, buyerClient, bountyId } = await market();
    const leaked = goodTrajectory('sess-leak', 'Set GITHUB_TOKEN=ghp_1234567890abcdefghijklmnopqrstuvwxyzAB and pushed.');
    const answer = await contribute(aliceClient, bountyId, leaked);
    expect(answer.data).toMatchObject({ status: 'Rejected', reward_sats: 0 });
    const secrets = answer.data.verification.checks.find((c: { name: string }) => c.name === 'secrets');
    expect(secrets.passed).toBe(false);
    expect(JSON.stringify(answer.data)).not.toContain('ghp_1234567890');
    const sub = await call(buyerClient, 'marketplace_get_submission', { submission_id: answer.data.contribution_id });
    expect(sub.data.untrusted_samples).toBeNull();
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(0);
  });

  it("reject one below the bounty's minimum quality, whatever quality it claims", async () => {
    const { ctx, alice, aliceClient, bountyId } = await market(10_000, { min_quality: 0.8 });
    const good = await contribute(aliceClient, bountyId, goodTrajectory());
    expect(good.data).toMatchObject({ status: 'Rejected', quality_score: 0.742 });
    expect(good.data.rejection_reason).toMatch(/Quality 0\.742.*pays from 0\.8/);
    const weak = await contribute(aliceClient, bountyId, weakTrajectory());
    expect(weak.data.status).toBe('Rejected');
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(0);
  });

  it('refuse what is not a trajectory bounty or not a trajectory, and hide contributions from third parties', async () => {
    const { ctx, alice, bob, aliceClient, bobClient, buyerClient, bountyId } = await market();
    const data = await call(buyerClient, 'marketplace_create_bounty', {
      title: 'Reviews',
      description: 'Labelled reviews',
      reward_sats: 1_000,
      requirements: { min_samples: 10, required_format: 'json' },
    });
    expect((await contribute(aliceClient, data.data.bounty_id, goodTrajectory())).data.error.code).toBe('INVALID_INPUT');
    expect(
      (await call(aliceClient, 'marketplace_submit_to_bounty', { bounty_id: bountyId, data_samples: [{ a: 1 }], metadata: { format: 'json', sample_count: 1 } })).data.error.code,
    ).toBe('INVALID_INPUT');
    expect((await contribute(aliceClient, bountyId, { format: 'something else' })).data.error.code).toBe('INVALID_INPUT');
    expect(
      (
        await call(buyerClient, 'marketplace_create_bounty', {
          title: 'x',
          description: 'y',
          reward_sats: 10,
          requirements: { min_samples: 1, required_format: 'json', min_quality: 0.7 },
        })
      ).data.error.code,
    ).toBe('INVALID_INPUT');
    expect((await contribute(aliceClient, 'bo_nope', goodTrajectory())).data.error.code).toBe('NOT_FOUND');

    const accepted = await contribute(aliceClient, bountyId, goodTrajectory());
    expect((await call(bobClient, 'marketplace_get_trajectory_contribution', { contribution_id: accepted.data.contribution_id })).data.error.code).toBe('NOT_FOUND');
    expect((await balance(ctx, bob.id)).balanceMsats).toBe(0);
    expect((await balance(ctx, alice.id)).balanceMsats).toBe(421_800);
  });
});
