// The workload: sponsors and agents calling every money-moving tool. Each operation gets
// its own seeded random stream, reads what it acts on from the server, and makes one or
// two calls; what they create is learned by Simulation.act from the answers.
import { createHash, randomBytes } from 'node:crypto';
import bolt11 from 'bolt11';
import { paySandboxInvoice } from '../dist/rails/sandbox-rail.js';
import { HOSTILE_WEIGHTS, hostileOperations } from './hostile.mjs';
import { contributionArgs, simTrajectory } from './trajectories.mjs';
import { POLICIES } from './world.mjs';

const HOUR = 3_600_000;
const TEST_NODE_KEY = 'e126f68f7eafcc8b74f54d269fe206be715000f94dac067d1c04a8ca3b2db734';

/** How often each operation runs, relative to the others. */
export const OPERATION_WEIGHTS = {
  pay: 14,
  payRace: 2,
  retry: 8,
  keyMismatch: 1,
  duplicateInFlight: 2,
  topup: 3,
  payInvoice: 3,
  withdraw: 3,
  install: 2,
  usage: 5,
  uninstall: 1,
  hire: 4,
  contractStep: 8,
  proposeCoalition: 2,
  coalitionStep: 10,
  createBounty: 2,
  bountyStep: 7,
  createListing: 1,
  purchase: 3,
  purchaseStep: 4,
  disputeStep: 4,
  decideApproval: 8,
  setPolicy: 1,
  agentStatus: 1,
};

/** The weights for a rail: the nwc rail adds relay faults (the sandbox keeps its schedule, seed for seed). */
export function operationWeights(rail, faults = true, hostile = true) {
  const weights = { ...OPERATION_WEIGHTS, ...(hostile ? HOSTILE_WEIGHTS : {}) };
  if (rail !== 'nwc') return weights;
  return { ...weights, computeJob: 2, ...(faults ? { relayFault: 1 } : {}) };
}

/** A real signed BOLT11 invoice on the wallet's network, dated by the server's clock. */
function payoutInvoice(sats, now) {
  const paymentHash = createHash('sha256').update(randomBytes(32)).digest('hex');
  const encoded = bolt11.encode({
    satoshis: sats,
    timestamp: Math.floor(now.getTime() / 1000),
    tags: [
      { tagName: 'payment_hash', data: paymentHash },
      { tagName: 'description', data: 'simulated payout' },
      { tagName: 'expire_time', data: 3600 },
    ],
  });
  return bolt11.sign(encoded, TEST_NODE_KEY).paymentRequest;
}

const iso = (date) => date.toISOString();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const PAYOUT_FAULTS = { none: 12, refused: 3, lost: 2, late: 2, inFlight: 2, unanswered: 1 };

/** How the wallet treats one payout, by the seed: paid, refused, or paid or not with the answer lost or late. */
function scriptPayout(sim, r, bolt11, weights = PAYOUT_FAULTS) {
  const fault = payoutFault(sim, r, weights);
  if (fault) sim.lightning.fault('pay_invoice', bolt11, fault);
}

function payoutFault(sim, r, weights) {
  const timeout = sim.paymentTimeoutMs;
  const kind = r.weighted(weights);
  return {
    none: null,
    refused: { fail: r.pick(['PAYMENT_FAILED', 'INSUFFICIENT_BALANCE', 'QUOTA_EXCEEDED']) },
    // Paid, and the answer lost: only the wallet's record can tell.
    lost: { drop: true },
    late: { delayMs: timeout + r.int(100, 800) },
    // Pending in the wallet for a while; answered in time or after the server gave up.
    inFlight: { inFlightMs: r.chance(0.5) ? r.int(20, timeout / 2) : timeout + r.int(100, 800) },
    // Not paid and not answered.
    unanswered: { fail: 'NO_ANSWER' },
  }[kind];
}

/** An invoice to pay out to: on the nwc rail the wallet's payee (its answer scripted by the seed), else a signed one nobody can pay. */
export function payoutTo(sim, r, sats, weights) {
  if (!sim.lightning) return payoutInvoice(sats, sim.now());
  const { bolt11 } = sim.lightning.wallet.externalInvoice({ amountSats: sats });
  scriptPayout(sim, r, bolt11, weights);
  return bolt11;
}

export const operations = {
  async pay(sim, r) {
    const from = r.pick(sim.world.agents);
    const to = sim.world.otherAgent(r, from);
    const amount = r.chance(0.1) ? r.int(3_000, 15_000) : r.int(1, 2_500);
    const key = sim.newKey();
    await sim.act(from, 'marketplace_send_payment', { to_agent_id: to.id, amount_sats: amount, memo: `sim:${key}`, idempotency_key: key });
  },

  /** Concurrent payments from one wallet: limits and balances must hold under the race. */
  async payRace(sim, r) {
    const from = r.pick(sim.world.agents);
    const to = sim.world.otherAgent(r, from);
    // Equal amounts: whichever call wins, the state afterwards is the same, so the seed still decides what follows.
    const amount = r.int(500, 6_000);
    const calls = [0, 1, 2].map(() => {
      const key = sim.newKey();
      return [from, 'marketplace_send_payment', { to_agent_id: to.id, amount_sats: amount, memo: `sim:${key}`, idempotency_key: key }];
    });
    await sim.actConcurrently(calls);
  },

  /** A retried call: same key, same arguments, same answer. */
  async retry(sim, r) {
    const key = r.pick(sim.world.keyedOrder);
    if (!key) return operations.pay(sim, r);
    const record = sim.world.keyed.get(key);
    await sim.act(record.actor, record.tool, record.args);
  },

  async keyMismatch(sim, r) {
    const key = r.pick(sim.world.keyedOrder);
    const record = key && sim.world.keyed.get(key);
    if (!record || !record.effect || record.tool !== 'marketplace_send_payment') return operations.pay(sim, r);
    const answer = await sim.call(record.actor, record.tool, { ...record.args, amount_sats: record.args.amount_sats + 1 });
    if (answer.code !== 'IDEMPOTENCY_MISMATCH') {
      sim.violation('each idempotency key has at most one effect', `key ${key} reused with other arguments answered ${answer.code ?? 'success'}, not IDEMPOTENCY_MISMATCH`);
    }
  },

  /** The same keyed call three times at once (a client that retried before the first answer came). */
  async duplicateInFlight(sim, r) {
    const from = r.pick(sim.world.agents);
    const to = sim.world.otherAgent(r, from);
    const key = sim.newKey();
    const args = { to_agent_id: to.id, amount_sats: r.int(1, 3_000), memo: `sim:${key}`, idempotency_key: key };
    await sim.actConcurrently([0, 1, 2].map(() => [from, 'marketplace_send_payment', args]));
  },

  async topup(sim, r) {
    const owner = r.chance(0.3) ? r.pick(sim.world.sponsors) : r.pick(sim.world.agents);
    const key = sim.newKey();
    if (sim.lightning) {
      // The wallet makes the invoice but its answer is lost or late: the call fails, its key's retry makes it again.
      const fault = r.weighted({ none: 8, lost: 1, late: 1 });
      if (fault === 'lost') sim.lightning.fault('make_invoice', `sim:${key}`, { drop: true });
      if (fault === 'late') sim.lightning.fault('make_invoice', `sim:${key}`, { delayMs: sim.paymentTimeoutMs + r.int(100, 800) });
    }
    await sim.act(owner, 'marketplace_create_topup_invoice', { amount_sats: r.int(1_000, 30_000), memo: `sim:${key}`, idempotency_key: key });
  },

  /** Someone outside pays a top-up invoice; its owner checks (sometimes twice at once). */
  async payInvoice(sim, r) {
    const invoice = sim.world.invoices.pick(r);
    if (!invoice) return operations.topup(sim, r);
    sim.world.invoices.remove(invoice.id);
    if (sim.lightning) return payLightningInvoice(sim, r, invoice);
    await paySandboxInvoice(sim.ctx.db, sim.ctx.clock, invoice.id);
    const check = [invoice.owner, 'marketplace_check_topup', { payment_hash: invoice.id }];
    await sim.actConcurrently(r.chance(0.3) ? [check, check] : [check]);
  },

  async withdraw(sim, r) {
    const agent = r.pick(sim.world.agents);
    const key = sim.newKey();
    await sim.act(agent, 'marketplace_withdraw', { bolt11: payoutTo(sim, r, r.int(100, 4_000)), idempotency_key: key });
  },

  /**
   * A payout the wallet keeps in flight (or answers late, or not at all) for longer than
   * the crash that follows takes to come: a sponsor approves a waiting withdrawal (paid
   * after the decision commits), or an agent withdraws (and its sponsor approves at once
   * if the policy asks). The invoice being paid goes to sim.payoutAtKill, for the crash
   * to wait until the wallet has it.
   */
  async payoutInFlight(sim, r) {
    const timeout = sim.paymentTimeoutMs;
    const fault = r.pick([{ inFlightMs: timeout + r.int(300, 1_000) }, { delayMs: timeout + r.int(300, 1_000) }, { drop: true }]);
    let waiting = null;
    for (const sponsor of sim.world.sponsors) {
      const list = await sim.act(sponsor, 'marketplace_list_approvals', { status: 'pending', limit: 50 });
      const found = list.ok && list.data.items.find((a) => a.tool === 'marketplace_withdraw');
      if (found) {
        waiting = { sponsor, approvalId: found.approval_id, bolt11: found.arguments.bolt11 };
        break;
      }
    }
    if (!waiting) {
      const agent = r.pick(sim.world.agents);
      const { bolt11 } = sim.lightning.wallet.externalInvoice({ amountSats: r.int(100, 2_000) });
      sim.lightning.fault('pay_invoice', bolt11, fault);
      sim.payoutAtKill = bolt11;
      const answer = await sim.act(agent, 'marketplace_withdraw', { bolt11, idempotency_key: sim.newKey() });
      sim.payoutAtKill = null;
      if (!answer.pending) return;
      waiting = { sponsor: sim.world.sponsors.find((s) => s.agentIds.includes(agent.id)), approvalId: answer.data.approval_id, bolt11 };
    } else sim.lightning.fault('pay_invoice', waiting.bolt11, fault);
    const decided = await sim.act(waiting.sponsor, 'marketplace_decide_approval', { approval_id: waiting.approvalId, decision: 'approve' });
    if (decided.ok && decided.data.status === 'executed') sim.payoutAtKill = waiting.bolt11;
  },

  /** The relay cuts every connection, or goes away for a while, while a payout is under way. */
  async relayFault(sim, r) {
    const outageMs = r.chance(0.4) ? r.int(200, 1_000) : 0;
    // Handled at once: if the server died meanwhile, the failure surfaces below, not as an unhandled rejection.
    const payout = operations.withdraw(sim, r).then(
      () => null,
      (error) => error,
    );
    await sleep(r.int(0, 40));
    if (outageMs > 0) {
      sim.lightning.stats.relayOutages++;
      await sim.lightning.proxy.outage(outageMs);
    } else {
      sim.lightning.stats.relayDrops++;
      sim.lightning.proxy.dropConnections();
    }
    const failed = await payout;
    if (failed) throw failed;
  },

  /**
   * An agent buys compute from one or two of the providers under a failover policy, the
   * wallet's answer to paying scripted by the seed; or cancels a job it submitted earlier
   * (most have ended; one a crash cut off is still running).
   */
  async computeJob(sim, r) {
    const earlier = r.chance(0.2) ? sim.world.jobs.pick(r) : undefined;
    if (earlier) return void (await sim.act(sim.world.agentById(earlier.agent), 'marketplace_cancel_compute_job', { job_id: earlier.id }));
    const agent = r.pick(sim.world.agents);
    const first = r.pick(sim.world.providers);
    const second = r.chance(0.5) ? r.pick(sim.world.providers) : first;
    sim.nextComputeFault = sim.faults ? payoutFault(sim, r, { none: 10, refused: 2, lost: 1, late: 1, inFlight: 1, unanswered: 1 }) : null;
    const key = sim.newKey();
    await sim.act(agent, 'marketplace_submit_compute_job', {
      kind: 5050,
      input: `sim:${key}`,
      max_price_sats: r.int(5, 40),
      timeout_seconds: 2,
      failover_policy: r.pick(['Cascade', 'NoFailover', 'RetryWithBackoff', 'Broadcast']),
      criteria: { provider_ids: [...new Set([first.id, second.id])] },
      idempotency_key: key,
    });
    sim.nextComputeFault = null;
  },

  async install(sim, r) {
    const agent = r.pick(sim.world.agents);
    const skill = r.pick(sim.world.skills);
    const key = sim.newKey();
    const answer = await sim.act(agent, 'marketplace_install_skill', { slug: skill.slug, idempotency_key: key });
    if (answer.ok && !answer.pending) sim.installedBy(agent).add(skill.slug);
  },

  async usage(sim, r) {
    const agent = r.pick(sim.world.agents);
    const slug = r.pick([...sim.installedBy(agent)]);
    if (!slug) return operations.install(sim, r);
    const key = sim.newKey();
    const args = r.chance(0.5) ? { slug, calls: r.int(1, 5) } : { slug, input_tokens: r.int(0, 5_000), output_tokens: r.int(0, 5_000) };
    const answer = await sim.act(agent, 'marketplace_record_skill_usage', { ...args, idempotency_key: key });
    // Now and then the payer disputes a use: paid out at once, so the creator pays back.
    if (answer.ok && !answer.pending && answer.data.split.creator_sats > 0 && r.chance(0.1)) {
      await sim.fileDispute(r, agent, 'skill_usage', answer.data.usage_id, answer.data.split.creator_sats);
    }
  },

  async uninstall(sim, r) {
    const agent = r.pick(sim.world.agents);
    const slug = r.pick([...sim.installedBy(agent)]);
    if (!slug) return operations.install(sim, r);
    sim.installedBy(agent).delete(slug);
    await sim.act(agent, 'marketplace_uninstall_skill', { slug });
  },

  async hire(sim, r) {
    const hirer = r.pick(sim.world.agents);
    const worker = sim.world.otherAgent(r, hirer);
    const key = sim.newKey();
    const deadline = iso(new Date(sim.now().getTime() + r.int(2, 72) * HOUR));
    await sim.act(hirer, 'marketplace_hire_agent', {
      task: { description: `sim:${key}`, required_skills: [], max_budget_sats: r.int(200, 6_000), deadline },
      agent_id: worker.id,
      idempotency_key: key,
    });
  },

  /** Moves a contract on by what its state allows: respond, deliver, review, rate or dispute. */
  async contractStep(sim, r) {
    const c = sim.world.contracts.pick(r);
    if (!c) return operations.hire(sim, r);
    const hirer = sim.world.agentById(c.hirer);
    const worker = sim.world.agentById(c.worker);
    const read = await sim.act(hirer, 'marketplace_get_contract', { contract_id: c.id });
    if (!read.ok) return;
    const contract = read.data;
    const id = { contract_id: c.id };
    switch (contract.status) {
      case 'Proposed': {
        const action = r.weighted({ accept: 5, counter: 2, decline: 2 });
        const counter = action === 'counter' ? { counter_budget_sats: r.int(1, contract.budget_sats) } : {};
        return void (await sim.act(worker, 'marketplace_respond_to_contract', { ...id, action, ...counter }));
      }
      case 'InProgress':
      case 'Rejected':
        if (r.chance(0.1)) return sim.fileDispute(r, hirer, 'contract', c.id, contract.agreed_sats);
        return void (await sim.act(worker, 'marketplace_submit_delivery', { ...id, result: `delivery ${r.int(1, 1e6)}` }));
      case 'Delivered': {
        const action = r.weighted({ accept: 6, reject: 2, dispute: 1 });
        if (action === 'dispute') return sim.fileDispute(r, hirer, 'contract', c.id, contract.agreed_sats);
        const review = action === 'accept' ? { decision: 'accept', rating: r.int(1, 5) } : { decision: 'reject', reason: 'not what was asked' };
        return void (await sim.act(hirer, 'marketplace_review_delivery', { ...id, ...review }));
      }
      case 'Completed':
        if (r.chance(0.15)) return sim.fileDispute(r, hirer, 'contract', c.id, contract.agreed_sats);
        if (r.chance(0.3)) await sim.act(worker, 'marketplace_rate_hirer', { ...id, rating: r.int(1, 5) });
        return sim.world.contracts.remove(c.id);
      case 'Disputed':
        return;
      default:
        return sim.world.contracts.remove(c.id);
    }
  },

  async proposeCoalition(sim, r) {
    const funder = r.pick(sim.world.agents);
    const type = r.pick(['AdHoc', 'Standing', 'Market', 'Hierarchical']);
    const needsCoordinator = type === 'Market' || type === 'Hierarchical';
    const coordinator = needsCoordinator || r.chance(0.5) ? sim.world.otherAgent(r, funder) : null;
    const count = r.int(0, 3);
    const subtasks = Array.from({ length: count }, (_, i) => ({
      key: `s${i + 1}`,
      title: `part ${i + 1}`,
      weight: r.int(1, 5),
      ...(i > 0 && r.chance(0.4) ? { depends_on: [`s${i}`] } : {}),
    }));
    const key = sim.newKey();
    await sim.act(funder, 'marketplace_propose_coalition', {
      coalition_type: type,
      task_description: `sim:${key}`,
      target_member_count: r.int(2, 3),
      payment_structure: r.pick(['Equal', 'ProportionalToWork', 'Fixed']),
      ...(coordinator ? { coordinator_id: coordinator.id } : {}),
      pool_sats: r.int(500, 8_000),
      ...(count > 0 ? { subtasks } : {}),
      idempotency_key: key,
    });
  },

  /** Moves a coalition on: invitations and joining, then subtasks, then settlement. */
  async coalitionStep(sim, r) {
    const c = sim.world.coalitions.pick(r);
    if (!c) return operations.proposeCoalition(sim, r);
    const funder = sim.world.agentById(c.funder);
    const read = await sim.act(funder, 'marketplace_get_coalition', { coalition_id: c.id });
    if (!read.ok) return;
    const g = read.data;
    const id = { coalition_id: c.id };
    const coordinator = g.coordinator_id ? sim.world.agentById(g.coordinator_id) : null;
    const manager = coordinator ?? funder;
    const joined = g.members.filter((m) => m.status === 'joined').map((m) => sim.world.agentById(m.agent_id));
    if (r.chance(0.03) && (g.status === 'Forming' || g.status === 'Active')) return void (await sim.act(funder, 'marketplace_dissolve_coalition', id));
    switch (g.status) {
      case 'Forming': {
        if (coordinator && !joined.includes(coordinator)) return void (await sim.act(coordinator, 'marketplace_join_coalition', id));
        const invited = g.members.filter((m) => m.status === 'invited');
        if (invited.length > 0 && r.chance(0.8)) return void (await sim.act(sim.world.agentById(r.pick(invited).agent_id), 'marketplace_join_coalition', id));
        const outsiders = sim.world.agents.filter((a) => a.id !== funder.id && !g.members.some((m) => m.agent_id === a.id));
        const newcomer = r.pick(outsiders);
        if (!newcomer) return;
        if (g.coalition_type === 'Market') return void (await sim.act(newcomer, 'marketplace_join_coalition', id));
        const fixed = g.payment_structure === 'Fixed' ? { fixed_sats: r.int(0, Math.floor(g.pool_sats / g.target_member_count)) } : {};
        return void (await sim.act(manager, 'marketplace_invite_to_coalition', { ...id, agent_id: newcomer.id, ...fixed }));
      }
      case 'Active': {
        const unfinished = g.subtasks.filter((s) => s.status !== 'accepted');
        if (unfinished.length === 0) return void (await sim.act(r.chance(0.5) ? funder : manager, 'marketplace_complete_coalition', id));
        if (r.chance(0.03) && joined.length > 0) return void (await sim.act(r.pick(joined), 'marketplace_leave_coalition', id));
        const s = r.pick(unfinished);
        const sub = { ...id, key: s.key };
        const member = r.pick(joined.length > 0 ? joined : [manager]);
        if (s.status === 'open') {
          if (g.coalition_type === 'Market') {
            if (s.bids.length === 0 || r.chance(0.3)) return void (await sim.act(member, 'marketplace_bid_on_subtask', { ...sub, price_sats: r.int(0, g.pool_sats) }));
            return void (await sim.act(manager, 'marketplace_assign_subtask', { ...sub, assignee_id: r.pick(s.bids).agent_id }));
          }
          const selfService = (g.coalition_type === 'AdHoc' || g.coalition_type === 'Standing') && r.chance(0.5);
          return void (await sim.act(selfService ? member : manager, 'marketplace_assign_subtask', { ...sub, assignee_id: member.id }));
        }
        if (s.status === 'assigned') {
          if (r.chance(0.05)) return void (await sim.act(coordinator ?? funder, 'marketplace_return_subtask', { ...sub, reason: 'no word', reassign: true }));
          const assignee = sim.world.agentById(s.assignee_id) ?? member;
          return void (await sim.act(assignee, 'marketplace_submit_subtask', { ...sub, result: `{"part":"${s.key}","n":${r.int(1, 9)}}` }));
        }
        if (r.chance(0.15)) return void (await sim.act(coordinator ?? funder, 'marketplace_return_subtask', { ...sub, reason: 'redo', reassign: r.chance(0.3) }));
        return void (await sim.act(coordinator ?? funder, 'marketplace_accept_subtask', sub));
      }
      case 'Settled':
        if (g.coalition_type === 'Standing' && r.chance(0.5)) {
          const key = sim.newKey();
          return void (await sim.act(funder, 'marketplace_start_next_task', {
            ...id,
            task_description: `next task ${key}`,
            pool_sats: r.int(300, 5_000),
            subtasks: [{ key: 'again', title: 'again' }],
            idempotency_key: key,
          }));
        }
        return sim.world.coalitions.remove(c.id);
      default:
        return sim.world.coalitions.remove(c.id);
    }
  },

  async createBounty(sim, r) {
    const creator = r.pick(sim.world.agents);
    const key = sim.newKey();
    await sim.act(creator, 'marketplace_create_bounty', {
      title: `sim:${key}`,
      description: 'labelled examples',
      reward_sats: r.int(300, 5_000),
      // A quarter want coding trajectories (paid at once per the formula, no review).
      requirements: r.chance(0.25)
        ? { min_samples: r.int(2, 8), required_format: 'trajectory', ...(r.chance(0.5) ? { min_quality: r.pick([0.5, 0.6, 0.75]) } : {}) }
        : { min_samples: r.int(1, 6), required_format: 'json' },
      deadline: iso(new Date(sim.now().getTime() + r.int(6, 96) * HOUR)),
      idempotency_key: key,
    });
  },

  /** Moves a bounty on: a contribution, a review, or (rarely) cancelling it. */
  async bountyStep(sim, r) {
    const b = sim.world.bounties.pick(r);
    if (!b) return operations.createBounty(sim, r);
    const creator = sim.world.agentById(b.creator);
    const read = await sim.act(creator, 'marketplace_get_bounty', { bounty_id: b.id });
    if (!read.ok) return;
    const bounty = read.data;
    if (bounty.status !== 'Active') return sim.world.bounties.remove(b.id);
    if (bounty.requirements.required_format === 'trajectory') return operations.contributeTrajectory(sim, r, b, creator);
    const waiting = (bounty.submissions ?? []).filter((s) => s.status === 'Pending');
    const action = r.weighted({ submit: 5, review: waiting.length > 0 ? 5 : 0, cancel: 1 });
    if (action === 'cancel') return void (await sim.act(creator, 'marketplace_cancel_bounty', { bounty_id: b.id }));
    if (action === 'review') {
      const s = r.pick(waiting);
      const decision = r.weighted({ all: 4, part: 2, reject: 2 });
      const review =
        decision === 'reject'
          ? { decision: 'reject', reason: 'labels are wrong' }
          : { decision: 'accept', ...(decision === 'part' ? { accepted_samples: r.int(1, s.sample_count) } : {}) };
      return void (await sim.act(creator, 'marketplace_review_submission', { submission_id: s.submission_id, ...review }));
    }
    const contributor = sim.world.otherAgent(r, creator);
    const samples = Array.from({ length: r.int(1, 3) }, () => ({ text: `example ${sim.nextSample()}`, label: r.pick(['yes', 'no']) }));
    const claimed = r.chance(0.1) ? samples.length + 1 : samples.length;
    await sim.act(contributor, 'marketplace_submit_to_bounty', { bounty_id: b.id, data_samples: samples, metadata: { format: 'json', sample_count: claimed } });
  },

  /** A contributor sends a new session; sometimes the same call again (a retry), sometimes the same session grown. */
  async contributeTrajectory(sim, r, b, creator) {
    const contributor = sim.world.otherAgent(r, creator);
    const mine = (sim.world.trajectories ??= []).filter((t) => t.contributor === contributor.id && t.bounty === b.id);
    const how = mine.length > 0 ? r.weighted({ fresh: 6, retry: 2, grown: 1 }) : 'fresh';
    if (how === 'retry') {
      const last = r.pick(mine);
      return void (await sim.act(contributor, 'marketplace_contribute_trajectory', last.args));
    }
    const trajectory = how === 'grown' ? { ...r.pick(mine).args.trajectory, ended_at: iso(sim.now()) } : simTrajectory(r, `sim-session-${sim.nextSample()}`);
    const args = contributionArgs(r, b.id, trajectory, sim.newKey());
    const answer = await sim.act(contributor, 'marketplace_contribute_trajectory', args);
    if (answer.ok && !answer.pending && answer.data.status === 'Accepted') sim.world.trajectories.push({ contributor: contributor.id, bounty: b.id, args });
  },

  async createListing(sim, r) {
    const seller = r.pick(sim.world.agents);
    const key = sim.newKey();
    const listing = sim.world.listings.pick(r);
    if (listing && listing.seller === seller.id && r.chance(0.2)) return void (await sim.act(seller, 'marketplace_delist_data', { listing_id: listing.id }));
    await sim.act(seller, 'marketplace_create_data_listing', {
      title: `sim:${key}`,
      description: 'a dataset',
      listing_type: r.pick(['FullDataset', 'Sample', 'Subscription']),
      price_sats: r.chance(0.1) ? 0 : r.int(1, 3_000),
      sha256: createHash('sha256').update(key).digest('hex'),
      idempotency_key: key,
    });
  },

  async purchase(sim, r) {
    const listing = sim.world.listings.pick(r);
    if (!listing) return operations.createListing(sim, r);
    const buyer = sim.world.otherAgent(r, sim.world.agentById(listing.seller));
    const key = sim.newKey();
    await sim.act(buyer, 'marketplace_purchase_data', { listing_id: listing.id, idempotency_key: key });
  },

  /** Confirms a purchase (with the right hash, or a wrong one, which files a dispute), or disputes it. */
  async purchaseStep(sim, r) {
    const p = sim.world.purchases.pick(r);
    if (!p) return operations.purchase(sim, r);
    const buyer = sim.world.agentById(p.buyer);
    const read = await sim.act(buyer, 'marketplace_get_purchase', { purchase_id: p.id });
    if (!read.ok) return;
    const purchase = read.data;
    const price = purchase.price_sats ?? 1;
    if (purchase.status === 'Pending') {
      const action = r.weighted({ confirm: 7, mismatch: 1, dispute: 1 });
      if (action === 'dispute') return sim.fileDispute(r, buyer, 'purchase', p.id, price);
      const received = action === 'confirm' ? purchase.sha256 : createHash('sha256').update(`wrong ${p.id}`).digest('hex');
      return void (await sim.act(buyer, 'marketplace_confirm_purchase', { purchase_id: p.id, received_sha256: received }));
    }
    if (purchase.status === 'Completed' && r.chance(0.15) && price > 0) return sim.fileDispute(r, buyer, 'purchase', p.id, price);
    if (purchase.status !== 'Disputed') sim.world.purchases.remove(p.id);
  },

  /** The respondent answers, or the operator resolves. */
  async disputeStep(sim, r) {
    const d = sim.world.disputes.pick(r);
    if (!d) return operations.contractStep(sim, r);
    const read = await sim.act(sim.world.operator, 'marketplace_get_dispute', { dispute_id: d.id });
    if (!read.ok) return;
    const dispute = read.data;
    if (dispute.status === 'Resolved' || dispute.status === 'Withdrawn') return sim.world.disputes.remove(d.id);
    if (dispute.status === 'Open' && !dispute.untrusted_response && r.chance(0.4)) {
      return void (await sim.act(sim.world.agentById(dispute.respondent_id), 'marketplace_respond_to_dispute', { dispute_id: d.id, response: 'it was as agreed' }));
    }
    const stake = dispute.at_stake_sats;
    const resolution = r.weighted({ RefundFull: 2, RefundPartial: stake >= 2 ? 2 : 0, NoRefund: 2 });
    await sim.act(sim.world.operator, 'marketplace_resolve_dispute', {
      dispute_id: d.id,
      resolution,
      ...(resolution === 'RefundPartial' ? { refund_sats: r.int(1, stake - 1) } : {}),
      reason: 'simulated decision',
    });
  },

  /** A sponsor decides a waiting request; sometimes it approves twice at once (two consoles). */
  async decideApproval(sim, r) {
    const sponsor = r.pick(sim.world.sponsors);
    const list = await sim.act(sponsor, 'marketplace_list_approvals', { status: 'pending', limit: 20 });
    if (!list.ok || list.data.items.length === 0) return;
    const approval = r.pick(list.data.items);
    const decision = r.chance(0.7) ? 'approve' : 'deny';
    const args = { approval_id: approval.approval_id, decision, ...(decision === 'deny' ? { reason: 'not now' } : {}) };
    const twice = decision === 'approve' && r.chance(0.15);
    const answers = await sim.actConcurrently(
      twice
        ? [
            [sponsor, 'marketplace_decide_approval', args],
            [sponsor, 'marketplace_decide_approval', args],
          ]
        : [[sponsor, 'marketplace_decide_approval', args]],
    );
    if (twice) {
      const decided = answers.filter((a) => a.ok).length;
      const refused = answers.filter((a) => a.code === 'CONFLICT').length;
      if (!(decided === 1 && refused === 1) && !answers.every((a) => a.code === 'APPROVAL_EXPIRED' || a.code === 'CONFLICT')) {
        sim.violation('no approval runs twice', `approving ${approval.approval_id} twice at once answered ${answers.map((a) => a.code ?? a.data.status).join(' and ')}`);
      }
    }
    if (approval.tool === 'marketplace_withdraw' && answers.some((a) => a.ok && a.data.status === 'executed'))
      await sim.settledWithdrawal(sim.world.agentById(approval.agent_id), answers.find((a) => a.ok).data.result?.withdrawal_id);
  },

  async setPolicy(sim, r) {
    const sponsor = r.pick(sim.world.sponsors);
    const agent = sim.world.agentById(r.pick(sponsor.agentIds));
    await sim.act(sponsor, 'marketplace_set_policy', { agent_id: agent.id, policy: sim.policyFor(agent, POLICIES[r.pick(Object.keys(POLICIES))]) });
  },

  ...hostileOperations,

  /** Sponsors bring suspended or terminated agents back, and now and then suspend one. */
  async agentStatus(sim, r) {
    const sponsor = r.pick(sim.world.sponsors);
    const read = await sim.act(sponsor, 'marketplace_check_balance', {});
    if (!read.ok) return;
    const stopped = read.data.agents.filter((a) => a.status === 'Suspended' || a.status === 'Terminated');
    if (stopped.length > 0) return void (await sim.act(sponsor, 'marketplace_set_agent_status', { agent_id: r.pick(stopped).agent_id, action: 'reactivate' }));
    if (r.chance(0.2)) await sim.act(sponsor, 'marketplace_set_agent_status', { agent_id: r.pick(read.data.agents).agent_id, action: 'suspend', reason: 'simulated' });
  },
};

/**
 * Someone outside pays a top-up invoice through the wallet, and the owner checks, twice
 * at once, or with the wallet's answer to the check lost; or nobody checks and the
 * server's watcher must notice. Now and then the payment settles only after the invoice
 * expired (sent just before, settled after): the marketplace must still credit it once.
 */
async function payLightningInvoice(sim, r, invoice) {
  if (invoice.expiresAt <= sim.now().toISOString() && !r.chance(0.3)) return;
  // A retried create_topup_invoice names the invoice again; an invoice is paid once.
  if (sim.lightning.wallet.transactions().some((t) => t.type === 'incoming' && t.payment_hash === invoice.id && t.state === 'settled')) return;
  sim.lightning.wallet.settleIncoming(invoice.id);
  const how = r.weighted({ check: 5, checkTwice: 2, lostAnswer: 1, watcher: 3 });
  if (how === 'watcher') return;
  if (how === 'lostAnswer') sim.lightning.fault('lookup_invoice', invoice.id, { drop: true });
  const check = [invoice.owner, 'marketplace_check_topup', { payment_hash: invoice.id }];
  await sim.actConcurrently(how === 'checkTwice' ? [check, check] : [check]);
}
