// Hostile actors: agents that try what an attacker with a funded token would. They are a
// share of the workload's steps (HOSTILE_WEIGHTS), mixed with the honest operations so
// that their attempts meet deals, crashes and clock jumps like everything else.
// - A blocker (an agent whose sponsor's policy blocks another agent) tries to pay the
//   blocked agent by every path: a payment, a coalition it coordinates, an invitation,
//   an open join, a coordinator's invitation, a skill it wrote or refers, a hire, its
//   data, its bounty submission, completing a coalition it is in.
// - Malformed or oversized text and numbers: lone surrogates, NUL, 100 KB digit strings,
//   deeply nested JSON, amounts at 2^53.
// - Withdrawals of a few sats with the largest fee reserve an agent can name.
// - Idempotency keys replayed with other arguments, on every keyed tool.
// - JSON-RPC batches over HTTP, larger than the rate limit's burst.
// - Lightning addresses whose LNURL service is on loopback and names a loopback callback.
// - tools/call as raw HTTP at the direct path's own checks (src/http/direct-calls.ts), by
//   an agent of its own: a payment with a token just rotated by another connection or by
//   `token rotate` in another process; headers the SDK must answer (Accept, revision);
//   bodies at the edges (1 MB + 1 byte, broken JSON, array arguments, null or fractional
//   ids); a Host or Origin of another site; and payments both paths run (exactly 1 MB, a
//   session id, a progress token, gzip) retried under their key over the other path.
// What each must get is a coded refusal (never INTERNAL, which Simulation.call already
// fails on; for raw HTTP its status, never a 5xx); what must not happen to money is
// checked by the invariants (invariants.mjs: the blocked counterparty, limits with fee
// reserves, the write lock's bound, a refused raw call paying nothing and a key sent over
// both HTTP paths paying once).
import { execFile } from 'node:child_process';
import http from 'node:http';
import { rotateToken } from '../dist/domain/identity/registration.js';
import { BODY_LIMIT_BYTES } from '../dist/http/request-checks.js';
import { CLI, PLAIN_CALL_HEADERS, postBatch, postRaw, ServerGone } from './server.mjs';
import { contributionArgs, simTrajectory } from './trajectories.mjs';

const HOUR = 3_600_000;

/** How often each hostile operation runs, against the honest OPERATION_WEIGHTS (~100 in all): about a tenth of the steps. */
export const HOSTILE_WEIGHTS = {
  hostileBlocked: 4,
  hostileText: 2,
  hostileFeeReserve: 1,
  hostileKeyReplay: 2,
  hostileBatch: 1,
  hostileLoopback: 1,
  hostileTrajectory: 2,
  hostileRawHttp: 3,
};

/** The server's rate limit: src/config.ts DEFAULT_RATE_LIMIT, 200 calls a second per token in bursts of twice that. */
const RATE_LIMIT_PER_SECOND = 200;
const RATE_LIMIT_BURST = 2 * RATE_LIMIT_PER_SECOND;

const BAD_TEXT = {
  loneSurrogate: () => '\ud800',
  loneLowSurrogate: () => 'a\udfffb',
  nul: () => 'a\u0000b',
};

function deepJson(depth) {
  let value = { leaf: 'x' };
  for (let i = 0; i < depth; i++) value = { nested: value };
  return value;
}

/** Counts an outcome in the run's statistics: hostile path → answer code → n. */
function tally(sim, path, answer) {
  const outcome = answer.ok ? (answer.pending ? 'pending_approval' : 'ok') : answer.code;
  const byPath = (sim.stats.hostile[path] ??= {});
  byPath[outcome] = (byPath[outcome] ?? 0) + 1;
}

/**
 * A hostile call must be refused (pending approval counts as not run), with one of `codes` when given.
 * SIM_HOSTILE_SURVEY=1 (a developer's setting, to list every hole of a build in one run) records
 * the broken expectation in the statistics instead of stopping the run.
 */
function refused(sim, path, what, answer, codes) {
  tally(sim, path, answer);
  const broken = (message) => brokenExpectation(sim, 'hostile calls are refused', message);
  if (answer.ok && !answer.pending) broken(`${what} succeeded: ${JSON.stringify(answer.data).slice(0, 300)}`);
  // Refused before the policy is asked because the other agent cannot deal at all (suspended, terminated) is refused all the same.
  const unavailable = answer.code === 'CONFLICT' && /is (Suspended|Terminated)/.test(answer.data.error?.message ?? '');
  if (!answer.ok && codes && !codes.includes(answer.code) && !unavailable) broken(`${what} answered ${answer.code}, not ${codes.join(' or ')}: ${answer.data.error?.message}`);
}

function brokenExpectation(sim, invariant, message) {
  if (!process.env.SIM_HOSTILE_SURVEY) sim.violation(invariant, message);
  (sim.stats.hostileSurvey ??= []).push(`step ${sim.step}: ${message.slice(0, 200)}`);
}

/**
 * Chooses the blocking pairs and the blocked agent's own skill, before the workload runs:
 * one or two agents whose sponsor blocks another agent (of the same sponsor or another).
 * Their policies keep the block for the whole run (Simulation.policyFor).
 */
export function chooseBlocks(sim, r) {
  const agents = sim.world.agents;
  const pairs = r.int(1, 2);
  for (let i = 0; i < pairs; i++) {
    const blocker = r.pick(agents);
    const blocked = sim.world.otherAgent(r, blocker);
    if (sim.world.blocks.some((b) => b.blocker === blocker.id && b.blocked === blocked.id)) continue;
    sim.world.blocks.push({ blocker: blocker.id, blocked: blocked.id });
  }
}

export const hostileOperations = {
  /** A blocker tries to reach the agent its sponsor blocked, by one path the seed picks. */
  async hostileBlocked(sim, r) {
    const pair = r.pick(sim.world.blocks);
    if (!pair) return;
    const a = sim.world.agentById(pair.blocker);
    const b = sim.world.agentById(pair.blocked);
    const others = sim.world.agents.filter((x) => x.id !== a.id && x.id !== b.id);
    const path = r.weighted({
      pay: 2,
      coordinator: 2,
      invite: 2,
      openJoin: 2,
      coordinatorInvites: 1,
      referrer: 2,
      blockedSkill: 2,
      hire: 2,
      hireBest: 1,
      data: 2,
      bounty: 2,
      complete: 1,
    });
    const what = `${a.name} (blocks ${b.name}) via ${path}`;
    const key = sim.newKey();
    const coalition = (extra) => ({
      coalition_type: 'AdHoc',
      task_description: `sim:${key}`,
      target_member_count: 2,
      payment_structure: 'Equal',
      pool_sats: r.int(100, 2_000),
      idempotency_key: key,
      ...extra,
    });
    switch (path) {
      case 'pay':
        return refused(sim, path, what, await sim.act(a, 'marketplace_send_payment', { to_agent_id: b.id, amount_sats: r.int(1, 500), memo: `sim:${key}`, idempotency_key: key }), [
          'POLICY_DENIED',
        ]);
      case 'coordinator':
        return refused(
          sim,
          path,
          what,
          await sim.act(a, 'marketplace_propose_coalition', coalition({ coalition_type: r.pick(['AdHoc', 'Market', 'Hierarchical']), coordinator_id: b.id })),
          ['POLICY_DENIED'],
        );
      case 'invite': {
        const proposed = await sim.act(a, 'marketplace_propose_coalition', coalition({}));
        if (!proposed.ok || proposed.pending) return tally(sim, `${path} (proposal)`, proposed);
        return refused(sim, path, what, await sim.act(a, 'marketplace_invite_to_coalition', { coalition_id: proposed.data.coalition_id, agent_id: b.id }), ['POLICY_DENIED']);
      }
      case 'openJoin': {
        // A Market coalition is open to anyone who joins: the funder's block still binds.
        const coordinator = r.pick(others);
        if (!coordinator) return;
        const proposed = await sim.act(a, 'marketplace_propose_coalition', coalition({ coalition_type: 'Market', coordinator_id: coordinator.id }));
        if (!proposed.ok || proposed.pending) return tally(sim, `${path} (proposal)`, proposed);
        await sim.act(coordinator, 'marketplace_join_coalition', { coalition_id: proposed.data.coalition_id });
        return refused(sim, path, what, await sim.act(b, 'marketplace_join_coalition', { coalition_id: proposed.data.coalition_id }));
      }
      case 'coordinatorInvites': {
        // The coordinator the blocker named invites the blocked agent: the funder's rules bind the coordinator.
        const coordinator = r.pick(others);
        if (!coordinator) return;
        const proposed = await sim.act(a, 'marketplace_propose_coalition', coalition({ coordinator_id: coordinator.id }));
        if (!proposed.ok || proposed.pending) return tally(sim, `${path} (proposal)`, proposed);
        const id = { coalition_id: proposed.data.coalition_id };
        await sim.act(coordinator, 'marketplace_join_coalition', id);
        return refused(sim, path, what, await sim.act(coordinator, 'marketplace_invite_to_coalition', { ...id, agent_id: b.id }));
      }
      case 'referrer': {
        // Naming the blocked agent as the referrer of a skill someone else wrote (referrers get a share of every use).
        const skill = r.pick(sim.world.skills.filter((s) => s.author !== b.id));
        const answer = await sim.act(a, 'marketplace_install_skill', { slug: skill.slug, referrer_id: b.id, idempotency_key: key });
        tally(sim, path, answer);
        if (answer.ok && !answer.pending) sim.installedBy(a).add(skill.slug);
        return;
      }
      case 'blockedSkill': {
        // The blocked agent's own skill (per call): installing is free, every use would pay it.
        const skill = sim.world.skills.find((s) => s.author === b.id);
        if (!skill) return;
        if (!sim.installedBy(a).has(skill.slug)) {
          const installed = await sim.act(a, 'marketplace_install_skill', { slug: skill.slug, idempotency_key: key });
          tally(sim, `${path} (install)`, installed);
          if (!installed.ok || installed.pending) return;
          sim.installedBy(a).add(skill.slug);
        }
        return refused(sim, path, what, await sim.act(a, 'marketplace_record_skill_usage', { slug: skill.slug, calls: r.int(1, 3), idempotency_key: sim.newKey() }));
      }
      case 'hire':
        return refused(
          sim,
          path,
          what,
          await sim.act(a, 'marketplace_hire_agent', {
            task: { description: `sim:${key}`, required_skills: [], max_budget_sats: r.int(100, 2_000), deadline: new Date(sim.now().getTime() + 24 * HOUR).toISOString() },
            agent_id: b.id,
            idempotency_key: key,
          }),
          ['POLICY_DENIED'],
        );
      case 'hireBest': {
        // No worker named: the marketplace picks; it must not pick the blocked agent.
        const answer = await sim.act(a, 'marketplace_hire_agent', {
          task: { description: `sim:${key}`, required_skills: [], max_budget_sats: r.int(100, 2_000), deadline: new Date(sim.now().getTime() + 24 * HOUR).toISOString() },
          idempotency_key: key,
        });
        tally(sim, path, answer);
        if (answer.ok && answer.data.agent_id === b.id)
          sim.violation('a blocked counterparty is never paid', `${what}: the marketplace chose the blocked agent as worker (contract ${answer.data.contract_id})`);
        return;
      }
      case 'data': {
        let listing = sim.world.listings.items.map((id) => ({ id, ...sim.world.listings.get(id) })).find((l) => l.seller === b.id);
        if (!listing) {
          const made = await sim.act(b, 'marketplace_create_data_listing', {
            title: `sim:${key}`,
            description: 'a dataset',
            listing_type: 'FullDataset',
            price_sats: r.int(1, 1_000),
            sha256: '0'.repeat(63) + '1',
            idempotency_key: key,
          });
          if (!made.ok || made.pending) return tally(sim, `${path} (listing)`, made);
          listing = { id: made.data.listing_id };
        }
        return refused(sim, path, what, await sim.act(a, 'marketplace_purchase_data', { listing_id: listing.id, idempotency_key: sim.newKey() }), ['POLICY_DENIED']);
      }
      case 'bounty': {
        // The blocked agent answers the blocker's bounty, and the blocker accepts: the reward must not reach it.
        let bounty = sim.world.bounties.items.map((id) => ({ id, ...sim.world.bounties.get(id) })).find((x) => x.creator === a.id);
        if (!bounty) {
          const made = await sim.act(a, 'marketplace_create_bounty', {
            title: `sim:${key}`,
            description: 'labelled examples',
            reward_sats: r.int(100, 2_000),
            requirements: { min_samples: 1, required_format: 'json' },
            deadline: new Date(sim.now().getTime() + 48 * HOUR).toISOString(),
            idempotency_key: key,
          });
          if (!made.ok || made.pending) return tally(sim, `${path} (bounty)`, made);
          bounty = { id: made.data.bounty_id };
        }
        const submitted = await sim.act(b, 'marketplace_submit_to_bounty', {
          bounty_id: bounty.id,
          data_samples: [{ text: `example ${sim.nextSample()}`, label: 'yes' }],
          metadata: { format: 'json', sample_count: 1 },
        });
        tally(sim, `${path} (submit)`, submitted);
        const read = await sim.act(a, 'marketplace_get_bounty', { bounty_id: bounty.id });
        const theirs = read.ok ? (read.data.submissions ?? []).find((s) => s.status === 'Pending' && s.contributor_id === b.id) : undefined;
        if (!theirs) return;
        return refused(sim, path, what, await sim.act(a, 'marketplace_review_submission', { submission_id: theirs.submission_id, decision: 'accept' }));
      }
      case 'complete': {
        // A coalition of the blocker's that the blocked agent got into (it must not have): completing it would pay it.
        for (const id of sim.world.coalitions.items) {
          if (sim.world.coalitions.get(id).funder !== a.id) continue;
          const read = await sim.act(a, 'marketplace_get_coalition', { coalition_id: id });
          if (!read.ok || !read.data.members.some((m) => m.agent_id === b.id)) continue;
          return refused(sim, path, what, await sim.act(a, 'marketplace_complete_coalition', { coalition_id: id }));
        }
        return;
      }
      default:
    }
  },

  /** Text that cannot be stored as sent, very long digit strings, nesting far past any real argument, numbers at 2^53. */
  /**
   * Trajectory contributions that must not be paid: another agent's accepted trajectory sent
   * as one's own (to the same bounty or another), and a session still holding a secret.
   */
  async hostileTrajectory(sim, r) {
    const open = sim.world.bounties.items.map((id) => ({ id, ...sim.world.bounties.get(id) })).filter((b) => b.trajectory);
    const target = r.pick(open);
    if (!target) return;
    const creator = sim.world.agentById(target.creator);
    const copier = sim.world.otherAgent(r, creator);
    const theirs = (sim.world.trajectories ?? []).filter((t) => t.contributor !== copier.id);
    if (theirs.length > 0 && r.chance(0.6)) {
      const original = r.pick(theirs);
      const answer = await sim.act(copier, 'marketplace_contribute_trajectory', contributionArgs(r, target.id, original.args.trajectory, sim.newKey()));
      tally(sim, 'copied trajectory', answer);
      if (answer.ok && !answer.pending && answer.data.status === 'Accepted')
        sim.violation('a trajectory is paid to its first contributor only', `${copier.name} was paid for ${original.contributor}'s trajectory (${answer.data.contribution_id})`);
      return;
    }
    const secret = `ghp_${Array.from({ length: 36 }, () => 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789'[r.int(0, 45)]).join('')}`;
    const answer = await sim.act(
      copier,
      'marketplace_contribute_trajectory',
      contributionArgs(r, target.id, simTrajectory(r, `sim-leak-${sim.nextSample()}`, { secret }), sim.newKey()),
    );
    tally(sim, 'trajectory with a secret', answer);
    if (answer.ok && !answer.pending && answer.data.status === 'Accepted')
      sim.violation('a trajectory holding a secret is refused', `${copier.name}'s trajectory with a GitHub token was accepted (${answer.data.contribution_id})`);
    if (JSON.stringify(answer.data).includes(secret)) sim.violation('a trajectory holding a secret is refused', 'the answer echoes the secret');
  },

  async hostileText(sim, r) {
    const agent = r.pick(sim.world.agents);
    const to = sim.world.otherAgent(r, agent);
    const kind = r.weighted({ malformed: 4, digits: 2, deep: 2, huge: 2 });
    const key = sim.newKey();
    if (kind === 'huge') {
      const amount = r.pick([2 ** 53, 2 ** 53 + 2, Number.MAX_SAFE_INTEGER, 1e300, -1, 0.5]);
      return refused(
        sim,
        'huge number',
        `${agent.name} pays ${amount} sats`,
        await sim.act(agent, 'marketplace_send_payment', { to_agent_id: to.id, amount_sats: amount, memo: `sim:${key}`, idempotency_key: key }),
      );
    }
    if (kind === 'deep') {
      // Any open bounty takes a submission's samples as JSON objects.
      const bounty = sim.world.bounties.pick(r);
      if (!bounty) return;
      const depth = r.int(200, 3_000);
      const answer = await sim.act(agent, 'marketplace_submit_to_bounty', { bounty_id: bounty.id, data_samples: [deepJson(depth)], metadata: { format: 'json', sample_count: 1 } });
      return refused(sim, 'deep JSON', `${agent.name} submits a sample nested ${depth} deep`, answer, ['INVALID_INPUT']);
    }
    const bad = kind === 'digits' ? '0123456789 +-'.repeat(8_000) : BAD_TEXT[r.pick(Object.keys(BAD_TEXT))]();
    const where = r.pick(['memo', 'listing', 'hire', 'coalition', 'bounty']);
    const label = `${kind === 'digits' ? `${bad.length}-character digit string` : JSON.stringify(bad)} in ${where}`;
    const calls = {
      memo: () => ['marketplace_send_payment', { to_agent_id: to.id, amount_sats: r.int(1, 50), memo: `sim:${key} ${bad}`, idempotency_key: key }],
      listing: () => [
        'marketplace_create_data_listing',
        { title: `sim:${key}`, description: bad, listing_type: 'Sample', price_sats: r.int(1, 100), sha256: '0'.repeat(63) + '2', idempotency_key: key },
      ],
      hire: () => [
        'marketplace_hire_agent',
        {
          task: { description: `sim:${key} ${bad}`, required_skills: [], max_budget_sats: r.int(100, 500), deadline: new Date(sim.now().getTime() + 24 * HOUR).toISOString() },
          agent_id: to.id,
          idempotency_key: key,
        },
      ],
      coalition: () => [
        'marketplace_propose_coalition',
        { coalition_type: 'AdHoc', task_description: `sim:${key} ${bad}`, target_member_count: 2, payment_structure: 'Equal', pool_sats: r.int(100, 500), idempotency_key: key },
      ],
      bounty: () => [
        'marketplace_create_bounty',
        {
          title: `sim:${key}`,
          description: bad,
          reward_sats: r.int(100, 500),
          requirements: { min_samples: 1, required_format: 'json' },
          deadline: new Date(sim.now().getTime() + 24 * HOUR).toISOString(),
          idempotency_key: key,
        },
      ],
    };
    const [tool, args] = calls[where]();
    const answer = await sim.act(agent, tool, args);
    // Malformed text must be refused at the boundary; a long but well-formed string may be taken or refused, never INTERNAL.
    if (kind === 'malformed') return refused(sim, 'malformed text', `${agent.name}: ${label}`, answer, ['INVALID_INPUT']);
    tally(sim, 'long digits', answer);
  },

  /** A withdrawal of a few sats naming a fee reserve far above it: the gate must judge both (checked by checkLimits). */
  async hostileFeeReserve(sim, r) {
    const agent = r.pick(sim.world.agents);
    const maxFee = r.pick([1_000, 30_000, 1_000_000, 2 ** 31, Number.MAX_SAFE_INTEGER]);
    const answer = await sim.act(agent, 'marketplace_withdraw', { bolt11: sim.payoutInvoice(r, r.int(1, 20)), max_fee_sats: maxFee, idempotency_key: sim.newKey() });
    tally(sim, 'fee reserve', answer);
  },

  /** A key that did something, sent again with one argument changed: IDEMPOTENCY_MISMATCH, whatever the tool. */
  async hostileKeyReplay(sim, r) {
    const candidates = sim.world.keyedOrder.filter((k) => {
      const record = sim.world.keyed.get(k);
      return record.effect?.result !== undefined && MUTATE[record.tool];
    });
    const key = r.pick(candidates);
    if (!key) return;
    const record = sim.world.keyed.get(key);
    const args = MUTATE[record.tool](record.args);
    const answer = await sim.call(record.actor, record.tool, args);
    refused(sim, 'key replay', `${record.tool} key ${key} (${record.actor.name}) with other arguments`, answer, ['IDEMPOTENCY_MISMATCH']);
  },

  /**
   * JSON-RPC batches over the HTTP transport (the simulation's only transport), sent by
   * the attacker (an agent of its own, so a drained rate-limit bucket slows nobody else):
   * under 2025-06-18 and later batches do not exist and must be refused whole; under
   * 2025-03-26 five batches of 100 at once (the SDK takes at most 100 messages a batch)
   * must not run more calls than the rate limit's burst and refill allow. The calls are
   * reads, so whatever runs changes nothing the model follows.
   */
  async hostileBatch(sim, r) {
    const attacker = sim.world.attacker;
    const revision = r.pick(['2025-03-26', '2025-06-18']);
    const flood = revision < '2025-06-18' && r.chance(0.5);
    const batches = flood ? 5 : 1;
    const size = flood ? 100 : r.int(2, 5);
    const messages = Array.from({ length: size }, (_, i) => ({ jsonrpc: '2.0', id: i + 1, method: 'tools/call', params: { name: 'marketplace_check_balance', arguments: {} } }));
    const started = performance.now();
    const answers = await Promise.all(Array.from({ length: batches }, () => postBatch(sim.server.url, attacker.token, messages, revision)));
    const seconds = (performance.now() - started) / 1000;
    sim.stats.calls += batches;
    let ran = 0;
    for (const { status, body } of answers) {
      if (status >= 500) sim.violation('no call fails unexpectedly', `a batch of ${size} under ${revision} answered HTTP ${status}: ${JSON.stringify(body).slice(0, 300)}`);
      for (const m of Array.isArray(body) ? body : []) {
        if (m.result && !m.result.isError) ran++;
        if (m.result?.structuredContent?.error?.code === 'INTERNAL' || m.error?.code === -32603)
          sim.violation('no call fails unexpectedly', `a call in a batch under ${revision} answered ${JSON.stringify(m).slice(0, 300)}`);
      }
    }
    const statuses = [...new Set(answers.map((a) => a.status))].join('/');
    const outcome = `${revision} ${batches}×${flood ? 100 : 'few'}: HTTP ${statuses}`;
    sim.stats.hostile.batch = { ...sim.stats.hostile.batch, [outcome]: (sim.stats.hostile.batch?.[outcome] ?? 0) + 1 };
    sim.trace.push({ step: sim.step, actor: attacker.name, tool: `${batches} batch(es) of ${size}`, args: { revision }, answer: `HTTP ${statuses}, ${ran} calls ran` });
    if (sim.trace.length > 60) sim.trace.shift();
    const fail = (message) => refused(sim, 'batch past its rule', message, { ok: true, data: { ran } });
    if (revision >= '2025-06-18' && ran > 0) fail(`a batch of ${size} under ${revision} (which has no batches) ran ${ran} calls`);
    // The bucket starts at most full (the burst) and refills at the rate; a little slack for the clocks.
    const allowed = RATE_LIMIT_BURST + Math.ceil(seconds * RATE_LIMIT_PER_SECOND) + 5;
    if (flood && ran > allowed) fail(`${batches} batches of ${size} under ${revision} ran ${ran} calls in ${seconds.toFixed(2)} s, past the rate limit (${allowed} at most)`);
  },

  /**
   * tools/call sent as raw HTTP by an agent of its own (world.raw), at what the direct path
   * (src/http/direct-calls.ts) decides by hand before handing a request to the SDK's
   * transport: a payment with a token rotated a moment ago (by another connection or by
   * `token rotate` in another process, while the server still remembers the token);
   * headers the SDK must answer (an Accept without text/event-stream, a revision it does not
   * support); bodies at the edges (one byte over 1 MB, broken JSON, arguments as an array,
   * an id that is null or not an integer); a Host or Origin of another site. Each gets its
   * status (never a 5xx) and pays nothing (its key is kept in world.raw.refused for
   * checkRawHttp). Calls both paths may run (exactly 1 MB, an mcp-session-id the stateless
   * SDK ignores, a progress token the SDK answers as SSE, a gzipped body express inflates)
   * are retried under the same key over the other path: both answers name one transfer.
   * One at a time: a rotation would otherwise revoke the token another is using.
   */
  async hostileRawHttp(sim, r) {
    const raw = sim.world.raw;
    const turn = raw.turn.then(() => rawHttp(sim, r));
    raw.turn = turn.catch(() => {});
    return turn;
  },

  /**
   * A withdrawal to a lightning address on loopback: one with no port (its LNURL URL is
   * https://127.0.0.1/…), one naming the simulator's "internal admin" port directly, and,
   * when the server has an exempted LNURL host (--allow-fetch-host), one whose LNURL
   * service there names a callback on the admin port. The admin port must never be asked
   * and nothing it says may reach the agent.
   */
  async hostileLoopback(sim, r) {
    const agent = r.pick(sim.world.agents);
    const trap = sim.loopback;
    const variants = ['noPort', 'adminPort', ...(trap.lnurlHost ? ['callback'] : [])];
    const variant = r.pick(variants);
    const address = { noPort: 'sim@127.0.0.1', adminPort: `admin@127.0.0.1:${trap.adminPort}`, callback: `sim@${trap.lnurlHost}` }[variant];
    const answer = await sim.act(agent, 'marketplace_withdraw', { lightning_address: address, amount_sats: r.int(10, 200), idempotency_key: sim.newKey() });
    tally(sim, `loopback ${variant}`, answer);
    // The address is asked after the gate, so a refusal there comes back as a failed withdrawal (its hold released), not an error.
    if (answer.ok && !answer.pending && answer.data?.status !== 'failed')
      sim.violation('hostile calls are refused', `a withdrawal to ${address} was not refused: ${answer.data?.status}`);
    if (JSON.stringify(answer.data).includes(ADMIN_SECRET))
      sim.violation('outbound fetches reach only public addresses', `the answer to a withdrawal to ${address} carries the admin port's body`);
    if (trap.adminHits > 0)
      sim.violation('outbound fetches reach only public addresses', `the admin port on loopback was asked ${trap.adminHits} times (last: ${trap.lastAdminRequest})`);
  },
};

const RAW_HTTP = { revoked: 3, handedOn: 3, body: 4, foreign: 2 };

async function rawHttp(sim, r) {
  const server = sim.server.child;
  const kind = r.weighted(RAW_HTTP);
  try {
    await RAW_HTTP_CALLS[kind](sim, r, sim.world.raw);
  } catch (error) {
    // No answer while the server was neither killed nor dead: it dropped the request.
    if (error instanceof ServerGone && server && sim.server.child === server && !sim.server.stopping && server.exitCode === null && server.signalCode === null)
      sim.violation('no call fails unexpectedly', `a raw ${kind} call got no answer from a running server: ${error.message}`);
    throw error;
  }
}

const RAW_HTTP_CALLS = {
  /** A payment with the token a rotation has just revoked: 401, nothing paid; the new token works at once. */
  async revoked(sim, r, raw) {
    const old = raw.token;
    const by = r.pick(['connection', 'process']);
    const path = `raw revoked (${by})`;
    const warm = await rawSend(sim, path, balanceCall(), headersWith(old));
    expectRaw(sim, path, `a read with ${raw.name}'s live token`, warm, { status: 200, result: true });
    if (by === 'connection') {
      // The simulator's own connection: another writer of the file, seen by the server through PRAGMA data_version only.
      raw.token = (await rotateToken(sim.ctx.db, sim.ctx.clock, { kind: 'agent', id: raw.id })).token;
    } else {
      // `token rotate` from a terminal takes a while to start: the old token is used all along, so the server
      // remembers it when the rotation commits, and once refused it must stay refused.
      let exited = false;
      const rotating = rotateByCli(sim, raw.id).finally(() => (exited = true));
      rotating.catch(() => {}); // awaited below, also when the server goes away meanwhile
      try {
        let refusedOnce = false;
        while (!exited) {
          const read = await rawSend(sim, path, balanceCall(), headersWith(old));
          const polls = (sim.stats.hostile[`${path} while rotating`] ??= {});
          polls[`HTTP ${read.status}`] = (polls[`HTTP ${read.status}`] ?? 0) + 1;
          if (read.status === 401) refusedOnce = true;
          else if (refusedOnce || read.status !== 200) expectRaw(sim, path, 'a read with a token being rotated', read, { status: 401, unauthorized: true });
          await sleep(25);
        }
      } finally {
        raw.token = await rotating;
      }
    }
    const key = mustNotPay(raw, sim.newKey());
    const gzip = r.chance(0.3);
    const answer = await rawSend(sim, path, paymentCall(sim, r, key), headersWith(old), { gzip });
    expectRaw(sim, path, `a payment with a token rotated by ${by === 'connection' ? 'another connection' : 'another process'}${gzip ? ' (gzipped: express)' : ''}`, answer, {
      status: 401,
      unauthorized: true,
    });
    await checkUnpaid(sim, raw, key);
    expectRaw(sim, path, 'a read with the rotated-in token', await rawSend(sim, path, balanceCall(), headersWith(raw.token)), { status: 200, result: true });
  },

  /** Headers the direct path leaves to the SDK: its refusal, or (a session id, which the stateless SDK ignores) the same payment once. */
  async handedOn(sim, r, raw) {
    const variant = r.weighted({ accept: 2, revision: 2, twoRevisions: 1, session: 2 });
    const path = `raw ${variant}`;
    const key = sim.newKey();
    const call = paymentCall(sim, r, key);
    if (variant === 'session') return sharedKey(sim, r, raw, path, call, { headers: { 'mcp-session-id': `sim-${r.int(1, 1e9)}` }, what: 'with an mcp-session-id' });
    mustNotPay(raw, key);
    const headers = {
      accept: () => ({ accept: r.pick(['application/json', 'text/event-stream', '*/*', undefined]) }),
      revision: () => ({ 'mcp-protocol-version': r.pick(['1999-01-01', '2025-06-19', '', 'latest']) }),
      twoRevisions: () => ({ 'mcp-protocol-version': ['2025-06-18', r.pick(['2025-06-18', '1999-01-01'])] }),
    }[variant]();
    const status = variant === 'accept' ? 406 : 400;
    expectRaw(sim, path, `a payment with ${JSON.stringify(headers)}`, await rawSend(sim, path, call, headersWith(raw.token, headers)), { status, rpcCode: -32000 });
    await checkUnpaid(sim, raw, key);
  },

  /** Bodies at the edges of what is read. */
  async body(sim, r, raw) {
    const variant = r.weighted({ overLimit: 2, atLimit: 1, brokenJson: 2, argumentsArray: 1, badId: 2, progress: 3 });
    const path = `raw ${variant}`;
    const key = sim.newKey();
    const call = paymentCall(sim, r, key);
    const gzip = r.chance(0.3);
    const send = (body, what, expected) =>
      rawSend(sim, path, body, headersWith(raw.token), { gzip }).then((answer) => expectRaw(sim, path, `${what}${gzip ? ' (gzipped: express)' : ''}`, answer, expected));
    switch (variant) {
      case 'atLimit':
        return sharedKey(sim, r, raw, path, call, { body: padded(call, BODY_LIMIT_BYTES), gzip, direct: !gzip, what: `of exactly 1 MB${gzip ? ' (gzipped: express)' : ''}` });
      case 'progress':
        return sharedKey(sim, r, raw, path, call, { body: { ...call, params: { ...call.params, _meta: { progressToken: `p-${key}` } } }, sse: true, what: 'asking for progress' });
      default:
    }
    mustNotPay(raw, key);
    if (variant === 'overLimit') await send(padded(call, BODY_LIMIT_BYTES + 1), 'a payment one byte over 1 MB', { status: 413, rpcCode: -32600 });
    if (variant === 'brokenJson') {
      const text = JSON.stringify(call);
      const broken = r.pick([text.slice(0, -r.int(1, 3)), `${text}x`, text.replace('{', "{'jsonrpc':'2.0',"), `${text.slice(0, -1)},}`]);
      await send(broken, `a payment in broken JSON (${broken.slice(-12)})`, { status: 400, rpcCode: -32700 });
    }
    if (variant === 'argumentsArray') {
      await send({ ...call, params: { ...call.params, arguments: [call.params.arguments] } }, 'a payment whose arguments are an array', { status: [200, 400], error: true });
    }
    if (variant === 'badId') {
      const id = r.pick([null, 1.5, -0.25, true, {}, []]);
      await send({ ...call, id }, `a payment with id ${JSON.stringify(id)}`, { status: 400, rpcCode: -32700 });
    }
    await checkUnpaid(sim, raw, key);
  },

  /** A Host naming another site, an Origin of another port or scheme: 403 from either path. */
  async foreign(sim, r, raw) {
    const port = Number(new URL(sim.server.url).port);
    const otherPort = port === 65_535 ? port - 1 : port + 1;
    const variant = r.pick(['host', 'origin']);
    const path = `raw ${variant}`;
    const key = mustNotPay(raw, sim.newKey());
    const headers =
      variant === 'host'
        ? { host: r.pick([`evil.example:${port}`, 'evil.example', `127.0.0.1.nip.io:${port}`, `localhost.evil.example:${port}`]) }
        : { origin: r.pick([`http://127.0.0.1:${otherPort}`, `http://localhost:${otherPort}`, `https://127.0.0.1:${port}`, 'null', 'http://evil.example']) };
    const gzip = r.chance(0.3);
    const answer = await rawSend(sim, path, paymentCall(sim, r, key), headersWith(raw.token, headers), { gzip });
    expectRaw(sim, path, `a payment with ${JSON.stringify(headers)}${gzip ? ' (gzipped: express)' : ''}`, answer, { status: 403, rpcCode: -32000 });
    await checkUnpaid(sim, raw, key);
  },
};

/**
 * A payment both paths may run, sent as `first` says (`direct`: whether the direct path
 * takes it) and, under the same key, as a plain call over the other path (the direct path,
 * or gzipped, which express reads and hands to the SDK), now and then in the other order:
 * both must answer it, naming the one transfer it made.
 */
async function sharedKey(sim, r, raw, path, call, first) {
  const key = call.params.arguments.idempotency_key;
  const sendFirst = () => rawSend(sim, path, first.body ?? call, headersWith(raw.token, first.headers), { gzip: first.gzip });
  const sendOther = () => rawSend(sim, path, call, headersWith(raw.token), { gzip: first.direct });
  const otherFirst = r.chance(0.3);
  const answers = otherFirst ? [await sendOther(), await sendFirst()] : [await sendFirst(), await sendOther()];
  for (const [i, answer] of answers.entries()) {
    const isFirst = (i === 0) !== otherFirst;
    expectRaw(sim, path, isFirst ? `a payment ${first.what}` : `the same payment over the ${first.direct ? "SDK's path" : 'direct path'}`, answer, {
      status: 200,
      result: true,
      sse: isFirst && first.sse,
    });
  }
  const [a, b] = answers.map((answer) => answer.message?.result?.structuredContent ?? {});
  const named = (x) => x.transfer_id ?? x.approval_id ?? x.error?.code;
  if (named(a) !== named(b)) sim.violation('a key sent over both HTTP paths pays once', `${path}: key ${key} answered ${named(a)}, then over the other path ${named(b)}`);
  if (a.transfer_id && a.status !== 'pending_approval') raw.paid.push({ key, transfer: a.transfer_id });
}

/** The body of `call`, padded with whitespace (still JSON) to exactly `bytes`. */
function padded(call, bytes) {
  const text = JSON.stringify(call);
  return text + ' '.repeat(bytes - Buffer.byteLength(text));
}

let rawId = 0;
const balanceCall = () => ({ jsonrpc: '2.0', id: ++rawId, method: 'tools/call', params: { name: 'marketplace_check_balance', arguments: {} } });

function paymentCall(sim, r, key) {
  const to = r.pick(sim.world.agents);
  return {
    jsonrpc: '2.0',
    id: ++rawId,
    method: 'tools/call',
    params: { name: 'marketplace_send_payment', arguments: { to_agent_id: to.id, amount_sats: r.int(1, 20), memo: `sim:${key}`, idempotency_key: key } },
  };
}

/** A plain call's headers with `token`, changed by `changes` (undefined removes a header). */
function headersWith(token, changes = {}) {
  const headers = { ...PLAIN_CALL_HEADERS, authorization: `Bearer ${token}`, ...changes };
  for (const [name, value] of Object.entries(headers)) if (value === undefined) delete headers[name];
  return headers;
}

const mustNotPay = (raw, key) => (raw.refused.push(key), key);

async function rawSend(sim, path, body, headers, options) {
  const answer = await postRaw(sim.server.url, typeof body === 'string' ? body : JSON.stringify(body), headers, options);
  sim.stats.calls++;
  const outcome = `HTTP ${answer.status}`;
  sim.trace.push({ step: sim.step, actor: sim.world.raw.name, tool: path, args: { headers: { ...headers, authorization: '…' } }, answer: outcome });
  if (sim.trace.length > 60) sim.trace.shift();
  if (answer.status >= 500) sim.violation('no call fails unexpectedly', `${path} answered HTTP ${answer.status}: ${answer.text.slice(0, 300)}\n${sim.server.errors ?? ''}`);
  if (answer.message?.result?.structuredContent?.error?.code === 'INTERNAL')
    sim.violation('no call fails unexpectedly', `${path} answered INTERNAL: ${JSON.stringify(answer.message).slice(0, 300)}`);
  return answer;
}

/**
 * The answer a raw call must get: its HTTP status (one of them, when a list), a JSON-RPC
 * error code, a result (a tool's answer, an error of the tool's own included), an error
 * instead of a result, or the 401 of a token that is unknown or revoked.
 */
function expectRaw(sim, path, what, answer, expected) {
  const byPath = (sim.stats.hostile[path] ??= {});
  const outcome = `HTTP ${answer.status}${answer.message?.error?.code !== undefined ? ` ${answer.message.error.code}` : ''}${answer.message?.result?.isError ? ` ${answer.message.result.structuredContent?.error?.code}` : ''}`;
  byPath[outcome] = (byPath[outcome] ?? 0) + 1;
  const broken = (why) => brokenExpectation(sim, 'hostile calls are refused', `${what}: ${why}; answered HTTP ${answer.status} ${answer.text.slice(0, 300)}`);
  const statuses = [expected.status ?? []].flat();
  if (statuses.length > 0 && !statuses.includes(answer.status)) return broken(`expected HTTP ${statuses.join(' or ')}`);
  if (expected.rpcCode !== undefined && answer.message?.error?.code !== expected.rpcCode) return broken(`expected JSON-RPC error ${expected.rpcCode}`);
  if (expected.result && answer.message?.result === undefined) return broken('expected a tool result');
  if (expected.error && (answer.message?.result !== undefined || answer.message?.error === undefined)) return broken('expected a JSON-RPC error and no result');
  if (expected.sse && !/^text\/event-stream/.test(answer.headers['content-type'] ?? '')) return broken('expected an SSE stream');
  if (expected.unauthorized) {
    if (answer.message?.error?.code !== 'UNAUTHORIZED') return broken('expected error UNAUTHORIZED');
    if (!/error="invalid_token"/.test(answer.headers['www-authenticate'] ?? '')) return broken('expected WWW-Authenticate with error="invalid_token"');
  }
}

/** What a refused call must not have left: a record of its key, a transfer with its memo (checkRawHttp checks every such key again). */
async function checkUnpaid(sim, raw, key) {
  const { db } = sim.ctx;
  const keyed = await db.prepare(`SELECT result_json FROM idempotency_keys WHERE caller_id = ? AND tool = 'marketplace_send_payment' AND key = ?`).get(raw.id, key);
  const paid = await db.prepare(`SELECT id FROM transfers WHERE debit_account_id = 'agent:' || ? AND memo = ?`).all(raw.id, `sim:${key}`);
  if (keyed || paid.length > 0)
    sim.violation(
      'a refused HTTP call pays nothing',
      `key ${key}, refused, ${keyed ? `is recorded (${keyed.result_json.slice(0, 200)})` : ''} ${paid.map((t) => t.id).join(', ')}`,
    );
}

/** `token rotate --agent ID` run as another process on the simulation's file; its new token. */
function rotateByCli(sim, agentId) {
  const env = { ...process.env, ...sim.databaseEnv(), MARKETPLACE_CLOCK_OFFSET_MS: String(sim.offset), MARKETPLACE_LOG_LEVEL: 'error' };
  return new Promise((resolve, reject) =>
    execFile(process.execPath, [CLI, 'token', 'rotate', '--agent', agentId, '--json', '--db', sim.dbPath], { env }, (error, stdout, stderr) => {
      const line = stdout
        .split('\n')
        .reverse()
        .find((l) => l.startsWith('{'));
      if (error || !line) return reject(new Error(`token rotate failed: ${error?.message ?? ''}\n${stderr}`));
      resolve(JSON.parse(line).token);
    }),
  );
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** One argument changed per keyed tool, in a way its prepare step accepts, so only the key can refuse it. */
const MUTATE = {
  marketplace_send_payment: (a) => ({ ...a, amount_sats: a.amount_sats + 1 }),
  marketplace_hire_agent: (a) => ({ ...a, task: { ...a.task, max_budget_sats: a.task.max_budget_sats + 1 } }),
  marketplace_propose_coalition: (a) => ({ ...a, pool_sats: (a.pool_sats ?? 0) + 1 }),
  marketplace_start_next_task: (a) => ({ ...a, pool_sats: a.pool_sats + 1 }),
  marketplace_create_bounty: (a) => ({ ...a, reward_sats: a.reward_sats + 1 }),
  marketplace_create_data_listing: (a) => ({ ...a, price_sats: a.price_sats + 1 }),
  marketplace_create_topup_invoice: (a) => ({ ...a, amount_sats: a.amount_sats + 1 }),
  marketplace_record_skill_usage: (a) => (a.calls !== undefined ? { ...a, calls: a.calls + 1 } : { ...a, input_tokens: a.input_tokens + 1 }),
  marketplace_submit_compute_job: (a) => ({ ...a, max_price_sats: a.max_price_sats + 1 }),
  marketplace_file_dispute: (a) => ({ ...a, amount_sats: a.amount_sats + 1 }),
};

export const ADMIN_SECRET = 'sim-internal-admin-secret';

/**
 * The loopback trap: an "internal admin" HTTP server that counts every request (none may
 * come), and an LNURL-pay service that names a callback on it. Both on 127.0.0.1.
 */
export async function startLoopbackTrap() {
  const trap = { adminHits: 0, lastAdminRequest: null, adminPort: 0, lnurlPort: 0, lnurlHost: null };
  const admin = http.createServer((req, res) => {
    trap.adminHits++;
    trap.lastAdminRequest = `${req.method} ${req.url}`;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: 'OK', secret: ADMIN_SECRET, pr: 'lnbc1' }));
  });
  const lnurl = http.createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        tag: 'payRequest',
        callback: `http://127.0.0.1:${trap.adminPort}/admin/pay`,
        minSendable: 1_000,
        maxSendable: 100_000_000,
        metadata: '[["text/plain","sim"]]',
      }),
    );
  });
  const listen = (server) => new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server.address().port)));
  trap.adminPort = await listen(admin);
  trap.lnurlPort = await listen(lnurl);
  trap.close = () => Promise.all([admin, lnurl].map((s) => new Promise((resolve) => (s.closeAllConnections?.(), s.close(resolve)))));
  return trap;
}
