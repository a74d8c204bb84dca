// A small marketplace with something of everything, built through the real tools: two
// sponsors, their agents, the operator, and one of each resource a tool can name
// (approval, top-up, skill, contract, coalition, listing, purchase, bounty, submission,
// dispute, provider). The access matrix and the fuzzer both call every tool against it.
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { loadConfig } from '../../src/config.js';
import type { AppContext } from '../../src/context.js';
import { fundAgentFromSandbox } from '../../src/domain/agents/funding.js';
import { setPolicy } from '../../src/domain/governance/policies.js';
import { createLogger } from '../../src/core/logger.js';
import { satsToMsats } from '../../src/domain/money.js';
import { reviewSkillVersion } from '../../src/domain/skills/catalogue.js';
import { openContext } from '../../src/runtime.js';
import { canonicalHash } from '../../src/core/canonical-json.js';
import { agent, call, connect, ManualClock, operatorToken, sponsor, tempDbPath } from './fixtures.js';

/** Generous enough that ordinary calls pass; a call above it is refused by policy, not by access control. */
export const TRANSACTION_LIMIT_SATS = 1_000_000;
const AUTONOMOUS = { level: 'Autonomous', action_limits: { max_transaction_sats: TRANSACTION_LIMIT_SATS } };

export interface MarketWorld {
  ctx: AppContext;
  /** Every line the server logged, at debug level and up. */
  logs: string[];
  tokens: { sponsor: string; agent: string; counterparty: string; otherSponsor: string; otherAgent: string; operator: string };
  /** sponsor S1 owns agent A (the one acting) and W (A's counterparty); sponsor S2 owns X. */
  ids: {
    sponsor: string;
    agent: string;
    counterparty: string;
    otherSponsor: string;
    otherAgent: string;
    approval: string;
    agentTopupHash: string;
    sponsorTopupHash: string;
    agentSkill: string;
    counterpartySkill: string;
    /** W hired A: A is the worker. */
    contractHired: string;
    /** A hired W, W delivered: A reviews. */
    contractHiring: string;
    /** A funds it, W joined. */
    agentCoalition: string;
    /** W's coalition: A joined and was given subtask k. */
    counterpartyCoalition: string;
    /** W's open Market coalition, A joined: it takes bids. */
    marketCoalition: string;
    /** A's Standing coalition after its first task: ready for the next. */
    settledCoalition: string;
    agentListing: string;
    counterpartyListing: string;
    /** A bought W's listing. */
    agentPurchase: string;
    /** W bought A's listing: the grant A, as seller, can verify. */
    counterpartyGrant: Record<string, unknown>;
    agentBounty: string;
    counterpartyBounty: string;
    /** W's submission to A's bounty. */
    counterpartySubmission: string;
    agentTrajectoryBounty: string;
    /** W's trajectory contribution to A's trajectory bounty (rejected as too weak, but on record). */
    counterpartyContribution: string;
    /** W disputes the contract in which A worked: A responds. */
    dispute: string;
    agentProvider: string;
    counterpartyProvider: string;
  };
  clients: { agent: Client; counterparty: Client; sponsor: Client };
}

async function ok(client: Client, tool: string, args: Record<string, unknown>): Promise<any> {
  const result = await call(client, tool, args);
  if (result.isError) throw new Error(`building the world: ${tool} failed: ${JSON.stringify(result.data)}`);
  return result.data;
}

export async function buildWorld(): Promise<MarketWorld> {
  const logs: string[] = [];
  const config = loadConfig({ db: tempDbPath() }, {});
  const ctx = await openContext(config, { clock: new ManualClock(), logger: createLogger('debug', (line) => logs.push(line)) });

  const s1 = await sponsor(ctx, 'Sponsor One');
  const s2 = await sponsor(ctx, 'Sponsor Two');
  const a = await agent(ctx, s1.id, 'Alice');
  const w = await agent(ctx, s1.id, 'Walter');
  const x = await agent(ctx, s2.id, 'Xavier');
  for (const id of [a.id, w.id, x.id]) {
    await fundAgentFromSandbox(ctx.db, ctx.clock, { agentId: id, amountMsats: satsToMsats(100_000) });
    await setPolicy(ctx.db, ctx.clock, id, AUTONOMOUS, 'test');
  }
  const operator = await operatorToken(ctx);
  const ac = await connect(ctx, a.token);
  const wc = await connect(ctx, w.token);
  const sc = await connect(ctx, s1.token);

  await setPolicy(ctx.db, ctx.clock, a.id, { level: 'Supervised' }, 'test');
  const pending = await ok(ac, 'marketplace_send_payment', { to_agent_id: w.id, amount_sats: 1 });
  await setPolicy(ctx.db, ctx.clock, a.id, AUTONOMOUS, 'test');

  const agentTopup = await ok(ac, 'marketplace_create_topup_invoice', { amount_sats: 10 });
  const sponsorTopup = await ok(sc, 'marketplace_create_topup_invoice', { amount_sats: 10 });

  const skill = (slug: string) => ({ slug, name: slug, description: 'A skill for the access matrix.', version: '1.0.0', pricing: { model: 'Free' } });
  await ok(ac, 'marketplace_publish_skill', skill('alice-skill'));
  await ok(wc, 'marketplace_publish_skill', skill('walter-skill'));
  await ok(wc, 'marketplace_submit_skill_for_review', { slug: 'walter-skill', version: '1.0.0' });
  await reviewSkillVersion(ctx.db, ctx.clock, { slug: 'walter-skill', version: '1.0.0', decision: 'approve' });
  await ok(ac, 'marketplace_install_skill', { slug: 'walter-skill' });

  const task = { description: 'Summarise a paper', required_skills: [], max_budget_sats: 100 };
  const hired = await ok(wc, 'marketplace_hire_agent', { task, agent_id: a.id });
  const hiring = await ok(ac, 'marketplace_hire_agent', { task, agent_id: w.id });
  await ok(wc, 'marketplace_respond_to_contract', { contract_id: hiring.contract_id, action: 'accept' });
  await ok(wc, 'marketplace_submit_delivery', { contract_id: hiring.contract_id, result: 'done' });

  const coalition = {
    coalition_type: 'Standing',
    task_description: 'Build a dataset',
    target_member_count: 1,
    payment_structure: 'Equal',
    pool_sats: 100,
    subtasks: [{ key: 'k', title: 'Collect' }],
  };
  const agentCoalition = await ok(ac, 'marketplace_propose_coalition', coalition);
  await ok(ac, 'marketplace_invite_to_coalition', { coalition_id: agentCoalition.coalition_id, agent_id: w.id });
  await ok(wc, 'marketplace_join_coalition', { coalition_id: agentCoalition.coalition_id });
  const counterpartyCoalition = await ok(wc, 'marketplace_propose_coalition', coalition);
  await ok(wc, 'marketplace_invite_to_coalition', { coalition_id: counterpartyCoalition.coalition_id, agent_id: a.id });
  await ok(ac, 'marketplace_join_coalition', { coalition_id: counterpartyCoalition.coalition_id });
  await ok(wc, 'marketplace_assign_subtask', { coalition_id: counterpartyCoalition.coalition_id, key: 'k', assignee_id: a.id });
  const marketCoalition = await ok(wc, 'marketplace_propose_coalition', { ...coalition, coalition_type: 'Market', pool_sats: 0 });
  await ok(ac, 'marketplace_join_coalition', { coalition_id: marketCoalition.coalition_id });
  const settledCoalition = await ok(ac, 'marketplace_propose_coalition', { ...coalition, pool_sats: 0, subtasks: [] });
  await ok(ac, 'marketplace_invite_to_coalition', { coalition_id: settledCoalition.coalition_id, agent_id: w.id });
  await ok(wc, 'marketplace_join_coalition', { coalition_id: settledCoalition.coalition_id });
  await ok(ac, 'marketplace_complete_coalition', { coalition_id: settledCoalition.coalition_id });

  const listing = (title: string) => ({ title, description: 'Weather readings', listing_type: 'FullDataset', price_sats: 10, sha256: 'ab'.repeat(32) });
  const agentListing = await ok(ac, 'marketplace_create_data_listing', listing('Alice data'));
  const counterpartyListing = await ok(wc, 'marketplace_create_data_listing', listing('Walter data'));
  const agentPurchase = await ok(ac, 'marketplace_purchase_data', { listing_id: counterpartyListing.listing_id });
  const counterpartyPurchase = await ok(wc, 'marketplace_purchase_data', { listing_id: agentListing.listing_id });

  const bounty = { title: 'Labelled images', description: 'JSON samples', reward_sats: 100, requirements: { min_samples: 1, required_format: 'json' } };
  const agentBounty = await ok(ac, 'marketplace_create_bounty', bounty);
  const counterpartyBounty = await ok(wc, 'marketplace_create_bounty', bounty);
  const submission = await ok(wc, 'marketplace_submit_to_bounty', {
    bounty_id: agentBounty.bounty_id,
    data_samples: [{ label: 'cat' }],
    metadata: { format: 'json', sample_count: 1 },
  });
  const agentTrajectoryBounty = await ok(ac, 'marketplace_create_bounty', { ...bounty, title: 'Coding sessions', requirements: { min_samples: 1, required_format: 'trajectory' } });
  const trajectory = minimalTrajectory();
  const contribution = await ok(wc, 'marketplace_contribute_trajectory', {
    bounty_id: agentTrajectoryBounty.bounty_id,
    trajectory,
    metadata: { source: 'claude', trajectory_hash: canonicalHash(trajectory), quality_score: 0.1 },
  });

  await ok(ac, 'marketplace_respond_to_contract', { contract_id: hired.contract_id, action: 'accept' });
  const dispute = await ok(wc, 'marketplace_file_dispute', { dispute_type: 'QualityIssue', subject: { kind: 'contract', id: hired.contract_id }, amount_sats: 1 });

  const provider = (name: string) => ({ name, kinds: [5050], price_sats: 1, regions: ['eu'] });
  const agentProvider = await ok(ac, 'marketplace_register_provider', provider('Alice compute'));
  const counterpartyProvider = await ok(wc, 'marketplace_register_provider', provider('Walter compute'));

  return {
    ctx,
    logs,
    tokens: { sponsor: s1.token, agent: a.token, counterparty: w.token, otherSponsor: s2.token, otherAgent: x.token, operator },
    ids: {
      sponsor: s1.id,
      agent: a.id,
      counterparty: w.id,
      otherSponsor: s2.id,
      otherAgent: x.id,
      approval: pending.approval_id,
      agentTopupHash: agentTopup.payment_hash,
      sponsorTopupHash: sponsorTopup.payment_hash,
      agentSkill: 'alice-skill',
      counterpartySkill: 'walter-skill',
      contractHired: hired.contract_id,
      contractHiring: hiring.contract_id,
      agentCoalition: agentCoalition.coalition_id,
      counterpartyCoalition: counterpartyCoalition.coalition_id,
      marketCoalition: marketCoalition.coalition_id,
      settledCoalition: settledCoalition.coalition_id,
      agentListing: agentListing.listing_id,
      counterpartyListing: counterpartyListing.listing_id,
      agentPurchase: agentPurchase.purchase_id,
      counterpartyGrant: counterpartyPurchase.access_grant.event,
      agentBounty: agentBounty.bounty_id,
      counterpartyBounty: counterpartyBounty.bounty_id,
      counterpartySubmission: submission.submission_id,
      agentTrajectoryBounty: agentTrajectoryBounty.bounty_id,
      counterpartyContribution: contribution.contribution_id,
      dispute: dispute.dispute_id,
      agentProvider: agentProvider.provider_id,
      counterpartyProvider: counterpartyProvider.provider_id,
    },
    clients: { agent: ac, counterparty: wc, sponsor: sc },
  };
}

export async function closeWorld(world: MarketWorld): Promise<void> {
  world.ctx.rail.close();
  await world.ctx.db.close().catch(() => undefined);
}

/** The smallest well-formed trajectory: scored far below any bounty's minimum, so it is recorded and rejected. */
export function minimalTrajectory() {
  return {
    format: 'agent-marketplace.trajectory/1',
    session_id: 'world-session',
    source: 'claude',
    task: 'Say hello',
    cwd: '.',
    started_at: null,
    ended_at: null,
    initial_commit: null,
    final_commit: null,
    tokens: { input: 10, output: 5 },
    steps: [{ kind: 'message', role: 'user', text: 'Say hello', at: null }],
    subagents: {},
  };
}
