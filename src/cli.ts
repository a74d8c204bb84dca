#!/usr/bin/env node
// The `agent-marketplace` command: serve over stdio or HTTP, and the operator's admin
// commands. Every admin command takes --db and --json (one JSON object on stdout,
// nothing else); errors exit 1 with a coded message, usage errors exit 2.
import { parseArgs } from 'node:util';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { renderClientConfigs } from './cli/client-config.js';
import { loadConfig, type Config, type ConfigInput } from './config.js';
import { DEFAULT_TOOLSETS, TOOLSETS } from './toolsets.js';
import type { AppContext } from './context.js';
import { isFreshDatabase } from './db/connection.js';
import { defaultSecretKeyFile } from './db/secret-key.js';
import { fundAgentFromSandbox } from './domain/agents/funding.js';
import { isMarketError, MarketError } from './core/errors.js';
import { routeLibraryConsole } from './core/logger.js';
import { withIdempotency } from './domain/idempotency.js';
import { authenticate, createAgent, createSponsor, rotateOperatorToken, rotateToken } from './domain/identity/registration.js';
import { MAX_LISTED_PER_KIND, verifyLedger } from './domain/ledger/verify.js';
import { msatsToSats, satsToMsats } from './domain/money.js';
import { startBackgroundWork } from './background.js';
import { createHttpApp, listen } from './http/app.js';
import { APPROVAL_STATUSES, decideApproval, listApprovalsPage } from './domain/governance/approvals.js';
import { changeAgentStatus, getAgentPolicy, setAgentPolicy } from './domain/governance/sponsor-actions.js';
import { setSponsorDefaultPolicy } from './domain/governance/policies.js';
import { setSponsorWebhook } from './domain/governance/webhook-settings.js';
import { requireAgent } from './domain/agents/registry.js';
import { MAX_PAGE_SIZE } from './domain/pagination.js';
import { approvedCallRunner } from './approved-calls.js';
import { readPolicyFile } from './cli/policy-file.js';
import { UsageError } from './cli/usage-error.js';
import { runTrajectories, TRAJECTORIES_USAGE } from './cli/trajectories.js';
import { deprecateSkillVersion, reviewSkillVersion, type ReviewDecision } from './domain/skills/catalogue.js';
import { reviewQueue, versionForReview } from './domain/skills/version-review.js';
import { renderVersionForReview } from './cli/skill-review-text.js';
import { DISPUTE_STATUSES, listDisputeViews, resolveDispute, RESOLUTIONS, type Resolution } from './domain/disputes/disputes.js';
import { approveProvider, listProviderViews } from './domain/compute/providers.js';
import { refreshTopup } from './domain/payments/deposits.js';
import { reconcile } from './domain/payments/reconcile.js';
import { paySandboxInvoice } from './rails/sandbox-rail.js';
import { openContext } from './runtime.js';
import { createServer } from './server.js';
import { VERSION } from './version.js';

const USAGE = `agent-marketplace ${VERSION}: an MCP server where AI agents trade, within their sponsors' policies.

Usage: agent-marketplace <command> [options]

Serving
  serve                         MCP over stdio (the caller's token in MARKETPLACE_TOKEN)
  serve --http [--host H] [--port P] [--allowed-host NAME]... [--rate-limit N]
                                Streamable HTTP at /mcp, legacy SSE at /sse, /healthz;
                                N calls a second per caller, batches counted by call (default 200, 0 = off)
  start                         init if the database is new, then serve --http; prints the
                                sponsor console's URL (sign in there with the sponsor token)

Administration
  init [--sponsor-name N] [--agent-name N]
                                create the first sponsor and agent; prints their tokens once
  sponsor create --name N
  agent create --sponsor ID --name N [--lightning-address A] [--npub NPUB]
  token rotate (--agent ID | --sponsor ID)
  operator token                a new operator token (resolves disputes over MCP); revokes the old one
  agent suspend|reactivate|terminate --agent ID [--reason R]
  fund --agent ID --sats N [--idempotency-key K]
                                credit an agent from its sponsor (sandbox rail: no real money)
  ledger verify                 check the hash chain, every balance and every hold
  ledger reconcile [--fix]      compare the wallet's transactions with the ledger; --fix settles
                                what the wallet's record decides
  sandbox pay HASH              pay a sandbox top-up invoice (no money moves)

Skills
  skills queue                  versions waiting for review, with scanner findings
  skills show SLUG [--version V]
                                every file of a version, each finding under its line
                                (default: the newest awaiting review, else the newest)
  skills review SLUG --version V --decision approve|request-changes|reject [--reason R]
                                approving publishes the version
  skills deprecate SLUG --version V

Disputes
  disputes list [--status S] [--agent ID]
  disputes resolve ID --resolution RefundFull|RefundPartial|NoRefund [--sats N] [--reason R]
                                the operator's decision; the money moves at once

Compute providers
  providers list [--all]        approved providers, best score first (--all: also those waiting)
  providers approve ID          jobs may be routed to it
  providers suspend ID          no job is routed to it any more

Governance
  policy show --agent ID        the agent's autonomy policy and its version
  policy set --agent ID --file F
                                a new policy version from a JSON or YAML file
  policy default --sponsor ID --file F
                                the policy the sponsor's new agents start with
  approvals list [--status S] [--agent ID]
  approvals approve ID [--reason R]
                                runs the agent's call once, now
  approvals deny ID --reason R
  sponsor webhook --sponsor ID --url URL|none
                                where the sponsor's notifications go; prints the signing secret

${TRAJECTORIES_USAGE}
Options for every command (but trajectories)
  --db PATH       database file (default: MARKETPLACE_DB, else the user data directory)
  --secret-key-file PATH  the key the database's secrets are sealed under
                  (default: MARKETPLACE_SECRET_KEY_FILE, else PATH.key beside the database)
  --json          one JSON object on stdout, nothing else
  --log-level L   debug | info | warn | error (logs go to stderr)

Serve options
  --toolsets a,b  serve exactly these tool groups, or all (or MARKETPLACE_TOOLSETS); default:
                  each caller starts with a few and opens others with marketplace_enable_toolsets
                  (agents: ${DEFAULT_TOOLSETS.agent.join(', ')}; sponsors: ${DEFAULT_TOOLSETS.sponsor.join(', ')})
                  groups: ${TOOLSETS.join(', ')}
  --read-only     hide every tool that is not read-only
  --nwc-url URL   the operator's Nostr Wallet Connect URL (or MARKETPLACE_NWC_URL)
  --relay URL     a Nostr relay, repeatable (or MARKETPLACE_RELAYS, comma-separated)
  --auto-approve-providers
  --public-url URL  where people reach this server's console and approval pages (default: the HTTP address)
  --install-dir DIR  write each installed skill's verified files to DIR/<slug>/ (or
                  MARKETPLACE_INSTALL_DIR): ~/.claude/skills for Claude Code, ~/.codex/skills for Codex
  --allow-fetch-host HOST:PORT  let agents' lightning addresses reach this non-public host:port,
                  repeatable (or MARKETPLACE_ALLOW_FETCH_HOSTS): a LNURL service of your own
`;

const OPTIONS = {
  db: { type: 'string' },
  'secret-key-file': { type: 'string' },
  json: { type: 'boolean' },
  'log-level': { type: 'string' },
  http: { type: 'boolean' },
  host: { type: 'string' },
  port: { type: 'string' },
  'allowed-host': { type: 'string', multiple: true },
  'allow-fetch-host': { type: 'string', multiple: true },
  'rate-limit': { type: 'string' },
  toolsets: { type: 'string' },
  'read-only': { type: 'boolean' },
  'nwc-url': { type: 'string' },
  network: { type: 'string' },
  fix: { type: 'boolean' },
  relay: { type: 'string', multiple: true },
  'auto-approve-providers': { type: 'boolean' },
  all: { type: 'boolean' },
  'public-url': { type: 'string' },
  'skills-dir': { type: 'string', multiple: true },
  'install-dir': { type: 'string' },
  decision: { type: 'string' },
  resolution: { type: 'string' },
  name: { type: 'string' },
  'sponsor-name': { type: 'string' },
  'agent-name': { type: 'string' },
  sponsor: { type: 'string' },
  agent: { type: 'string' },
  'lightning-address': { type: 'string' },
  npub: { type: 'string' },
  sats: { type: 'string' },
  file: { type: 'string' },
  status: { type: 'string' },
  reason: { type: 'string' },
  url: { type: 'string' },
  'idempotency-key': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
  /** A skill version for `skills show|review|deprecate`; alone, `--version` prints the program's version. */
  version: { type: 'string' },
} as const;

type Flags = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function reviewDecision(value: string): ReviewDecision {
  if (value === 'approve' || value === 'request-changes' || value === 'reject') return value;
  throw new UsageError('--decision is approve, request-changes or reject');
}

/** A filter flag that must be one of a state machine's statuses; absent means no filter. */
function statusFlag<S extends string>(value: string | undefined, statuses: readonly S[]): S | undefined {
  if (value === undefined) return undefined;
  if ((statuses as readonly string[]).includes(value)) return value as S;
  throw new UsageError(`--status is one of ${statuses.join(', ')} (got "${value}")`);
}

function required(flags: Flags, name: keyof Flags): string {
  const value = flags[name];
  if (typeof value !== 'string' || value === '') throw new UsageError(`--${name} is required`);
  return value;
}

function configFrom(flags: Flags): Config {
  const input: ConfigInput = {
    db: flags.db,
    secretKeyFile: flags['secret-key-file'],
    logLevel: flags['log-level'],
    host: flags.host,
    port: flags.port,
    allowedHosts: flags['allowed-host'],
    rateLimit: flags['rate-limit'],
    toolsets: flags.toolsets,
    readOnly: flags['read-only'],
    nwcUrl: flags['nwc-url'],
    network: flags.network,
    relays: flags.relay,
    autoApproveProviders: flags['auto-approve-providers'],
    publicUrl: flags['public-url'],
    skillDirs: flags['skills-dir'],
    installDir: flags['install-dir'],
    allowFetchHosts: flags['allow-fetch-host'],
  };
  try {
    return loadConfig(input);
  } catch (error) {
    // A setting the operator mistyped is a usage error (exit 2), like a mistyped flag.
    if (isMarketError(error) && error.code === 'INVALID_INPUT') throw new UsageError(error.message);
    throw error;
  }
}

/** The --db option as typed, for a command line the output suggests running next. */
function dbOption(flags: Flags): string {
  if (!flags.db) return '';
  return ` --db ${/^[\w./:@%+,=-]+$/.test(flags.db) ? flags.db : `'${flags.db.replaceAll("'", "'\\''")}'`}`;
}

/** Prints a result: the JSON object with --json, else the human text. */
function out(flags: Flags, json: Record<string, unknown>, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

function connectionInfo(config: Config, token: string) {
  const customKey = config.secretKeyFile !== defaultSecretKeyFile(config.dbPath);
  return { token, dbPath: config.dbPath, httpUrl: httpUrl(config), secretKeyFile: customKey ? config.secretKeyFile : null };
}

function httpUrl(config: Config): string {
  const host = config.http.host.includes(':') ? `[${config.http.host}]` : config.http.host;
  return `http://${host}:${config.http.port}/mcp`;
}

/** Where sponsors sign in: the public URL's when one was given, else this server's own address. */
function consoleUrl(config: Config): string {
  return `${(config.publicUrl ?? '').replace(/\/+$/, '')}/console`;
}

/**
 * What `start` says about the console and the sponsor token: the one secret a person
 * must keep from their agents. On the first start `init` has just printed that token.
 */
function consoleNotice(config: Config, firstStart: boolean): string {
  const where = firstStart
    ? 'the sponsor token printed above'
    : `your sponsor token (printed when the database was created; \`token rotate --sponsor ID\` issues a new one)`;
  return [
    `Sponsor console: ${consoleUrl(config)}`,
    `  Sign in there with ${where}. The sponsor token is yours, not your agents':`,
    '  with it you watch what each agent spends, approve or deny what waits for you, edit their',
    '  policies and suspend them. Never put it in an agent\'s configuration; agents get agent tokens.',
    '',
  ].join('\n');
}

function init(ctx: AppContext, flags: Flags): Record<string, unknown> {
  if (!isFreshDatabase(ctx.db)) {
    throw new MarketError('CONFLICT', `${ctx.config.dbPath} is already initialised. Use \`sponsor create\` or \`agent create\` to add more.`);
  }
  const { sponsor, agent } = ctx.db.write(() => {
    const sponsor = createSponsor(ctx.db, ctx.clock, { name: flags['sponsor-name'] ?? 'Default sponsor' });
    const agent = createAgent(ctx.db, ctx.clock, { sponsorId: sponsor.id, name: flags['agent-name'] ?? 'First agent' });
    return { sponsor, agent };
  });
  const result = { sponsor: { id: sponsor.id, token: sponsor.token }, agent: { id: agent.id, token: agent.token, npub: agent.npub } };
  out(
    flags,
    result,
    [
      `Initialised ${ctx.config.dbPath}`,
      '',
      `Sponsor ${sponsor.id} (${sponsor.name})`,
      `  token: ${sponsor.token}`,
      `Agent   ${agent.id} (${agent.name}, ${agent.npub})`,
      `  token: ${agent.token}`,
      '',
      'These tokens are shown once and stored only as hashes. Keep them somewhere safe;',
      '`agent-marketplace token rotate` issues new ones.',
      `Nostr keys and webhook secrets are sealed under ${ctx.config.secretKeyFile}: back it up`,
      'with the database; without it they cannot be opened.',
      '',
      `Fund the agent (sandbox, no real money): agent-marketplace fund --db ${ctx.config.dbPath} --agent ${agent.id} --sats 10000`,
      '',
      'Connect an MCP client as the agent:',
      '',
      renderClientConfigs(connectionInfo(ctx.config, agent.token)),
    ].join('\n'),
  );
  return result;
}

async function serveStdio(ctx: AppContext): Promise<void> {
  routeLibraryConsole(ctx.logger);
  const token = process.env.MARKETPLACE_TOKEN;
  if (!authenticate(ctx.db, token)) {
    throw new MarketError(
      'UNAUTHORIZED',
      token ? 'MARKETPLACE_TOKEN is unknown or revoked.' : 'Set MARKETPLACE_TOKEN to an agent or sponsor token (`agent-marketplace init` prints one).',
    );
  }
  const server = createServer(ctx, {
    caller: () => {
      const caller = authenticate(ctx.db, token);
      if (!caller) throw new MarketError('UNAUTHORIZED', 'MARKETPLACE_TOKEN was revoked. Ask the sponsor for a new token.');
      return caller;
    },
  });
  const stopBackground = startBackgroundWork(ctx);
  await server.connect(new StdioServerTransport());
  ctx.logger.info('serving MCP over stdio', { db: ctx.config.dbPath });
  const stop = () => {
    stopBackground();
    void server.close().finally(() => {
      ctx.rail.close();
      ctx.db.close();
      process.exit(0);
    });
  };
  process.stdin.on('end', stop);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function serveHttp(ctx: AppContext, announce: (url: string) => void): Promise<void> {
  routeLibraryConsole(ctx.logger);
  const http = await listen(createHttpApp(ctx), ctx.config.http.host, ctx.config.http.port);
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : ctx.config.http.port;
  const url = httpUrl({ ...ctx.config, http: { ...ctx.config.http, port } });
  // Approval links point here unless the operator named a public address.
  ctx.config.publicUrl ??= new URL(url).origin;
  ctx.logger.info('serving MCP over HTTP', { url, db: ctx.config.dbPath });
  announce(url);
  const stopBackground = startBackgroundWork(ctx);
  const stop = () => {
    stopBackground();
    http.close(() => {
      ctx.rail.close();
      ctx.db.close();
      process.exit(0);
    });
    http.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const COMMANDS = [
  /^serve$/,
  /^start$/,
  /^init$/,
  /^sponsor (create|webhook)$/,
  /^agent (create|suspend|reactivate|terminate)$/,
  /^token rotate$/,
  /^operator token$/,
  /^fund$/,
  /^ledger (verify|reconcile)$/,
  /^sandbox pay \S+$/,
  /^policy (show|set|default)$/,
  /^approvals (list|(approve|deny) \S+)$/,
  /^skills (queue|(show|review|deprecate) \S+)$/,
  /^disputes (list|resolve \S+)$/,
  /^providers (list|(approve|suspend) \S+)$/,
];

/** Checked before the database is opened: a typo must not create or migrate a database. */
function isKnownCommand(command: string): boolean {
  return COMMANDS.some((pattern) => pattern.test(command));
}

async function main(argv: string[]): Promise<number> {
  if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  // The contributor's own machine: no marketplace database is opened.
  if (argv[0] === 'trajectories') return runTrajectories(argv.slice(1));
  const { values: flags, positionals } = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  const command = positionals.join(' ');
  if (flags.help || command === '' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!isKnownCommand(command)) throw new UsageError(`unknown command "${command}"`);
  const config = configFrom(flags);
  const ctx = openContext(config);

  switch (command) {
    case 'serve':
      if (flags.http) await serveHttp(ctx, (url) => process.stderr.write(`agent-marketplace listening on ${url}\n`));
      else await serveStdio(ctx);
      return -1; // keep running
    case 'start': {
      const first = isFreshDatabase(ctx.db);
      if (first) init(ctx, { ...flags, json: false });
      await serveHttp(ctx, (url) =>
        process.stdout.write(
          `\nagent-marketplace ${VERSION} is serving MCP at ${url} (health: ${url.replace(/\/mcp$/, '/healthz')})\n\n` +
            consoleNotice(ctx.config, first) +
            `\nDatabase: ${ctx.config.dbPath}. Clients send "Authorization: Bearer <token>"; ` +
            'tokens come from `init` (above, on first start), `agent create` or `token rotate`.\nCtrl-C stops it.\n',
        ),
      );
      return -1;
    }
    case 'init':
      init(ctx, flags);
      return 0;
    case 'sponsor create': {
      const sponsor = createSponsor(ctx.db, ctx.clock, { name: required(flags, 'name') });
      out(flags, { id: sponsor.id, token: sponsor.token, npub: sponsor.npub }, `Sponsor ${sponsor.id} (${sponsor.name}, ${sponsor.npub})\n  token: ${sponsor.token}\nShown once; stored only as a hash.`);
      return 0;
    }
    case 'agent create': {
      const agent = createAgent(ctx.db, ctx.clock, {
        sponsorId: required(flags, 'sponsor'),
        name: required(flags, 'name'),
        lightningAddress: flags['lightning-address'],
        npub: flags.npub,
      });
      out(
        flags,
        { id: agent.id, token: agent.token, npub: agent.npub },
        `Agent ${agent.id} (${agent.name}, ${agent.npub})\n  token: ${agent.token}\nShown once; stored only as a hash.\n\n` +
          renderClientConfigs(connectionInfo(ctx.config, agent.token)),
      );
      return 0;
    }
    case 'token rotate': {
      if (Boolean(flags.agent) === Boolean(flags.sponsor)) throw new UsageError('token rotate takes exactly one of --agent ID or --sponsor ID');
      const rotated = rotateToken(ctx.db, ctx.clock, flags.agent ? { kind: 'agent', id: flags.agent } : { kind: 'sponsor', id: flags.sponsor! });
      out(flags, rotated, `New token for ${rotated.id}: ${rotated.token}\nEvery earlier token of ${rotated.id} is revoked.`);
      return 0;
    }
    case 'operator token': {
      const rotated = rotateOperatorToken(ctx.db, ctx.clock);
      out(flags, rotated, `Operator token: ${rotated.token}\nIt is shown once; any earlier operator token is revoked.`);
      return 0;
    }
    case 'fund': {
      const agentId = required(flags, 'agent');
      const sats = Number(required(flags, 'sats'));
      if (!Number.isSafeInteger(sats) || sats <= 0) throw new UsageError('--sats must be a whole number of sats greater than zero');
      const fund = () => {
        const { topUp, balanceMsats } = fundAgentFromSandbox(ctx.db, ctx.clock, { agentId, amountMsats: satsToMsats(sats) });
        return { transfer_id: topUp.id, balance_sats: msatsToSats(balanceMsats) };
      };
      const key = flags['idempotency-key'];
      const result = key
        ? withIdempotency(ctx.db, ctx.clock, { callerId: 'cli', tool: 'fund', key, args: { agentId, sats } }, fund).result
        : fund();
      out(flags, result, `Funded ${agentId} with ${sats} sats (sandbox). Balance: ${result.balance_sats} sats. Transfer ${result.transfer_id}.`);
      return 0;
    }
    case 'ledger reconcile': {
      try {
        const report = await reconcile(ctx.db, ctx.clock, ctx.rail, { fix: Boolean(flags.fix) });
        const lines = report.differences.map((d) => `- [${d.kind}]${d.fixed ? ' (fixed)' : ''} ${d.detail}`);
        out(flags, { ...report }, report.differences.length === 0 ? `Wallet and ledger agree (${report.checked} wallet transactions).` : `${report.differences.length} difference(s):\n${lines.join('\n')}`);
        return report.ok ? 0 : 1;
      } finally {
        ctx.rail.close();
      }
    }
    case 'ledger verify': {
      const report = verifyLedger(ctx.db);
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
    }
    case 'policy show': {
      const agent = requireAgent(ctx.db, required(flags, 'agent'));
      const p = getAgentPolicy(ctx.db, agent.sponsorId, agent.id);
      const json = { agent_id: agent.id, version: p.version, policy: p.policy };
      out(flags, json, `Policy v${p.version} of ${agent.id}:\n${JSON.stringify(p.policy, null, 2)}`);
      return 0;
    }
    case 'policy set': {
      const agent = requireAgent(ctx.db, required(flags, 'agent'));
      const p = setAgentPolicy(ctx.db, ctx.clock, agent.sponsorId, agent.id, readPolicyFile(required(flags, 'file')));
      out(flags, { agent_id: agent.id, version: p.version }, `Policy v${p.version} now governs ${agent.id}.`);
      return 0;
    }
    case 'policy default': {
      const sponsorId = required(flags, 'sponsor');
      const policy = setSponsorDefaultPolicy(ctx.db, sponsorId, readPolicyFile(required(flags, 'file')));
      out(flags, { sponsor_id: sponsorId, policy }, `New agents of ${sponsorId} start with this policy:\n${JSON.stringify(policy, null, 2)}`);
      return 0;
    }
    case 'approvals list': {
      const page = listApprovalsPage(ctx.db, ctx.clock, { status: statusFlag(flags.status, APPROVAL_STATUSES), agentId: flags.agent, limit: MAX_PAGE_SIZE });
      out(
        flags,
        { ...page },
        page.items.length === 0
          ? 'No approvals.'
          : page.items.map((a) => `${a.approval_id}  ${a.status.padEnd(8)}  ${a.agent_id}  ${a.tool}  ${a.amount_sats} sats  ${a.reason}`).join('\n'),
      );
      return 0;
    }
    default: {
      const decision = /^approvals (approve|deny) (\S+)$/.exec(command);
      if (decision) {
        if (decision[1] === 'deny' && !flags.reason) throw new UsageError('approvals deny needs --reason: the agent is told why');
        const runner = approvedCallRunner(ctx);
        let view: ReturnType<typeof decideApproval>;
        try {
          view = decideApproval(ctx.db, ctx.clock, {
            approvalId: decision[2]!,
            decision: decision[1] as 'approve' | 'deny',
            reason: flags.reason,
            decider: { role: 'operator', id: 'cli' },
            run: runner,
          });
          // The approved call's outside work (paying a withdrawal) runs after the decision
          // commits: wait for it, then close the wallet's relay sockets, so the command ends.
          await runner.settled();
        } finally {
          ctx.rail.close();
        }
        out(flags, { ...view }, `Approval ${view.approval_id} is ${view.status}.${view.result ? `\n${JSON.stringify(view.result)}` : ''}`);
        return view.status === 'failed' ? 1 : 0;
      }
      const status = /^agent (suspend|reactivate|terminate)$/.exec(command);
      if (status) {
        const agent = requireAgent(ctx.db, required(flags, 'agent'));
        const changed = changeAgentStatus(ctx.db, ctx.clock, agent.sponsorId, agent.id, status[1] as 'suspend', flags.reason ?? null);
        out(flags, changed, `${changed.agent_id} is now ${changed.status}.`);
        return 0;
      }
      const skill = /^skills (review|deprecate) (\S+)$/.exec(command);
      if (skill) {
        const version = required(flags, 'version');
        const result =
          skill[1] === 'review'
            ? reviewSkillVersion(ctx.db, ctx.clock, { slug: skill[2]!, version, decision: reviewDecision(required(flags, 'decision')), reason: flags.reason })
            : deprecateSkillVersion(ctx.db, ctx.clock, skill[2]!, version);
        out(flags, { ...result }, `${result.slug}@${result.version} is now ${result.status}.`);
        return 0;
      }
      const shown = /^skills show (\S+)$/.exec(command);
      if (shown) {
        const v = versionForReview(ctx.db, shown[1]!, flags.version);
        out(flags, { ...v }, renderVersionForReview(v, dbOption(flags)));
        return 0;
      }
      const sandbox = /^sandbox pay (\S+)$/.exec(command);
      if (sandbox) {
        if (ctx.rail.name !== 'sandbox') throw new UsageError('sandbox pay works on the sandbox rail only (no --nwc-url)');
        if (!paySandboxInvoice(ctx.db, ctx.clock, sandbox[1]!)) throw new MarketError('NOT_FOUND', `No unpaid, unexpired sandbox invoice ${sandbox[1]}.`);
        const credited = await refreshTopup(ctx.db, ctx.clock, ctx.rail, sandbox[1]!);
        out(flags, credited, `Sandbox invoice ${sandbox[1]} paid; ${credited.amount_sats} sats credited.`);
        return 0;
      }
      const dispute = /^disputes resolve (\S+)$/.exec(command);
      if (dispute) {
        const resolution = required(flags, 'resolution') as Resolution;
        if (!RESOLUTIONS.includes(resolution)) throw new UsageError(`--resolution is one of ${RESOLUTIONS.join(', ')}`);
        const view = resolveDispute(ctx.db, ctx.clock, {
          disputeId: dispute[1]!,
          resolution,
          refundSats: flags.sats === undefined ? undefined : Number(flags.sats),
          reason: flags.reason,
        });
        out(flags, { ...view }, `Dispute ${view.dispute_id} resolved: ${view.resolution}, ${view.refund_sats} sats refunded${view.debt_sats ? `, ${view.debt_sats} sats owed` : ''}.`);
        return 0;
      }
      const provider = /^providers (approve|suspend) (\S+)$/.exec(command);
      if (provider) {
        const view = approveProvider(ctx.db, ctx.clock, provider[2]!, provider[1] === 'approve');
        out(flags, view, `Provider ${view.provider_id} (${view.name}) is ${view.approved ? 'approved: jobs may be routed to it' : 'suspended: no job is routed to it'}.`);
        return 0;
      }
      if (command === 'providers list') {
        const page = listProviderViews(ctx.db, ctx.clock, { includeUnapproved: flags.all === true, limit: MAX_PAGE_SIZE });
        out(
          flags,
          { ...page },
          page.items.length === 0
            ? 'No providers.'
            : page.items.map((p) => `${p.provider_id}  ${p.approved ? 'approved ' : 'waiting  '}  ${p.tier.padEnd(11)}  score ${p.score}  ${p.price_sats} sats  kinds ${p.kinds.join(',')}  ${p.name}`).join('\n'),
        );
        return 0;
      }
      if (command === 'disputes list') {
        const items = listDisputeViews(ctx.db, flags.agent ?? null, statusFlag(flags.status, DISPUTE_STATUSES));
        out(flags, { items }, items.length === 0 ? 'No disputes.' : items.map((d) => `${d.dispute_id}  ${d.status.padEnd(11)}  ${d.subject.kind} ${d.subject.id}  ${d.amount_sats} sats  ${d.dispute_type}`).join('\n'));
        return 0;
      }
      if (command === 'skills queue') {
        const items = reviewQueue(ctx.db);
        out(
          flags,
          { items },
          items.length === 0
            ? 'Nothing waits for review.'
            : items
                .map((i) =>
                  [
                    `${i.slug} ${i.versions.join(', ')} by ${i.author_id}: ${i.scan_findings.length} scanner finding(s)`,
                    ...i.versions.map((v) => `  inspect with: agent-marketplace skills show ${i.slug} --version ${v}${dbOption(flags)}`),
                  ].join('\n'),
                )
                .join('\n'),
        );
        return 0;
      }
      if (command === 'sponsor webhook') {
        const url = required(flags, 'url');
        const set = setSponsorWebhook(ctx.db, required(flags, 'sponsor'), url === 'none' ? null : url);
        out(
          flags,
          set,
          set.url
            ? `Notifications of ${set.sponsor_id} go to ${set.url}.\nSigning secret (shown here; verify the x-marketplace-signature header with it): ${set.secret}`
            : `Webhook of ${set.sponsor_id} removed.`,
        );
        return 0;
      }
      throw new UsageError(`unknown command "${command}"`);
    }
  }
}

const wantsJson = process.argv.includes('--json');
main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof UsageError || (error as { code?: string }).code?.startsWith?.('ERR_PARSE_ARGS')) {
      const message = (error as Error).message;
      if (wantsJson) process.stdout.write(`${JSON.stringify({ error: { code: 'INVALID_INPUT', message } })}\n`);
      process.stderr.write(`agent-marketplace: ${message}\nRun \`agent-marketplace --help\` for usage.\n`);
      process.exitCode = 2;
      return;
    }
    const coded = isMarketError(error) ? error : new MarketError('INTERNAL', error instanceof Error ? error.message : String(error));
    if (!isMarketError(error)) process.stderr.write(`${(error as Error)?.stack ?? error}\n`);
    if (wantsJson) process.stdout.write(`${JSON.stringify({ error: coded.toJSON() })}\n`);
    process.stderr.write(`agent-marketplace: ${coded.code}: ${coded.message}\n`);
    process.exitCode = 1;
  },
);
