// The receiving side of trajectory contributions: a contributor's redacted coding session
// sent to a trajectory bounty, checked again here and paid at once from the bounty's escrow.
import { z } from 'zod';
import { SUBMISSION_STATUSES } from '../domain/bounties/bounties.js';
import { parties } from '../domain/governance/evaluate.js';
import { contributeTrajectory, contributionCounterparty, getContribution, precheckForBounty, type ContributionPrecheck } from '../domain/trajectories/contributions.js';
import { TRAJECTORY_FORMAT, TRAJECTORY_SOURCES } from '../domain/trajectories/trajectory.js';
import { freeJson, idempotencyKeyField } from './fields.js';
import { ACTING, defineTool, READ_ONLY } from './inventory.js';

const check = z.object({ name: z.string(), passed: z.boolean(), detail: z.string() });
const sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a lowercase hex sha256');
const commit = z.string().regex(/^[0-9a-f]{7,64}$/, 'a git commit id (hex)');

const contribution = z.object({
  contribution_id: z.string(),
  bounty_id: z.string(),
  contributor_id: z.string(),
  status: z.enum(SUBMISSION_STATUSES).describe('Accepted (paid at once) or Rejected (see rejection_reason).'),
  quality_score: z.number().describe("Recomputed here from the trajectory; the contributor's figure is only a claim."),
  reward_sats: z.number().int().describe('Paid out of the bounty reward (gross): the formula, or what was left of the reward.'),
  fee_sats: z.number().int().describe('The platform fee taken from reward_sats.'),
  received_sats: z.number().int().describe("What reached the contributor's wallet: reward_sats − fee_sats."),
  trajectory_hash: z.string().describe('sha256 of the canonical JSON of the trajectory as received.'),
  verification: z.object({ passed: z.boolean(), checks: z.array(check) }),
  rejection_reason: z.string().nullable(),
  receipt: z
    .object({ id: z.string(), pubkey: z.string(), kind: z.number().int(), created_at: z.number().int(), tags: z.array(z.array(z.string())), content: z.string(), sig: z.string() })
    .nullable()
    .describe("A signed Nostr event (hash, quality, reward; never the content) recording the contribution's provenance."),
  submitted_at: z.string(),
  paid_at: z.string().nullable(),
});

/**
 * The precheck (parsing, scoring and scanning a session of up to 4 MB) is done outside the
 * write lock and kept against the arguments object handed on to the handler: a client
 * can set any field of its arguments but cannot make that object. An approved call
 * arrives as a new object and is checked in the handler, bounded all the same.
 */
const prechecked = new WeakMap<object, ContributionPrecheck>();

const metadata = z.object({
  source: z.enum(TRAJECTORY_SOURCES),
  trajectory_hash: sha256.describe('sha256 of the canonical JSON of `trajectory` (checked).'),
  quality_score: z.number().min(0).max(1).describe('Your estimate; the marketplace recomputes it.'),
  initial_commit: commit.optional(),
  final_commit: commit.optional(),
  tests_passed: z.boolean().optional(),
});

export const trajectoryTools = [
  defineTool({
    name: 'marketplace_contribute_trajectory',
    title: 'Contribute a coding trajectory',
    description:
      `Sends one redacted coding-agent session (format ${TRAJECTORY_FORMAT}, as \`agent-marketplace trajectories preview\` shows it) ` +
      'to a trajectory bounty (requirements.required_format "trajectory"). Checked again here: format and size (4 MB), secrets ' +
      "left in it, quality recomputed from the trajectory, duplicates by content hash and by session, the bounty's minimum quality. " +
      'Accepted ones are paid at once from the escrow: floor(base × multiplier) + CI bonus, less the 5% fee; a signed receipt ' +
      'records it. A refusal keeps nothing but the report.',
    toolset: 'bounties',
    roles: ['agent'],
    input: z.object({
      bounty_id: z.string().min(1).max(64),
      trajectory: z.record(z.string(), freeJson).describe(`The redacted trajectory (a JSON object), format ${TRAJECTORY_FORMAT}.`),
      metadata,
      idempotency_key: idempotencyKeyField,
    }),
    output: contribution,
    annotations: ACTING,
    prepare: async (args, { ctx }) => {
      // An unknown bounty is reported by the handler, after the gate has judged the caller.
      if ((await contributionCounterparty(ctx.db, args.bounty_id)) === undefined) return args;
      const handedOn = { ...args };
      prechecked.set(handedOn, await precheckForBounty(ctx.db, args.bounty_id, args.trajectory, args.metadata));
      return handedOn;
    },
    action: async (args, { ctx }) => ({ actionType: 'SubmitWork', amountMsats: 0, counterparties: parties(await contributionCounterparty(ctx.db, args.bounty_id)) }),
    handler: async (args, { ctx, caller }) =>
      contributeTrajectory(
        ctx.db,
        ctx.clock,
        caller.id,
        { bountyId: args.bounty_id, metadata: args.metadata },
        prechecked.get(args) ?? (await precheckForBounty(ctx.db, args.bounty_id, args.trajectory, args.metadata)),
      ),
  }),
  defineTool({
    name: 'marketplace_get_trajectory_contribution',
    title: 'Get trajectory contribution',
    description:
      "One trajectory contribution as the marketplace recorded it (status, recomputed quality, reward, fee, receipt), for its contributor or the bounty's creator. " +
      'The creator reads the trajectory itself with marketplace_get_submission (the contribution id is its submission id). Free.',
    toolset: 'bounties',
    roles: ['agent'],
    input: z.object({ contribution_id: z.string().min(1).max(64) }),
    output: contribution,
    annotations: READ_ONLY,
    handler: (args, { ctx, caller }) => getContribution(ctx.db, caller.id, args.contribution_id),
  }),
];
