// One simulated run: a seeded workload of sponsors and agents against the real server,
// with faults injected (SIGKILL mid-call and restart on the same database, clock jumps
// past deadlines and expiries, lost answers and retries under the same idempotency key;
// on the nwc rail also wallet answers lost, late or refused, payments in flight, and the
// relay cut or gone for a while), and the invariant checker run after every restart and
// at the end.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sweepDue } from '../dist/background.js';
import { loadConfig } from '../dist/config.js';
import { displayedDatabase } from '../dist/db/database-url.js';
import { fundAgentFromSandbox } from '../dist/domain/agents/funding.js';
import { createAgent, createSponsor, rotateOperatorToken } from '../dist/domain/identity/registration.js';
import { silentLogger } from '../dist/core/logger.js';
import { watchDeposits } from '../dist/domain/payments/deposits.js';
import { reconcile } from '../dist/domain/payments/reconcile.js';
import { UNKNOWN_GRACE_MS } from '../dist/domain/payments/payout-record.js';
import { settleWithdrawals } from '../dist/domain/payments/withdrawals.js';
import { reviewSkillVersion } from '../dist/domain/skills/catalogue.js';
import { openContext } from '../dist/runtime.js';
import { registerProvider } from '../dist/domain/compute/providers.js';
import { startProviders } from './compute.mjs';
import { chooseBlocks, startLoopbackTrap } from './hostile.mjs';
import { createSeedDatabase, dropSeedDatabase } from './postgres.mjs';
import { checkInvariants } from './invariants.mjs';
import { Lightning } from './lightning.mjs';
import { Random } from './random.mjs';
import { callTool, CLI, connectClient, isConnectionError, LOCK_TRACE_THRESHOLD_MS, ServerGone, ServerProcess } from './server.mjs';
import { operations, operationWeights, payoutTo } from './workload.mjs';
import { POLICIES, World } from './world.mjs';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** Simulated time starts here for every seed, so days and deadlines fall alike on every run. */
const SIMULATED_START = Date.parse('2031-03-04T03:00:00.000Z');

/** Where a keyed call's answer names what it created (what a retry must name again). */
const RESULT_ID = {
  marketplace_send_payment: 'transfer_id',
  marketplace_hire_agent: 'contract_id',
  marketplace_create_bounty: 'bounty_id',
  marketplace_propose_coalition: 'coalition_id',
  marketplace_start_next_task: 'round',
  marketplace_create_data_listing: 'listing_id',
  marketplace_purchase_data: 'purchase_id',
  marketplace_withdraw: 'withdrawal_id',
  marketplace_create_topup_invoice: 'invoice_id',
  marketplace_file_dispute: 'dispute_id',
  marketplace_install_skill: 'skill_id',
  marketplace_submit_compute_job: 'job_id',
};

export class SimulationFailure extends Error {}

export class Simulation {
  /**
   * `databaseUrl`: a postgres:// URL of a PostgreSQL cluster to run on (each seed gets a fresh database there) instead of a
   * fresh SQLite file; `databaseFlag`: how reproduceCommand names it (`--postgres` when the cluster is a throwaway one).
   */
  constructor({
    seed,
    steps,
    faults = true,
    hostile = true,
    killEvery = 300,
    jumpEvery = 700,
    rail = 'nwc',
    paymentTimeoutMs = 1_000,
    databaseUrl = null,
    databaseFlag = null,
    log = () => {},
  }) {
    this.seed = seed;
    this.rail = rail;
    this.hostile = hostile;
    this.paymentTimeoutMs = paymentTimeoutMs;
    this.weights = operationWeights(rail, faults, hostile);
    /** The loopback trap of the hostile lightning-address withdrawals (hostile.mjs). */
    this.loopback = null;
    this.steps = steps;
    this.faults = faults;
    this.killEvery = killEvery;
    this.jumpEvery = jumpEvery;
    this.log = log;
    this.rng = new Random(seed);
    this.world = new World();
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `marketplace-sim-${seed}-`));
    /** The cluster a PostgreSQL run's database is made on; null on SQLite. */
    this.pgServer = databaseUrl;
    this.databaseFlag = databaseUrl ? (databaseFlag ?? `--database-url ${displayedDatabase(databaseUrl)}`) : null;
    /** The SQLite file, or (PostgreSQL) the seed's own database's URL once open() has made it. */
    this.dbPath = databaseUrl ? null : path.join(this.dir, 'marketplace.db');
    // Every process on a shared PostgreSQL database must seal secrets with one key; a SQLite file keeps its key beside itself.
    this.secretKeyFile = databaseUrl ? path.join(this.dir, 'secret.key') : null;
    this.offset = SIMULATED_START - Date.now();
    /** The wallet, the relay and their faults; null on the sandbox rail. */
    this.lightning = null;
    this.ctx = null;
    this.server = null;
    this.step = 0;
    this.keySeq = 0;
    this.sampleSeq = 0;
    this.interrupted = [];
    /** The compute providers (nwc rail) and the wallet's scripted answer to the next invoice one of them makes. */
    this.providers = [];
    this.nextComputeFault = null;
    /** The payout a crash waits on until the wallet has been asked (nwc rail). */
    this.payoutAtKill = null;
    this.problems = [];
    /** What the invariant checks after restarts have proven so far (the final check starts over). */
    this.proven = { decisionsThrough: 0 };
    this.trace = [];
    this.stats = {
      calls: 0,
      errors: {},
      kills: 0,
      killsInFlight: 0,
      killsDuringPayout: 0,
      jumps: 0,
      checks: 0,
      checkSeconds: 0,
      retriedAfterCrash: 0,
      operations: {},
      hostile: {},
    };
  }

  /**
   * The command that reruns this seed with the same options. The whole run's step count,
   * not the failing step: the forced crash and clock jump are placed by it, so a shorter
   * run would follow another schedule.
   */
  reproduceCommand() {
    const options = [
      `--seed ${this.seed}`,
      `--steps ${this.steps}`,
      `--rail ${this.rail}`,
      ...(this.rail === 'nwc' ? [`--payment-timeout-ms ${this.paymentTimeoutMs}`] : []),
      ...(this.faults ? [] : ['--no-faults']),
      ...(this.hostile ? [] : ['--no-hostile']),
      ...(this.killEvery !== 300 ? [`--kill-every ${this.killEvery}`] : []),
      ...(this.jumpEvery !== 700 ? [`--jump-every ${this.jumpEvery}`] : []),
      ...(this.databaseFlag ? [this.databaseFlag] : []),
    ];
    return `npm run simulate -- ${options.join(' ')}`;
  }

  /** The simulated clock in ms: the server's, the wallet's and this process's. */
  clockMs() {
    return Date.now() + this.offset;
  }

  /** Starts the wallet and the relay (nwc rail) and opens this process's own context on the simulation's database. */
  async open() {
    const clock = { now: () => new Date(this.clockMs()) };
    if (this.pgServer) this.dbPath = await createSeedDatabase(this.pgServer, this.seed);
    const flags = this.pgServer ? { databaseUrl: this.dbPath, secretKeyFile: this.secretKeyFile } : { db: this.dbPath };
    let server = {};
    if (this.rail === 'nwc') {
      this.lightning = await Lightning.start({ now: () => this.clockMs(), faults: this.faults });
      // A fee the wallet charges on every payout: on some seeds above the smallest fee reserve (10 sats), which the operator then absorbs.
      this.lightning.wallet.feeMsats = this.rng.int(0, 15_000);
      this.lightning.stats.walletFeeMsats = this.lightning.wallet.feeMsats;
      this.providers = await startProviders(this.lightning, () => {
        const fault = this.nextComputeFault;
        this.nextComputeFault = null;
        return fault;
      });
      Object.assign(flags, { nwcUrl: this.lightning.nwcUrl, network: 'regtest', paymentTimeoutMs: this.paymentTimeoutMs });
      server = { args: ['--relay', this.lightning.relayUrl, '--network', 'regtest'], env: { ...this.databaseEnv(), ...this.lightningEnv() } };
    }
    if (this.hostile) {
      this.loopback = await startLoopbackTrap();
      // A server that can exempt a host from the public-only fetch rule gets the trap's LNURL service exempted: then
      // the service itself is reachable, and only the callback it names (the admin port) tests the rule.
      if (fs.readFileSync(CLI, 'utf8').includes('allow-fetch-host')) {
        this.loopback.lnurlHost = `127.0.0.1:${this.loopback.lnurlPort}`;
        server.args = [...(server.args ?? []), '--allow-fetch-host', this.loopback.lnurlHost];
      }
    }
    this.ctx = await openContext(loadConfig(flags, {}), { clock, logger: silentLogger });
    this.server = new ServerProcess(this.dbPath, { ...server, env: { ...this.databaseEnv(), ...server.env } });
  }

  /** What every process this simulation starts on its database needs besides `--db` (the shared secret key on PostgreSQL). */
  databaseEnv() {
    return this.secretKeyFile ? { MARKETPLACE_SECRET_KEY_FILE: this.secretKeyFile } : {};
  }

  /** Where the database is, as it may be printed: the file, or the URL without its password. */
  displayedDatabase() {
    return this.dbPath ? displayedDatabase(this.dbPath) : null;
  }

  /** A passed seed leaves nothing behind: its folder, and on PostgreSQL its database. */
  async remove() {
    fs.rmSync(this.dir, { recursive: true, force: true });
    if (this.pgServer && this.dbPath) await dropSeedDatabase(this.pgServer, this.dbPath);
  }

  lightningEnv() {
    return { MARKETPLACE_NWC_URL: this.lightning.nwcUrl, MARKETPLACE_PAYMENT_TIMEOUT_MS: String(this.paymentTimeoutMs) };
  }

  now() {
    return this.ctx.clock.now();
  }

  newKey() {
    return `k${this.seed}-${++this.keySeq}`;
  }

  /** An invoice to withdraw to (the workload's payoutTo: on the nwc rail the wallet's payee, its answer scripted by the seed). */
  payoutInvoice(r, sats) {
    return payoutTo(this, r, sats);
  }

  /** The policy a sponsor sets for an agent: a blocker's keeps its block for the whole run. */
  policyFor(agent, policy) {
    const block = this.world.blocks.filter((b) => b.blocker === agent.id).map((b) => b.blocked);
    return block.length === 0 ? policy : { ...policy, counterparties: { ...policy.counterparties, block } };
  }

  nextSample() {
    return ++this.sampleSeq;
  }

  installedBy(agent) {
    let set = this.world.installed.get(agent.id);
    if (!set) this.world.installed.set(agent.id, (set = new Set()));
    return set;
  }

  violation(invariant, message) {
    this.problems.push({ invariant, message, step: this.step });
    throw new SimulationFailure(`${invariant}: ${message}`);
  }

  /** One tool call, recorded in the trace. A call the server died under is kept to retry after the restart. */
  async call(actor, tool, args) {
    let answer;
    try {
      answer = await callTool(actor.client, tool, args);
    } catch (error) {
      if (error instanceof ServerGone) this.interrupted.push({ actor, tool, args });
      this.trace.push({ step: this.step, actor: actor.name, tool, args, answer: 'no answer (server gone)' });
      throw error;
    }
    this.stats.calls++;
    if (!answer.ok) this.stats.errors[answer.code] = (this.stats.errors[answer.code] ?? 0) + 1;
    this.trace.push({ step: this.step, actor: actor.name, tool, args, answer: answer.ok ? (answer.pending ? 'pending_approval' : 'ok') : answer.code });
    if (this.trace.length > 60) this.trace.shift();
    if (answer.code === 'INTERNAL') this.violation('no call fails unexpectedly', `${tool} answered INTERNAL: ${answer.data.error?.message}\n${this.server.errors ?? ''}`);
    return answer;
  }

  /** A call whose answer the model learns from: what it created, and what its key must answer from now on. */
  async act(actor, tool, args) {
    const answer = await this.call(actor, tool, args);
    this.learn(actor, tool, args, answer);
    return answer;
  }

  async actConcurrently(calls) {
    const settled = await Promise.allSettled(calls.map(([actor, tool, args]) => this.call(actor, tool, args)));
    const failure = settled.find((s) => s.status === 'rejected');
    if (failure) throw failure.reason;
    const answers = settled.map((s) => s.value);
    calls.forEach(([actor, tool, args], i) => this.learn(actor, tool, args, answers[i]));
    return answers;
  }

  learn(actor, tool, args, answer) {
    if (args.idempotency_key) this.checkKey(actor, tool, args, answer);
    if (answer.ok && !answer.pending) this.learnCreated(actor, tool, args, answer.data);
    if (tool === 'marketplace_decide_approval' && answer.ok && answer.data.status === 'executed') {
      const a = answer.data;
      this.learnCreated(this.world.agentById(a.agent_id), a.tool, a.arguments, a.result);
      if (a.arguments.idempotency_key === undefined) return;
    }
  }

  /**
   * The key's promise: the first answer that did something is the answer for ever — the
   * same result, or the approval it waits on and then what that approval became.
   */
  checkKey(actor, tool, args, answer) {
    const key = args.idempotency_key;
    let record = this.world.keyed.get(key);
    if (!record) {
      record = { actor, tool, args, effect: null };
      this.world.keyed.set(key, record);
      this.world.keyedOrder.push(key);
    }
    const seen = answer.ok ? (answer.pending ? { pending: answer.data.approval_id } : { result: identity(tool, answer.data) }) : { error: answer.code };
    const before = record.effect;
    const broken = (why) => this.violation('each idempotency key has at most one effect', `${tool} key ${key} (${actor.name}): ${why}`);
    if (!before) {
      if (!seen.error) record.effect = seen;
      return;
    }
    if (before.result !== undefined) {
      if (seen.result === undefined) broken(`answered ${seen.error ?? 'pending'} after it had answered ${before.result}`);
      if (seen.result !== before.result) broken(`answered ${seen.result}, first ${before.result}`);
    } else if (before.pending !== undefined) {
      if (seen.pending !== undefined && seen.pending !== before.pending) broken(`waits on approval ${seen.pending}, first on ${before.pending}`);
      if (seen.result !== undefined) record.effect = { ...before, result: seen.result };
      if (seen.error) record.effect = { ...before, error: seen.error };
    } else if (before.error !== undefined && seen.error !== before.error) {
      broken(`answered ${seen.error ?? 'success'} after the approval ended as ${before.error}`);
    }
  }

  learnCreated(actor, tool, args, data) {
    const w = this.world;
    switch (tool) {
      case 'marketplace_hire_agent':
        return w.contracts.add(data.contract_id, { hirer: actor.id, worker: data.agent_id });
      case 'marketplace_propose_coalition':
        return w.coalitions.add(data.coalition_id, { funder: actor.id });
      case 'marketplace_create_bounty':
        return w.bounties.add(data.bounty_id, { creator: actor.id, trajectory: data.requirements?.required_format === 'trajectory' });
      case 'marketplace_create_data_listing':
        return w.listings.add(data.listing_id, { seller: actor.id });
      case 'marketplace_delist_data':
        return w.listings.remove(args.listing_id);
      case 'marketplace_purchase_data':
        return w.purchases.add(data.purchase_id, { buyer: actor.id });
      case 'marketplace_file_dispute':
        return w.disputes.add(data.dispute_id, {});
      case 'marketplace_confirm_purchase':
        if (data.dispute_id) w.disputes.add(data.dispute_id, {});
        return;
      case 'marketplace_submit_compute_job':
        return w.jobs.add(data.job_id, { agent: actor.id });
      case 'marketplace_create_topup_invoice':
        if (data.payment_hash && data.status === 'pending') w.invoices.add(data.payment_hash, { owner: actor, expiresAt: data.expires_at });
        return;
      default:
    }
  }

  async fileDispute(r, claimant, kind, id, atMostSats) {
    if (this.world.disputed.has(id)) return;
    this.world.disputed.add(id);
    const key = this.newKey();
    await this.act(claimant, 'marketplace_file_dispute', {
      dispute_type: r.pick(['ServiceNotProvided', 'QualityIssue', 'Overcharge', 'Other']),
      subject: { kind, id },
      amount_sats: r.int(1, Math.max(1, atMostSats)),
      evidence: [{ description: 'simulated grievance' }],
      idempotency_key: key,
    });
  }

  /** An approved payout is paid after the decision commits; wait for it so the next step sees the same balance on every run. */
  async settledWithdrawal(agent, withdrawalId) {
    for (let i = 0; i < 50 && withdrawalId; i++) {
      const list = await this.call(agent, 'marketplace_list_withdrawals', { limit: 100 });
      const w = list.ok && list.data.items.find((x) => x.withdrawal_id === withdrawalId);
      if (!w || w.status !== 'pending') return;
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  }

  /** One client per actor. A connection refused or cut while the server is up is a network blip: tried again, up to five times. */
  async connectAll() {
    const url = this.server.url;
    const connect = async (actor) => {
      for (let attempt = 1; ; attempt++) {
        try {
          return (actor.client = await connectClient(url, actor.token));
        } catch (error) {
          if (!isConnectionError(error) || attempt === 5 || this.server.died) throw error;
          await sleep(50 * attempt);
        }
      }
    };
    await Promise.all(this.actors().map(connect));
  }

  async closeClients() {
    await Promise.allSettled(this.actors().map((actor) => actor.client?.close()));
  }

  actors() {
    return [...this.world.sponsors, ...this.world.agents, this.world.operator, ...(this.world.attacker ? [this.world.attacker] : [])];
  }

  async setUp() {
    await this.open();
    const { db, clock } = this.ctx;
    const r = this.rng;
    for (let s = 0; s < r.int(2, 3); s++) {
      const sponsor = await createSponsor(db, clock, { name: `sponsor ${s}` });
      const entry = { id: sponsor.id, token: sponsor.token, name: `sponsor${s}`, agentIds: [] };
      this.world.sponsors.push(entry);
      for (let a = 0; a < r.int(3, 4); a++) {
        const agent = await createAgent(db, clock, { sponsorId: sponsor.id, name: `agent ${s}.${a}` });
        await fundAgentFromSandbox(db, clock, { agentId: agent.id, amountMsats: r.int(20_000, 80_000) * 1000 });
        this.world.agents.push({ id: agent.id, token: agent.token, name: `agent${s}.${a}`, sponsorId: sponsor.id });
        entry.agentIds.push(agent.id);
      }
    }
    // Each provider is an agent of the first sponsor with the provider's own Nostr key, approved by the operator.
    for (const p of this.providers) {
      const seller = await createAgent(db, clock, { sponsorId: this.world.sponsors[0].id, name: `provider ${p.name}`, npub: p.dvm.npub });
      const registered = await registerProvider(
        db,
        clock,
        { agentId: seller.id, npub: p.dvm.npub, name: p.name, kinds: [5050], priceSats: p.priceSats, regions: ['eu'], dataResidency: [] },
        { autoApprove: true },
      );
      this.world.providers.push({ id: registered.provider_id, name: p.name });
    }
    this.world.operator = { id: 'operator', token: (await rotateOperatorToken(db, clock)).token, name: 'operator' };
    if (this.hostile) {
      chooseBlocks(this, r);
      // The batch sender: an agent of its own, outside the workload, so its drained rate-limit bucket slows no one else.
      const attacker = await createAgent(db, clock, { sponsorId: this.world.sponsors[0].id, name: 'attacker' });
      this.world.attacker = { id: attacker.id, token: attacker.token, name: 'attacker', sponsorId: this.world.sponsors[0].id };
      // The raw HTTP sender (hostileRawHttp): funded to pay, its token rotated under it, and no MCP client (its token changes).
      const rawSender = await createAgent(db, clock, { sponsorId: this.world.sponsors[0].id, name: 'raw sender' });
      await fundAgentFromSandbox(db, clock, { agentId: rawSender.id, amountMsats: 1_000_000 * 1000 });
      this.world.raw = { id: rawSender.id, token: rawSender.token, name: 'raw sender', refused: [], paid: [], turn: Promise.resolve() };
    }
    await this.server.start(this.offset);
    await this.connectAll();
    const pricings = [
      { model: 'Free' },
      { model: 'OneTime', sats: r.int(50, 500) },
      { model: 'PerCall', per_call_sats: r.int(5, 50) },
      { model: 'PerToken', per_1k_input_sats: r.int(1, 10), per_1k_output_sats: r.int(1, 10) },
    ];
    for (const [i, pricing] of pricings.entries()) {
      const author = r.pick(this.world.agents);
      const slug = `sim-skill-${i}`;
      const published = await this.call(author, 'marketplace_publish_skill', { slug, name: slug, description: 'A simulated skill.', version: '1.0.0', pricing });
      const submitted = await this.call(author, 'marketplace_submit_skill_for_review', { slug, version: '1.0.0' });
      if (!published.ok || !submitted.ok) throw new Error(`could not publish ${slug}: ${JSON.stringify(published.data)} ${JSON.stringify(submitted.data)}`);
      await reviewSkillVersion(db, clock, { slug, version: '1.0.0', decision: 'approve' });
      this.world.skills.push({ slug, author: author.id });
    }
    // The first blocked agent's own skill, paid per call: every use by its blocker would pay it.
    const blocked = this.world.blocks[0] && this.world.agentById(this.world.blocks[0].blocked);
    if (blocked) {
      const slug = 'sim-skill-blocked';
      const published = await this.call(blocked, 'marketplace_publish_skill', {
        slug,
        name: slug,
        description: 'A skill by a blocked agent.',
        version: '1.0.0',
        pricing: { model: 'PerCall', per_call_sats: r.int(5, 50) },
      });
      const submitted = await this.call(blocked, 'marketplace_submit_skill_for_review', { slug, version: '1.0.0' });
      if (!published.ok || !submitted.ok) throw new Error(`could not publish ${slug}: ${JSON.stringify(published.data)} ${JSON.stringify(submitted.data)}`);
      await reviewSkillVersion(db, clock, { slug, version: '1.0.0', decision: 'approve' });
      this.world.skills.push({ slug, author: blocked.id });
    }
    for (const sponsor of this.world.sponsors) {
      for (const agentId of sponsor.agentIds) {
        const agent = this.world.agentById(agentId);
        const blocker = this.world.blocks.some((b) => b.blocker === agentId);
        // A blocker's block is in a policy of its own: never the sponsor's default.
        const name = r.pick([...(blocker ? [] : ['default']), ...Object.keys(POLICIES)]);
        if (name !== 'default') await this.call(sponsor, 'marketplace_set_policy', { agent_id: agentId, policy: this.policyFor(agent, POLICIES[name]) });
      }
    }
  }

  /** Runs one workload operation with its own random stream, so concurrent ones cannot reorder each other's choices. */
  async operate(name, rng) {
    this.stats.operations[name] = (this.stats.operations[name] ?? 0) + 1;
    try {
      await operations[name](this, rng);
    } catch (error) {
      if (!(error instanceof ServerGone)) throw error;
    }
    if (this.server.died) this.violation('the server stays up', this.server.died);
  }

  nextOperation() {
    return [this.rng.weighted(this.weights), new Random(this.rng.next())];
  }

  /** SIGKILL, with up to three calls in flight; restart on the same file; check; retry what got no answer. */
  async crash({ forced = false } = {}) {
    const inFlight = this.rng.int(forced ? 1 : 0, 3);
    const delayMs = this.rng.int(0, 25);
    const running = Array.from({ length: inFlight }, () => this.operate(...this.nextOperation()));
    // On the nwc rail the forced crash and half the others come while a payout waits on the wallet: it may be paid with nobody left to record it.
    this.payoutAtKill = null;
    const asked = () => this.payoutAtKill && this.lightning.wallet.requests.some((q) => q.method === 'pay_invoice' && q.params.invoice === this.payoutAtKill);
    if (this.lightning && (forced || this.rng.chance(0.5))) {
      let answered = false;
      running.push(this.operate('payoutInFlight', new Random(this.rng.next())).finally(() => (answered = true)));
      // The kill waits for the wallet to be asked (it then keeps the payment or its answer longer than this), or for the approval to end unpaid.
      for (const until = Date.now() + this.paymentTimeoutMs + 1_500; Date.now() < until && !asked() && !(answered && !this.payoutAtKill);) await sleep(10);
    }
    await sleep(delayMs);
    await this.server.kill('SIGKILL');
    if (asked()) this.stats.killsDuringPayout++;
    await Promise.all(running);
    this.stats.kills++;
    if (inFlight > 0) this.stats.killsInFlight++;
    await this.restart({ swept: false });
  }

  /** Stops the server (killed or shut down), moves the clock past deadlines and expiries, restarts, sweeps, checks. */
  async jumpClock() {
    await this.server.kill(this.rng.chance(0.5) ? 'SIGKILL' : 'SIGTERM');
    const now = new Date(Date.now() + this.offset);
    // Land between 01:00 and 20:00 UTC so the rest of the segment, run in real time, stays on one simulated day.
    const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
    const target = midnight + this.rng.int(1, 4) * DAY + this.rng.int(1, 19) * HOUR;
    this.offset += target - now.getTime();
    this.stats.jumps++;
    await this.restart({ swept: true });
  }

  async restart({ swept }) {
    await this.closeClients();
    await this.server.start(this.offset);
    // The sweep a running server does every 30 s, done now from this process (a second writer on the same file).
    if (swept) await sweepDue(this.ctx);
    // Checked before the clients connect: on a big database the check blocks this process for seconds, longer
    // than the server keeps an idle connection open, and a request on a connection it closed meanwhile gets no answer.
    await this.check({ swept });
    await this.connectAll();
    const interrupted = this.interrupted.splice(0);
    for (const { actor, tool, args } of interrupted) {
      this.stats.retriedAfterCrash++;
      // A deliberate reuse of a key with other arguments (keyMismatch) is retried as what it was: it must be refused.
      const record = args.idempotency_key !== undefined ? this.world.keyed.get(args.idempotency_key) : undefined;
      try {
        if (record && record.tool === tool && JSON.stringify(record.args) !== JSON.stringify(args)) {
          const answer = await this.call(actor, tool, args);
          if (answer.code !== 'IDEMPOTENCY_MISMATCH')
            this.violation(
              'each idempotency key has at most one effect',
              `key ${args.idempotency_key} reused with other arguments answered ${answer.code ?? 'success'}, not IDEMPOTENCY_MISMATCH`,
            );
          continue;
        }
        await this.act(actor, tool, args);
      } catch (error) {
        if (!(error instanceof ServerGone)) throw error;
        // Dead: a failure. Alive: the answer was lost on the way (call() queued it again for the next restart).
        await sleep(100);
        if (this.server.died) this.violation('the server stays up', this.server.died);
      }
    }
  }

  async check(options) {
    this.stats.checks++;
    const started = performance.now();
    const wallet = this.lightning?.snapshot();
    const progress = options.drained ? null : this.proven;
    const problems = await checkInvariants(this.ctx.db, {
      now: this.now().toISOString(),
      wallet,
      progress,
      lock: this.server.lock,
      loopback: this.loopback,
      raw: this.world.raw,
      ...options,
    });
    this.stats.checkSeconds += (performance.now() - started) / 1000;
    if (problems.length > 0) {
      this.problems.push(...problems.map((p) => ({ ...p, step: this.step })));
      throw new SimulationFailure(`${problems.length} invariant(s) broken at step ${this.step}: ${problems[0].invariant}: ${problems[0].message}`);
    }
  }

  async run() {
    const started = Date.now();
    try {
      await this.setUp();
      // At least one crash and one clock jump on every seed, however short the run.
      const forcedKill = this.faults ? this.rng.int(Math.floor(this.steps / 4), Math.floor(this.steps / 2)) : -1;
      const forcedJump = this.faults ? this.rng.int(Math.floor(this.steps / 2) + 1, Math.floor((3 * this.steps) / 4) + 1) : -1;
      for (this.step = 1; this.step <= this.steps; this.step++) {
        const kill = this.faults && (this.step === forcedKill || this.rng.int(1, this.killEvery) === 1);
        const jump = this.faults && (this.step === forcedJump || this.rng.int(1, this.jumpEvery) === 1);
        if (kill) await this.crash({ forced: this.step === forcedKill });
        else if (jump) await this.jumpClock();
        else await this.operate(...this.nextOperation());
        if (this.step % 1000 === 0) this.log(`seed ${this.seed}: step ${this.step}/${this.steps}, ${this.stats.calls} calls, ${this.stats.kills} kills, ${this.stats.jumps} jumps`);
      }
      this.step = this.steps;
      await this.finish();
    } catch (error) {
      if (!(error instanceof SimulationFailure)) {
        const cause = error?.cause ? `\ncaused by: ${error.cause.stack ?? error.cause}` : '';
        const server = this.server?.died ? `\nthe server ${this.server.died}` : this.server?.errors ? `\nthe server said:\n${this.server.errors.slice(-2_000)}` : '';
        this.problems.push({ invariant: 'the simulation runs', message: `${error.stack ?? String(error)}${cause}${server}`, step: this.step });
      }
    } finally {
      await this.closeClients();
      await this.server?.kill('SIGKILL');
      this.ctx?.rail.close();
      await this.ctx?.db.close();
      for (const p of this.providers) p.dvm.close();
      await this.lightning?.close();
      await this.loopback?.close();
    }
    return {
      ok: this.problems.length === 0,
      seed: this.seed,
      steps: this.steps,
      failedAtStep: this.problems[0]?.step ?? null,
      reproduce: this.problems.length > 0 ? this.reproduceCommand() : null,
      problems: this.problems,
      trace: this.problems.length > 0 ? this.trace : [],
      stats: {
        ...this.stats,
        rail: this.rail,
        database: this.pgServer ? 'postgres' : 'sqlite',
        ...(this.lightning ? { lightning: this.lightning.stats } : {}),
        seconds: Math.round((Date.now() - started) / 100) / 10,
        checkSeconds: Math.round(this.stats.checkSeconds * 10) / 10,
        serverCpuSeconds: Math.round((this.server?.cpuSeconds ?? 0) * 10) / 10,
        lock: {
          maxMs: this.server?.lock.maxMs ?? 0,
          thresholdMs: LOCK_TRACE_THRESHOLD_MS,
          over: this.server?.lock.over.length ?? 0,
          longest: [...(this.server?.lock.over ?? [])].sort((a, b) => b.ms - a.ms).slice(0, 5),
        },
      },
      dbPath: this.displayedDatabase(),
      ...(this.secretKeyFile ? { secretKeyFile: this.secretKeyFile } : {}),
    };
  }

  /** The end: stop the server, let the wallet settle what is open, sweep, and check everything once more. */
  async finish() {
    await this.server.kill('SIGTERM');
    const { db, clock, rail } = this.ctx;
    if (this.lightning) await this.reconcileWithWallet();
    else {
      await settleWithdrawals(db, clock, rail);
      await watchDeposits(db, clock, rail);
    }
    await sweepDue(this.ctx);
    await this.check({ swept: true, drained: true });
    this.stats.reached = await reached(this.ctx.db);
  }

  /**
   * The operator's end of day on the nwc rail: every late answer and payment in flight
   * lands, the clock passes the grace a payout the wallet never recorded is given,
   * `ledger reconcile --fix` settles what the wallet's record decides, and a second
   * `ledger reconcile` must then find no difference at all.
   */
  async reconcileWithWallet() {
    this.lightning.faults.clear();
    await this.lightning.wallet.idle();
    this.offset += UNKNOWN_GRACE_MS + 60_000;
    const args = [CLI, 'ledger', 'reconcile', '--fix', '--json', '--db', this.dbPath, '--network', 'regtest'];
    const env = { ...process.env, ...this.databaseEnv(), ...this.lightningEnv(), MARKETPLACE_CLOCK_OFFSET_MS: String(this.offset), MARKETPLACE_LOG_LEVEL: 'error' };
    const stdout = await new Promise((resolve) => execFile(process.execPath, args, { env }, (_error, out) => resolve(out)));
    const report = stdout
      .split('\n')
      .reverse()
      .find((line) => line.startsWith('{'));
    const fixed = report ? JSON.parse(report) : null;
    if (!Array.isArray(fixed?.differences)) this.violation('the wallet and the ledger agree after reconcile', `ledger reconcile --fix printed no report: ${stdout}`);
    // Counted by kind: a long run fixes hundreds, and a list of them buried the record.
    this.lightning.stats.reconcileFixed = fixed.differences.filter((d) => d.fixed).reduce((n, d) => ({ ...n, [d.kind]: (n[d.kind] ?? 0) + 1 }), {});
    // The second look, from this process: what --fix could not settle is left.
    await this.lightning.wallet.idle();
    const after = await reconcile(this.ctx.db, this.ctx.clock, this.ctx.rail, { fix: false });
    if (after.differences.length > 0) {
      this.violation(
        'the wallet and the ledger agree after reconcile',
        `after ledger reconcile --fix (${JSON.stringify(fixed.differences)}), these remain: ${JSON.stringify(after.differences)}`,
      );
    }
  }
}

/** What the workload got to: deals by state, so a run shows it exercised more than the happy path. */
function reached(db) {
  return db.read(async (tx) => {
    const byStatus = async (table) =>
      Object.fromEntries((await tx.prepare(`SELECT status, count(*) AS n FROM ${table} GROUP BY status ORDER BY status`).all()).map((r) => [r.status, r.n]));
    const tables = {
      contracts: 'contracts',
      coalitions: 'coalitions',
      bounties: 'bounties',
      purchases: 'data_purchases',
      disputes: 'disputes',
      approvals: 'approvals',
      withdrawals: 'withdrawals',
      invoices: 'lightning_invoices',
      holds: 'holds',
      computeJobs: 'compute_jobs',
      computePayments: 'compute_payments',
    };
    const counted = {};
    for (const [name, table] of Object.entries(tables)) counted[name] = await byStatus(table);
    const [transfers] = await tx.prepare('SELECT count(*) AS n FROM transfers').all();
    const kinds = await tx.prepare('SELECT subject_kind AS kind, count(*) AS n FROM disputes GROUP BY subject_kind ORDER BY subject_kind').all();
    return { ...counted, transfers: transfers.n, disputedKinds: Object.fromEntries(kinds.map((r) => [r.kind, r.n])) };
  });
}

function identity(tool, data) {
  const field = RESULT_ID[tool];
  return field ? String(data[field]) : JSON.stringify(data);
}

export async function simulate(options) {
  const simulation = new Simulation(options);
  const result = await simulation.run();
  if (result.ok) await simulation.remove();
  return result;
}
