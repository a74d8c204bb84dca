// The operator's administration: sponsors, agents and their tokens, sandbox money, and
// the ledger's own checks.
import { fundAgentFromSandbox } from '../../domain/agents/funding.js';
import { requireAgent } from '../../domain/agents/registry.js';
import { agentRoster, sponsorRoster } from '../../domain/agents/roster.js';
import { MarketError } from '../../core/errors.js';
import { changeAgentStatus, STATUS_ACTIONS } from '../../domain/governance/sponsor-actions.js';
import { withIdempotency } from '../../domain/idempotency.js';
import { createAgent, createSponsor, rotateOperatorToken, rotateToken } from '../../domain/identity/registration.js';
import { MAX_LISTED_PER_KIND, verifyLedger } from '../../domain/ledger/verify.js';
import { msatsToSats, satsToMsats } from '../../domain/money.js';
import { refreshTopup } from '../../domain/payments/deposits.js';
import { reconcile } from '../../domain/payments/reconcile.js';
import { visible } from '../../domain/skills/shown-text.js';
import { paySandboxInvoice } from '../../rails/sandbox-rail.js';
import { connectionInfo, renderClientConfigs } from '../client-config.js';
import { defineCommand } from '../command-spec.js';
import { out } from '../output.js';
import { UsageError } from '../usage-error.js';

const agentFlag = { type: 'string', value: 'ID', summary: 'the agent', required: true } as const;

/** `agent suspend|reactivate|terminate`: one command each, the same flags. */
function statusCommand(action: keyof typeof STATUS_ACTIONS, summary: string) {
  return defineCommand({
    name: `agent ${action}`,
    section: 'Administration',
    summary,
    flags: { agent: agentFlag, reason: { type: 'string', value: 'R', summary: "why: kept with the status and in the sponsor's notification" } },
    async run({ ctx, flags }) {
      const agent = await requireAgent(ctx.db, flags.agent);
      const changed = await changeAgentStatus(ctx.db, ctx.clock, agent.sponsorId, agent.id, action, flags.reason ?? null);
      out(flags, changed, `${changed.agent_id} is now ${changed.status}.`);
      return 0;
    },
  });
}

export const administrationCommands = [
  defineCommand({
    name: 'sponsor create',
    section: 'Administration',
    summary: 'a new sponsor; prints its token once',
    flags: { name: { type: 'string', value: 'N', summary: "the sponsor's name", required: true } },
    async run({ ctx, flags }) {
      const sponsor = await createSponsor(ctx.db, ctx.clock, { name: flags.name });
      out(
        flags,
        { id: sponsor.id, token: sponsor.token, npub: sponsor.npub },
        `Sponsor ${sponsor.id} (${sponsor.name}, ${sponsor.npub})\n  token: ${sponsor.token}\nShown once; stored only as a hash.`,
      );
      return 0;
    },
  }),
  defineCommand({
    name: 'agent create',
    section: 'Administration',
    summary: "a new agent of a sponsor; prints its token once, with MCP clients'\nconfiguration",
    flags: {
      sponsor: { type: 'string', value: 'ID', summary: 'the sponsor it acts for', required: true },
      name: { type: 'string', value: 'N', summary: "the agent's name", required: true },
      'lightning-address': { type: 'string', value: 'A', summary: 'where its withdrawals and earnings may be paid (name@domain)' },
      npub: { type: 'string', value: 'NPUB', summary: 'a Nostr identity of its own (default: one is generated and its key sealed)' },
    },
    async run({ ctx, flags }) {
      const agent = await createAgent(ctx.db, ctx.clock, { sponsorId: flags.sponsor, name: flags.name, lightningAddress: flags['lightning-address'], npub: flags.npub });
      out(
        flags,
        { id: agent.id, token: agent.token, npub: agent.npub },
        `Agent ${agent.id} (${agent.name}, ${agent.npub})\n  token: ${agent.token}\nShown once; stored only as a hash.\n\n` +
          renderClientConfigs(connectionInfo(ctx.config, agent.token)),
      );
      return 0;
    },
  }),
  defineCommand({
    name: 'agents list',
    section: 'Administration',
    summary: "every agent (or one sponsor's): sponsor, status, balance",
    flags: { sponsor: { type: 'string', value: 'ID', summary: "only this sponsor's agents" } },
    async run({ ctx, flags }) {
      const items = await agentRoster(ctx.db, ctx.clock, flags.sponsor ?? null);
      out(
        flags,
        { items },
        items.length === 0
          ? flags.sponsor
            ? `${flags.sponsor} has no agents.`
            : 'No agents.'
          : items
              .map((a) => `${a.agent_id}  ${a.status.padEnd(10)}  ${`${a.balance_sats.toLocaleString('en-US')} sats`.padStart(16)}  ${a.sponsor_id}  ${visible(a.name)}`)
              .join('\n'),
      );
      return 0;
    },
  }),
  defineCommand({
    name: 'sponsors list',
    section: 'Administration',
    summary: 'every sponsor, with its agents and what they hold',
    async run({ ctx, flags }) {
      const items = await sponsorRoster(ctx.db, ctx.clock);
      out(
        flags,
        { items },
        items.length === 0
          ? 'No sponsors.'
          : items
              .map((s) => `${s.sponsor_id}  ${`${s.agent_count} agent(s)`.padEnd(11)}  ${`${s.agents_balance_sats.toLocaleString('en-US')} sats`.padStart(16)}  ${visible(s.name)}`)
              .join('\n'),
      );
      return 0;
    },
  }),
  defineCommand({
    name: 'token rotate',
    section: 'Administration',
    summary: 'a new token for an agent or a sponsor; every earlier one of it is revoked',
    flags: { agent: { type: 'string', value: 'ID', summary: 'the agent' }, sponsor: { type: 'string', value: 'ID', summary: 'the sponsor' } },
    exactlyOne: ['agent', 'sponsor'],
    async run({ ctx, flags }) {
      const rotated = await rotateToken(ctx.db, ctx.clock, flags.agent ? { kind: 'agent', id: flags.agent } : { kind: 'sponsor', id: flags.sponsor! });
      out(flags, rotated, `New token for ${rotated.id}: ${rotated.token}\nEvery earlier token of ${rotated.id} is revoked.`);
      return 0;
    },
  }),
  defineCommand({
    name: 'operator token',
    section: 'Administration',
    summary: 'a new operator token (resolves disputes over MCP); revokes the old one',
    async run({ ctx, flags }) {
      const rotated = await rotateOperatorToken(ctx.db, ctx.clock);
      out(flags, rotated, `Operator token: ${rotated.token}\nIt is shown once; any earlier operator token is revoked.`);
      return 0;
    },
  }),
  statusCommand('suspend', 'the agent may read but not act until it is reactivated'),
  statusCommand('reactivate', 'a suspended or terminated agent may act again'),
  statusCommand('terminate', 'the agent stops acting for good, unless reactivated (reads still work)'),
  defineCommand({
    name: 'fund',
    section: 'Administration',
    summary: 'credit an agent from its sponsor (sandbox rail: no real money)',
    flags: {
      agent: { type: 'string', value: 'ID', summary: 'the agent to fund', required: true },
      sats: { type: 'string', value: 'N', summary: 'how much: a whole number of sats greater than zero', required: true },
      'idempotency-key': { type: 'string', value: 'K', summary: 'the same key again answers with the first result and funds nothing more' },
    },
    example: 'fund --agent ag_… --sats 10000',
    async run({ ctx, flags }) {
      const agentId = flags.agent;
      const sats = Number(flags.sats);
      if (!Number.isSafeInteger(sats) || sats <= 0) throw new UsageError('--sats must be a whole number of sats greater than zero');
      const fund = async (db = ctx.db) => {
        const { topUp, balanceMsats } = await fundAgentFromSandbox(db, ctx.clock, { agentId, amountMsats: satsToMsats(sats) });
        return { transfer_id: topUp.id, balance_sats: msatsToSats(balanceMsats) };
      };
      const key = flags['idempotency-key'];
      const result = key ? (await withIdempotency(ctx.db, ctx.clock, { callerId: 'cli', tool: 'fund', key, args: { agentId, sats } }, fund)).result : await fund();
      out(flags, result, `Funded ${agentId} with ${sats} sats (sandbox). Balance: ${result.balance_sats} sats. Transfer ${result.transfer_id}.`);
      return 0;
    },
  }),
  defineCommand({
    name: 'ledger verify',
    section: 'Administration',
    summary: 'check the hash chain, every balance and every hold (exit 1 on a problem)',
    async run({ ctx, flags }) {
      const report = await verifyLedger(ctx.db);
      const json = report.ok
        ? { ok: true, accounts: report.accounts, transfers: report.transfers }
        : { ok: false, accounts: report.accounts, transfers: report.transfers, problems: report.problems, problem_counts: report.problemCounts };
      const found = Object.entries(report.problemCounts).filter(([, n]) => n > 0);
      const total = found.reduce((sum, [, n]) => sum + n, 0);
      const capped = found.some(([, n]) => n > MAX_LISTED_PER_KIND) ? `; the first ${MAX_LISTED_PER_KIND} of each kind are listed` : '';
      out(
        flags,
        json,
        report.ok
          ? `Ledger OK: ${report.transfers} transfers over ${report.accounts} accounts; chain intact, balances match, total is zero.`
          : `Ledger has ${total} problem(s) (${found.map(([kind, n]) => `${kind}: ${n}`).join(', ')})${capped}:\n` +
              report.problems.map((p) => `- [${p.kind}] ${p.message}${p.row ? `\n  ${JSON.stringify(p.row)}` : ''}`).join('\n'),
      );
      return report.ok ? 0 : 1;
    },
  }),
  defineCommand({
    name: 'ledger reconcile',
    section: 'Administration',
    summary: "compare the wallet's transactions with the ledger; --fix settles\nwhat the wallet's record decides",
    flags: { fix: { type: 'boolean', summary: "settle what the wallet's record decides" } },
    shared: ['wallet'],
    async run({ ctx, flags }) {
      try {
        const report = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: Boolean(flags.fix) });
        const lines = report.differences.map((d) => `- [${d.kind}]${d.fixed ? ' (fixed)' : ''} ${d.detail}`);
        out(
          flags,
          { ...report },
          report.differences.length === 0 ? `Wallet and ledger agree (${report.checked} wallet transactions).` : `${report.differences.length} difference(s):\n${lines.join('\n')}`,
        );
        return report.ok ? 0 : 1;
      } finally {
        ctx.rail.close();
      }
    },
  }),
  defineCommand({
    name: 'sandbox pay',
    section: 'Administration',
    summary: 'pay a sandbox top-up invoice (no money moves)',
    args: [{ name: 'HASH', summary: "the invoice's payment hash (marketplace_create_topup_invoice gives it)" }],
    shared: ['wallet'],
    async run({ ctx, flags, args }) {
      const hash = args[0]!;
      if (ctx.rail.name !== 'sandbox') throw new UsageError('sandbox pay works on the sandbox rail only (no --nwc-url)');
      if (!(await paySandboxInvoice(ctx.db, ctx.clock, hash))) throw new MarketError('NOT_FOUND', `No unpaid, unexpired sandbox invoice ${hash}.`);
      const credited = await refreshTopup(ctx.db, ctx.clock, ctx.rail, hash);
      out(flags, credited, `Sandbox invoice ${hash} paid; ${credited.amount_sats} sats credited.`);
      return 0;
    },
  }),
];
