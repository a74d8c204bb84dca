// Serving MCP (stdio, HTTP) and the first run: `init` creates the first sponsor and
// agent, `start` does that on a new database and then serves over HTTP.
import type { Server as HttpServer } from 'node:http';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { startBackgroundWork } from '../../background.js';
import type { Config } from '../../config.js';
import type { AppContext } from '../../context.js';
import { isFreshDatabase } from '../../db/connection.js';
import { MarketError } from '../../core/errors.js';
import { authenticate, createAgent, createSponsor } from '../../domain/identity/registration.js';
import { routeLibraryConsole } from '../../core/logger.js';
import { createHttpApp, listen } from '../../http/app.js';
import { createServer } from '../../server.js';
import { VERSION } from '../../version.js';
import { connectionInfo, renderClientConfigs } from '../client-config.js';
import { defineCommand, RUNNING } from '../command-spec.js';
import { commandPrefix } from '../invocation.js';
import { out, shellWord } from '../output.js';

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
  const where = firstStart ? 'the sponsor token printed above' : `your sponsor token (printed when the database was created; \`token rotate --sponsor ID\` issues a new one)`;
  return [
    `Sponsor console: ${consoleUrl(config)}`,
    `  Sign in there with ${where}. The sponsor token is yours, not your agents':`,
    '  with it you watch what each agent spends, approve or deny what waits for you, edit their',
    "  policies and suspend them. Never put it in an agent's configuration; agents get agent tokens.",
    '',
  ].join('\n');
}

export async function initialise(ctx: AppContext, flags: { json?: boolean; 'sponsor-name': string; 'agent-name': string }): Promise<Record<string, unknown>> {
  if (!(await isFreshDatabase(ctx.db))) {
    throw new MarketError('CONFLICT', `${ctx.config.dbPath} is already initialised. Use \`sponsor create\` or \`agent create\` to add more.`);
  }
  const { sponsor, agent } = await ctx.db.write(async (tx) => {
    const sponsor = await createSponsor(tx, ctx.clock, { name: flags['sponsor-name'] });
    const agent = await createAgent(tx, ctx.clock, { sponsorId: sponsor.id, name: flags['agent-name'] });
    return { sponsor, agent };
  });
  const result = { sponsor: { id: sponsor.id, token: sponsor.token }, agent: { id: agent.id, token: agent.token, npub: agent.npub } };
  // The next steps are printed to be pasted: run from a clone, a bare name would not be found.
  const run = commandPrefix();
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
      `\`${run} token rotate\` issues new ones.`,
      `Nostr keys and webhook secrets are sealed under ${ctx.config.secretKeyFile}: back it up`,
      'with the database; without it they cannot be opened.',
      '',
      `Fund the agent (sandbox, no real money): ${run} fund --db ${shellWord(ctx.config.dbPath)} --agent ${agent.id} --sats 10000`,
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
  if (!(await authenticate(ctx.db, token))) {
    throw new MarketError(
      'UNAUTHORIZED',
      token ? 'MARKETPLACE_TOKEN is unknown or revoked.' : `Set MARKETPLACE_TOKEN to an agent or sponsor token (\`${commandPrefix()} init\` prints one).`,
    );
  }
  const server = createServer(ctx, {
    caller: async () => {
      const caller = await authenticate(ctx.db, token);
      if (!caller) throw new MarketError('UNAUTHORIZED', 'MARKETPLACE_TOKEN was revoked. Ask the sponsor for a new token.');
      return caller;
    },
  });
  const stopBackground = startBackgroundWork(ctx);
  await server.connect(new StdioServerTransport());
  ctx.logger.info('serving MCP over stdio', { db: ctx.config.dbPath });
  const stop = () => {
    // The leases are freed before the database closes, so another server takes the work over at once.
    void Promise.all([stopBackground(), server.close()]).finally(async () => {
      ctx.rail.close();
      await ctx.db.close();
      process.exit(0);
    });
  };
  process.stdin.on('end', stop);
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

/** How to pick another port, as the person started the server. */
function otherPortHint(): string {
  const viaNpm = process.env.npm_lifecycle_event === 'start' ? ' (with npm start: npm start -- --port N)' : '';
  return `choose another with --port N${viaNpm} or MARKETPLACE_PORT=N; --port 0 takes any free one`;
}

/** Binds the HTTP server's port, or says in words why it cannot: a port in use is the commonest first-run failure. */
async function bindHttp(ctx: AppContext): Promise<{ http: HttpServer; url: string }> {
  routeLibraryConsole(ctx.logger);
  const { host, port } = ctx.config.http;
  let http: HttpServer;
  try {
    http = await listen(createHttpApp(ctx), host, port);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const details = { host, port };
    if (code === 'EADDRINUSE') throw new MarketError('CONFLICT', `Port ${port} on ${host} is in use (another agent-marketplace, or another program): ${otherPortHint()}.`, details);
    if (code === 'EACCES') throw new MarketError('FORBIDDEN', `Port ${port} on ${host} needs privileges this user lacks: ${otherPortHint()}.`, details);
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND')
      throw new MarketError('INVALID_INPUT', `${host} is not an address of this machine: give another with --host H (or MARKETPLACE_HOST); the default is 127.0.0.1.`, details);
    throw error;
  }
  const address = http.address();
  const bound = typeof address === 'object' && address ? address.port : port;
  // --port 0 took a free port: what is printed from here on (client configuration included) names it.
  ctx.config.http.port = bound;
  const url = httpUrl(ctx.config);
  // Approval links and the console's address point here unless the operator named a public address.
  ctx.config.publicUrl ??= new URL(url).origin;
  return { http, url };
}

function keepServing(ctx: AppContext, http: HttpServer, url: string): void {
  ctx.logger.info('serving MCP over HTTP', { url, db: ctx.config.dbPath });
  const stopBackground = startBackgroundWork(ctx);
  const stop = () => {
    const stopped = stopBackground();
    http.close(async () => {
      // The leases are freed before the database closes, so another server takes the work over at once.
      await stopped;
      ctx.rail.close();
      await ctx.db.close();
      process.exit(0);
    });
    http.closeAllConnections();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

const names = {
  'sponsor-name': { type: 'string', value: 'N', summary: "the first sponsor's name", default: 'Default sponsor' },
  'agent-name': { type: 'string', value: 'N', summary: "the first agent's name", default: 'First agent' },
} as const;

export const servingCommands = [
  defineCommand({
    name: 'serve',
    section: 'Serving',
    summary: "MCP over stdio (the caller's token in MARKETPLACE_TOKEN); with --http,\n" + 'Streamable HTTP at /mcp, legacy SSE at /sse, /healthz (bearer tokens)',
    flags: { http: { type: 'boolean', summary: 'serve over HTTP instead of stdio' } },
    shared: ['serve', 'http', 'wallet'],
    async run({ ctx, flags }) {
      if (!flags.http) {
        await serveStdio(ctx);
        return RUNNING;
      }
      const { http, url } = await bindHttp(ctx);
      process.stderr.write(`agent-marketplace listening on ${url}\n`);
      keepServing(ctx, http, url);
      return RUNNING;
    },
  }),
  defineCommand({
    name: 'start',
    section: 'Serving',
    summary: "init if the database is new, then serve --http; prints the sponsor\nconsole's URL (sign in there with the sponsor token)",
    flags: names,
    shared: ['serve', 'http', 'wallet'],
    example: 'start --port 8790',
    async run({ ctx, flags }) {
      const first = await isFreshDatabase(ctx.db);
      // The port first: a busy one must not leave a database initialised behind a failed start.
      const { http, url } = await bindHttp(ctx);
      if (first) await initialise(ctx, { ...flags, json: false });
      process.stdout.write(
        `\nagent-marketplace ${VERSION} is serving MCP at ${url} (health: ${url.replace(/\/mcp$/, '/healthz')})\n\n` +
          consoleNotice(ctx.config, first) +
          `\nDatabase: ${ctx.config.dbPath}. Clients send "Authorization: Bearer <token>"; ` +
          'tokens come from `init` (above, on first start), `agent create` or `token rotate`.\nCtrl-C stops it.\n',
      );
      keepServing(ctx, http, url);
      return RUNNING;
    },
  }),
  defineCommand({
    name: 'init',
    section: 'Administration',
    summary: 'create the first sponsor and agent; prints their tokens once',
    flags: names,
    async run({ ctx, flags }) {
      await initialise(ctx, flags);
      return 0;
    },
  }),
];
