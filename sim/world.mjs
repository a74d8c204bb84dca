// What the simulation knows: the actors with their clients, and the handles (ids) of
// every deal the workload created. Deal states are never guessed here: each step reads
// the deal from the server before acting on it, so a crash that cut a call off cannot
// leave the model believing something the database does not say.

export const POLICIES = {
  cautious: {
    level: 'SemiAutonomous',
    action_limits: { max_transaction_sats: 3_000, max_daily_spend_sats: 15_000, requires_approval: ['Withdraw'] },
    escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
    approval_ttl_hours: 6,
  },
  strict: {
    level: 'Autonomous',
    action_limits: { max_transaction_sats: 4_000, max_daily_spend_sats: 12_000 },
    escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'Deny' }],
    budgets: [{ period: 'Weekly', limit_sats: 40_000, overage_policy: 'Block', alert_threshold_pct: 80 }],
  },
  supervised: { level: 'Supervised', action_limits: { max_transaction_sats: 20_000 }, approval_ttl_hours: 12 },
  generous: {
    level: 'Autonomous',
    action_limits: { max_transaction_sats: 10_000, max_daily_spend_sats: 60_000 },
    escalation_triggers: [{ condition: 'SpendingExceedsLimit', action: 'RequireApproval' }],
    budgets: [{ period: 'Monthly', limit_sats: 150_000, overage_policy: 'RequireApproval' }],
  },
};

/** An ordered set of handles: picks are by position, so they follow the seed. */
export class Handles {
  constructor() {
    this.items = [];
    this.index = new Map();
  }
  add(id, value) {
    if (this.index.has(id)) return;
    this.index.set(id, value);
    this.items.push(id);
  }
  remove(id) {
    if (!this.index.delete(id)) return;
    this.items.splice(this.items.indexOf(id), 1);
  }
  get(id) {
    return this.index.get(id);
  }
  pick(rng) {
    const id = rng.pick(this.items);
    return id === undefined ? undefined : { id, ...this.index.get(id) };
  }
  get size() {
    return this.items.length;
  }
}

export class World {
  constructor() {
    this.sponsors = [];
    this.agents = [];
    this.operator = null;
    this.skills = [];
    /** agent id → slugs it has installed */
    this.installed = new Map();
    this.contracts = new Handles();
    this.coalitions = new Handles();
    this.bounties = new Handles();
    this.listings = new Handles();
    this.purchases = new Handles();
    this.disputes = new Handles();
    this.invoices = new Handles();
    /** Compute providers (nwc rail) and the jobs agents submitted to them. */
    this.providers = [];
    this.jobs = new Handles();
    /** Subjects already disputed: a deal is disputed once. */
    this.disputed = new Set();
    /** Every keyed call, in the order first made: key → { actor, tool, args, effect } */
    this.keyed = new Map();
    this.keyedOrder = [];
    /** Hostile pairs: { blocker, blocked } agent ids, the blocker's policy blocking the other for the whole run. */
    this.blocks = [];
    /** The agent that sends JSON-RPC batches (hostile.mjs), not one of the workload's agents. */
    this.attacker = null;
    /**
     * The agent that sends tools/call as raw HTTP (hostile.mjs hostileRawHttp), not one of the workload's agents:
     * { id, token (its current one), refused: keys that must not have paid, paid: [{ key, transfer }] sent over both paths }.
     */
    this.raw = null;
  }

  agentById(id) {
    return this.agents.find((a) => a.id === id);
  }

  otherAgent(rng, not) {
    const others = this.agents.filter((a) => a.id !== not.id);
    return rng.pick(others);
  }
}
