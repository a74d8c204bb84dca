// Who may call what. Every tool any role can list is called as each kind of caller, with
// arguments that name resources of agent A (sponsor S1's): the table below says, tool by
// tool, which callers get through. It is written by hand, not read from the inventory, so
// a tool tagged with the wrong roles, or a handler that forgets whose resource it touches,
// fails here. "Gets through" means not refused for who the caller is; the call may still
// fail for other reasons (a state conflict, a limit).
import type { Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAgentStatus } from '../../src/domain/agents/lifecycle.js';
import { rotateToken } from '../../src/domain/identity/registration.js';
import { createHttpApp, listen } from '../../src/http/app.js';
import { testInvoice } from '../support/bolt11.js';
import { connect, ManualClock } from '../support/fixtures.js';
import { buildWorld, closeWorld, minimalTrajectory, TRANSACTION_LIMIT_SATS, type MarketWorld } from '../support/market-world.js';

/** Callers over an authenticated connection; no token and a wrong token are refused at the door (below). */
const ROLES = ['agent', 'suspended', 'otherAgent', 'sponsor', 'otherSponsor', 'operator'] as const;
type Role = (typeof ROLES)[number];

type Ids = MarketWorld['ids'];
interface Row {
  /** Arguments naming agent A's resources (what agents send). */
  args: (ids: Ids) => Record<string, unknown>;
  /** What sponsors send, when it differs: S1's resources. */
  sponsorArgs?: (ids: Ids) => Record<string, unknown>;
  allowed: readonly Role[];
  /** No such resource can exist offline (compute jobs need a provider on a relay): NOT_FOUND says nothing about access. */
  noResourceOffline?: true;
  /** A tool that refuses by its answer rather than by an error. */
  refusal?: (result: Record<string, unknown>) => boolean;
}

const EVERYONE: readonly Role[] = ['agent', 'suspended', 'otherAgent', 'sponsor', 'otherSponsor', 'operator'];
/** A read of the caller's own things or of public things, by any agent or sponsor. */
const ANY_AGENT_OR_SPONSOR: readonly Role[] = ['agent', 'suspended', 'otherAgent', 'sponsor', 'otherSponsor'];
/** An action anyone's active agent may take on its own account. */
const ANY_ACTIVE_AGENT: readonly Role[] = ['agent', 'otherAgent'];
/** A read any agent makes of its own things, suspended or not. */
const ANY_AGENT_READING: readonly Role[] = ['agent', 'suspended', 'otherAgent'];
const A_ACTS: readonly Role[] = ['agent'];
const A_READS: readonly Role[] = ['agent', 'suspended'];
const S1_ONLY: readonly Role[] = ['sponsor'];

const coalition = { coalition_type: 'AdHoc', task_description: 'x', target_member_count: 2, payment_structure: 'Equal' };

// In call order: the calls of one role share one world, so a resource is read and worked
// on before it is dissolved, delisted, cancelled or resolved.
const MATRIX: Record<string, Row> = {
  marketplace_whoami: { args: () => ({}), allowed: EVERYONE },
  marketplace_list_toolsets: { args: () => ({}), allowed: EVERYONE },
  marketplace_enable_toolsets: { args: () => ({ toolsets: ['context'] }), allowed: EVERYONE },
  marketplace_disable_toolsets: { args: () => ({ toolsets: ['context'] }), allowed: EVERYONE },
  marketplace_inbox: { args: () => ({}), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_check_balance: { args: () => ({}), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_ledger_history: { args: (i) => ({ agent_id: i.agent }), allowed: ['agent', 'suspended', 'sponsor'] },
  marketplace_send_payment: { args: (i) => ({ to_agent_id: i.counterparty, amount_sats: 1 }), allowed: ANY_ACTIVE_AGENT },
  marketplace_create_topup_invoice: { args: () => ({ amount_sats: 10 }), allowed: ['agent', 'otherAgent', 'sponsor', 'otherSponsor'] },
  marketplace_check_topup: {
    args: (i) => ({ payment_hash: i.agentTopupHash }),
    sponsorArgs: (i) => ({ payment_hash: i.sponsorTopupHash }),
    allowed: ['agent', 'suspended', 'sponsor'],
  },
  marketplace_withdraw: { args: () => ({ bolt11: testInvoice({ sats: 5, createdAt: new ManualClock().now() }).bolt11 }), allowed: ANY_ACTIVE_AGENT },
  marketplace_list_withdrawals: { args: () => ({}), allowed: ANY_AGENT_READING },

  marketplace_get_approval: { args: (i) => ({ approval_id: i.approval }), allowed: ['agent', 'suspended', 'sponsor'] },
  marketplace_list_approvals: { args: () => ({}), sponsorArgs: (i) => ({ agent_id: i.agent }), allowed: S1_ONLY },
  marketplace_decide_approval: { args: (i) => ({ approval_id: i.approval, decision: 'deny' }), allowed: S1_ONLY },
  marketplace_get_policy: { args: (i) => ({ agent_id: i.agent }), allowed: S1_ONLY },
  marketplace_set_policy: {
    args: (i) => ({ agent_id: i.agent, policy: { level: 'Autonomous', action_limits: { max_transaction_sats: TRANSACTION_LIMIT_SATS } } }),
    allowed: S1_ONLY,
  },
  marketplace_audit_log: { args: (i) => ({ agent_id: i.agent }), allowed: S1_ONLY },
  marketplace_set_agent_status: { args: (i) => ({ agent_id: i.agent, action: 'reactivate' }), allowed: S1_ONLY },

  marketplace_search_skills: { args: () => ({ query: 'skill' }), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_get_skill: { args: (i) => ({ slug: i.counterpartySkill }), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_publish_skill: {
    args: (i) => ({ slug: i.agentSkill, name: 'Alice', description: 'x', version: '1.1.0', pricing: { model: 'Free' } }),
    sponsorArgs: () => ({ slug: 'sponsor-skill', name: 'Sponsor', description: 'x', version: '1.0.0', pricing: { model: 'Free' } }),
    allowed: ['agent', 'sponsor', 'otherSponsor'],
  },
  marketplace_submit_skill_for_review: { args: (i) => ({ slug: i.agentSkill, version: '1.0.0' }), allowed: A_ACTS },
  // Before the install row: only A (suspended or not) has installed it; anyone else is told to install it first.
  marketplace_get_installed_skill: { args: (i) => ({ slug: i.counterpartySkill }), allowed: A_READS },
  marketplace_install_skill: { args: (i) => ({ slug: i.counterpartySkill }), allowed: ANY_ACTIVE_AGENT },
  marketplace_record_skill_usage: { args: (i) => ({ slug: i.counterpartySkill }), allowed: ANY_ACTIVE_AGENT },
  marketplace_rate_skill: { args: (i) => ({ slug: i.counterpartySkill, rating: 5 }), allowed: ANY_ACTIVE_AGENT },
  marketplace_uninstall_skill: { args: (i) => ({ slug: i.counterpartySkill }), allowed: ANY_ACTIVE_AGENT },
  marketplace_list_installed_skills: { args: () => ({}), allowed: ANY_AGENT_READING },
  marketplace_creator_analytics: { args: () => ({}), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_list_local_skills: { args: () => ({}), allowed: ANY_AGENT_OR_SPONSOR },

  marketplace_update_profile: { args: () => ({ description: 'x' }), allowed: ANY_ACTIVE_AGENT },
  marketplace_find_agents: { args: () => ({}), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_get_agent: { args: (i) => ({ agent_id: i.agent }), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_hire_agent: { args: (i) => ({ task: { description: 'x', required_skills: [], max_budget_sats: 10 }, agent_id: i.counterparty }), allowed: ANY_ACTIVE_AGENT },
  marketplace_get_contract: { args: (i) => ({ contract_id: i.contractHired }), allowed: A_READS },
  marketplace_list_contracts: { args: () => ({}), allowed: ANY_AGENT_READING },
  marketplace_respond_to_contract: { args: (i) => ({ contract_id: i.contractHired, action: 'accept' }), allowed: A_ACTS },
  marketplace_submit_delivery: { args: (i) => ({ contract_id: i.contractHired, result: 'done' }), allowed: A_ACTS },
  marketplace_rate_hirer: { args: (i) => ({ contract_id: i.contractHired, rating: 5 }), allowed: A_ACTS },
  marketplace_review_delivery: { args: (i) => ({ contract_id: i.contractHiring, decision: 'accept' }), allowed: A_ACTS },
  // A's contract is settled by now: A gets through to a CONFLICT, anyone else to NOT_FOUND.
  marketplace_cancel_contract: { args: (i) => ({ contract_id: i.contractHiring }), allowed: A_ACTS },

  marketplace_propose_coalition: { args: () => coalition, allowed: ANY_ACTIVE_AGENT },
  marketplace_get_coalition: { args: (i) => ({ coalition_id: i.agentCoalition }), allowed: A_READS },
  marketplace_list_coalitions: { args: () => ({ role: 'funder' }), allowed: ANY_AGENT_READING },
  marketplace_join_coalition: { args: (i) => ({ coalition_id: i.counterpartyCoalition }), allowed: A_ACTS },
  marketplace_bid_on_subtask: { args: (i) => ({ coalition_id: i.marketCoalition, key: 'k', price_sats: 1 }), allowed: A_ACTS },
  marketplace_submit_subtask: { args: (i) => ({ coalition_id: i.counterpartyCoalition, key: 'k', result: 'x' }), allowed: A_ACTS },
  marketplace_leave_coalition: { args: (i) => ({ coalition_id: i.counterpartyCoalition }), allowed: A_ACTS },
  marketplace_invite_to_coalition: { args: (i) => ({ coalition_id: i.agentCoalition, agent_id: i.otherAgent }), allowed: A_ACTS },
  marketplace_assign_subtask: { args: (i) => ({ coalition_id: i.agentCoalition, key: 'k', assignee_id: i.counterparty }), allowed: A_ACTS },
  marketplace_accept_subtask: { args: (i) => ({ coalition_id: i.agentCoalition, key: 'k' }), allowed: A_ACTS },
  marketplace_return_subtask: { args: (i) => ({ coalition_id: i.agentCoalition, key: 'k', reason: 'redo' }), allowed: A_ACTS },
  marketplace_start_next_task: { args: (i) => ({ coalition_id: i.settledCoalition, task_description: 'x' }), allowed: A_ACTS },
  marketplace_complete_coalition: { args: (i) => ({ coalition_id: i.agentCoalition }), allowed: A_ACTS },
  marketplace_dissolve_coalition: { args: (i) => ({ coalition_id: i.agentCoalition }), allowed: A_ACTS },

  marketplace_create_data_listing: {
    args: () => ({ title: 't', description: 'd', listing_type: 'Sample', price_sats: 1, sha256: 'cd'.repeat(32) }),
    allowed: ANY_ACTIVE_AGENT,
  },
  marketplace_search_data: { args: () => ({ query: 'weather' }), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_get_data_listing: { args: (i) => ({ listing_id: i.agentListing }), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_purchase_data: { args: (i) => ({ listing_id: i.counterpartyListing }), allowed: ANY_ACTIVE_AGENT },
  marketplace_get_purchase: { args: (i) => ({ purchase_id: i.agentPurchase }), allowed: A_READS },
  marketplace_list_purchases: { args: () => ({}), allowed: ANY_AGENT_READING },
  marketplace_verify_access_grant: {
    args: (i) => ({ grant: i.counterpartyGrant }),
    allowed: A_READS,
    // A grant for someone else's sale is reported invalid with nothing about the purchase.
    refusal: (r) => r.valid === false && r.purchase_id === null && /not a grant for a sale of yours/i.test(String(r.reason)),
  },
  marketplace_confirm_purchase: { args: (i) => ({ purchase_id: i.agentPurchase }), allowed: A_ACTS },
  marketplace_delist_data: { args: (i) => ({ listing_id: i.agentListing }), allowed: A_ACTS },

  marketplace_create_bounty: {
    args: () => ({ title: 't', description: 'd', reward_sats: 10, requirements: { min_samples: 1, required_format: 'json' } }),
    allowed: ANY_ACTIVE_AGENT,
  },
  marketplace_list_bounties: { args: () => ({}), allowed: ANY_AGENT_OR_SPONSOR },
  marketplace_get_bounty: { args: (i) => ({ bounty_id: i.agentBounty }), allowed: ANY_AGENT_READING },
  marketplace_get_submission: { args: (i) => ({ submission_id: i.counterpartySubmission }), allowed: A_READS },
  marketplace_submit_to_bounty: {
    args: (i) => ({ bounty_id: i.counterpartyBounty, data_samples: [{ label: 'dog' }], metadata: { format: 'json', sample_count: 1 } }),
    allowed: ANY_ACTIVE_AGENT,
  },
  marketplace_review_submission: { args: (i) => ({ submission_id: i.counterpartySubmission, decision: 'accept' }), allowed: A_ACTS },
  // A's own bounty: refused to A for that reason (not for who A is); any other active agent contributes.
  marketplace_contribute_trajectory: {
    args: (i) => ({
      bounty_id: i.agentTrajectoryBounty,
      trajectory: { ...minimalTrajectory(), session_id: 'matrix' },
      metadata: { source: 'claude', trajectory_hash: '0'.repeat(64), quality_score: 0.5 },
    }),
    allowed: ANY_ACTIVE_AGENT,
  },
  // The bounty's creator (A) reads it; the contributor is W, not a role here.
  marketplace_get_trajectory_contribution: { args: (i) => ({ contribution_id: i.counterpartyContribution }), allowed: A_READS },
  marketplace_cancel_bounty: { args: (i) => ({ bounty_id: i.agentBounty }), allowed: A_ACTS },

  // Over the transaction limit, so policy (not access control) stops it before any relay is asked.
  marketplace_submit_compute_job: { args: () => ({ kind: 5050, input: 'x', max_price_sats: TRANSACTION_LIMIT_SATS + 1 }), allowed: ANY_ACTIVE_AGENT },
  marketplace_get_compute_job: { args: () => ({ job_id: 'jb_none' }), allowed: A_READS, noResourceOffline: true },
  marketplace_cancel_compute_job: { args: () => ({ job_id: 'jb_none' }), allowed: A_ACTS, noResourceOffline: true },
  marketplace_register_provider: { args: () => ({ name: 'p', kinds: [5050], price_sats: 1, regions: ['eu'] }), allowed: ANY_ACTIVE_AGENT },
  marketplace_list_providers: { args: () => ({}), allowed: EVERYONE },
  // The registry is public, providers awaiting approval included (list_providers has include_unapproved).
  marketplace_get_provider: { args: (i) => ({ provider_id: i.agentProvider }), allowed: EVERYONE },
  marketplace_rate_provider: { args: (i) => ({ provider_id: i.counterpartyProvider, rating: 5 }), allowed: ANY_ACTIVE_AGENT },
  marketplace_approve_provider: { args: (i) => ({ provider_id: i.agentProvider, approved: true }), allowed: ['operator'] },

  marketplace_list_disputes: { args: () => ({}), allowed: ['agent', 'suspended', 'otherAgent', 'operator'] },
  marketplace_get_dispute: { args: (i) => ({ dispute_id: i.dispute }), allowed: ['agent', 'suspended', 'operator'] },
  marketplace_file_dispute: { args: (i) => ({ dispute_type: 'QualityIssue', subject: { kind: 'contract', id: i.contractHiring }, amount_sats: 1 }), allowed: A_ACTS },
  marketplace_respond_to_dispute: { args: (i) => ({ dispute_id: i.dispute, response: 'It was delivered.' }), allowed: A_ACTS },
  marketplace_resolve_dispute: { args: (i) => ({ dispute_id: i.dispute, resolution: 'NoRefund', reason: 'Delivered as agreed.' }), allowed: ['operator'] },
};

const worlds: MarketWorld[] = [];
afterAll(() => worlds.forEach(closeWorld));
/** Every answer and error text any caller saw, searched for tokens at the end. */
const seenTexts: string[] = [];

/** through: got past access control; null: cannot tell (NOT_FOUND where no resource can exist). */
type Outcome = { through: boolean | null; detail: string; text: string };

async function attempt(client: Client, tool: string, args: Record<string, unknown>, row: Row): Promise<Outcome> {
  let result: CallToolResult;
  try {
    result = (await client.callTool({ name: tool, arguments: args })) as CallToolResult;
  } catch (error) {
    // A tool outside the caller's role is not listed, and calling it is an unknown tool.
    const message = String(error);
    seenTexts.push(message);
    if (/Unknown tool/.test(message)) return { through: false, detail: 'hidden', text: message };
    throw error;
  }
  const text = JSON.stringify(result);
  seenTexts.push(text);
  if (!result.isError) {
    const refused = row.refusal?.(result.structuredContent as Record<string, unknown>) ?? false;
    return { through: !refused, detail: refused ? 'refused by its answer' : 'ok', text };
  }
  const error = (result.structuredContent as { error: { code: string; details?: { rule?: string } } }).error;
  if (error.code === 'NOT_FOUND' && row.noResourceOffline) return { through: null, detail: error.code, text };
  const refused =
    error.code === 'UNAUTHORIZED' ||
    error.code === 'FORBIDDEN' ||
    error.code === 'NOT_FOUND' ||
    (error.code === 'POLICY_DENIED' && String(error.details?.rule).startsWith('agent.status.'));
  return { through: !refused, detail: error.code, text };
}

/** The ids of A's and S1's things no one else may see. */
function privateIds(ids: Ids): string[] {
  return [
    ids.approval,
    ids.agentTopupHash,
    ids.sponsorTopupHash,
    ids.contractHired,
    ids.contractHiring,
    ids.agentPurchase,
    ids.counterpartySubmission,
    ids.counterpartyContribution,
    ids.dispute,
  ];
}

async function tokenFor(role: Role, world: MarketWorld): Promise<string> {
  const t = world.tokens;
  if (role === 'suspended') {
    await setAgentStatus(world.ctx.db, world.ctx.clock, world.ids.agent, 'Suspended', 'access matrix');
    return t.agent;
  }
  return { agent: t.agent, otherAgent: t.otherAgent, sponsor: t.sponsor, otherSponsor: t.otherSponsor, operator: t.operator }[role];
}

describe('the access matrix', () => {
  let toolNames: string[] = [];
  let anyWorld: MarketWorld;

  beforeAll(async () => {
    anyWorld = await buildWorld();
    worlds.push(anyWorld);
    const listed = new Set<string>();
    for (const token of [anyWorld.tokens.agent, anyWorld.tokens.sponsor, anyWorld.tokens.operator]) {
      (await (await connect(anyWorld.ctx, token, { toolsets: ['all'] })).listTools()).tools.forEach((t) => listed.add(t.name));
    }
    toolNames = [...listed];
  });

  it('has a row for every tool any role can list, and no row for a tool that is gone', () => {
    expect(Object.keys(MATRIX).sort()).toEqual([...toolNames].sort());
  });

  it.each(ROLES)('as %s, exactly the tools in the table get through', async (role) => {
    const world = role === 'agent' ? anyWorld : await buildWorld();
    if (world !== anyWorld) worlds.push(world);
    const client = await connect(world.ctx, await tokenFor(role, world));
    const outcomes: Record<string, Outcome> = {};
    for (const [tool, row] of Object.entries(MATRIX).filter(([name]) => toolNames.includes(name))) {
      const args = (role === 'sponsor' || role === 'otherSponsor') && row.sponsorArgs ? row.sponsorArgs(world.ids) : row.args(world.ids);
      outcomes[tool] = await attempt(client, tool, args, row);
    }
    const wrong = Object.entries(outcomes)
      .filter(([tool, o]) => o.through !== null && o.through !== MATRIX[tool]!.allowed.includes(role))
      .map(([tool, o]) => `${tool} ${o.through ? 'let through' : 'refused'} (${o.detail}): ${o.text.slice(0, 300)}`);
    expect(wrong).toEqual([]);

    if (role === 'otherAgent' || role === 'otherSponsor') {
      for (const [tool, o] of Object.entries(outcomes).filter(([, o]) => o.detail === 'ok')) {
        for (const id of privateIds(world.ids)) expect(o.text, `${tool} shows ${id} to ${role}`).not.toContain(id);
      }
    }
  });
});

describe('at the HTTP door', () => {
  let world: MarketWorld;
  let http: HttpServer;
  let url: string;
  let revoked: string;

  beforeAll(async () => {
    world = await buildWorld();
    worlds.push(world);
    revoked = world.tokens.counterparty;
    await rotateToken(world.ctx.db, world.ctx.clock, { kind: 'agent', id: world.ids.counterparty });
    http = await listen(createHttpApp(world.ctx), '127.0.0.1', 0);
    url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`;
  });
  afterAll(() => new Promise<void>((done) => http.close(() => done())));

  const post = async (tool: string, authorization: string | null) => {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    if (authorization !== null) headers.authorization = authorization;
    const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: tool, arguments: {} } });
    const res = await fetch(url, { method: 'POST', headers, body });
    const text = await res.text();
    seenTexts.push(text);
    return { status: res.status, text };
  };

  it('refuses every tool to a caller with no token, a wrong one or a revoked one, and echoes none of them', async () => {
    const wrong = {
      'no token': null,
      'an empty bearer': 'Bearer ',
      'a made-up token': 'Bearer not-a-token',
      'a well-formed unknown agent token': `Bearer amag_${'A'.repeat(43)}`,
      'a revoked token': `Bearer ${revoked}`,
      "a sponsor's token sent as Basic": `Basic ${world.tokens.sponsor}`,
      "a sponsor's token with a byte more": `Bearer ${world.tokens.sponsor}x`,
    };
    for (const tool of Object.keys(MATRIX)) {
      for (const [how, authorization] of Object.entries(wrong)) {
        const answer = await post(tool, authorization);
        expect(answer.status, `${tool} with ${how}`).toBe(401);
        expect(JSON.parse(answer.text).error.code).toBe('UNAUTHORIZED');
        if (authorization) expect(answer.text).not.toContain(authorization.replace(/^\w+ /, '') || '\u0000');
      }
    }
    // The same request with a valid token is served: the door, not the request, refused them.
    const served = await post('marketplace_whoami', `Bearer ${world.tokens.agent}`);
    expect(served.status).toBe(200);
    expect(served.text).toContain(world.ids.agent);
  });
});

describe('tokens', () => {
  it('never appear in a log line, an answer or an error', () => {
    expect(seenTexts.length).toBeGreaterThan(500);
    const secrets = worlds.flatMap((w) => Object.values(w.tokens));
    const everything = [...seenTexts, ...worlds.flatMap((w) => w.logs)];
    for (const text of everything) {
      expect(text).not.toMatch(/\bam(sp|ag|op)_[A-Za-z0-9_-]{20,}/);
      for (const secret of secrets) expect(text.includes(secret), `a token in: ${text.slice(0, 200)}`).toBe(false);
    }
  });
});
