// Configuration: defaults, then environment, then flags. Validated once at start-up so
// a typo fails loudly instead of running with a surprise.
import os from 'node:os';
import path from 'node:path';
import envPaths from 'env-paths';
import { z } from 'zod';
import { isPostgresUrl } from './db/database-url.js';
import { defaultSecretKeyFile } from './db/secret-key.js';
import { MarketError } from './core/errors.js';
import { NETWORKS, type Network } from './domain/payments/invoice-check.js';
import type { LogLevel } from './core/logger.js';
import { defaultSkillDirs } from './domain/skills/skill-md.js';
import { parseToolsetsSetting, type Toolset } from './toolsets.js';

export const LOOPBACK_HOSTS = ['127.0.0.1', 'localhost', '::1'];
/** Requests a second per caller over HTTP: far above any agent's honest pace, far below what would starve the others. */
export const DEFAULT_RATE_LIMIT = 200;

export interface Config {
  /** The SQLite file, or the postgres:// URL of a PostgreSQL database (--database-url); a URL may hold a password, so it is shown only through displayedDatabase(). */
  dbPath: string;
  /** The key the database's secrets are sealed under (default `<dbPath>.key`; for PostgreSQL one per database in the user data directory). */
  secretKeyFile: string;
  logLevel: LogLevel;
  /** rateLimit: requests a second per caller over HTTP (bursts of twice that); 0 = no limit. */
  http: { host: string; port: number; allowedHosts: string[]; rateLimit: number };
  /** Fixed by the operator (--toolsets; "all" = every one), or null: each role's defaults, and callers open more. */
  toolsets: Toolset[] | null;
  readOnly: boolean;
  nwcUrl: string | null;
  /** The Lightning network the wallet is on: invoices for any other are refused. */
  network: Network;
  /** How long a wallet call may take before its outcome counts as unknown. */
  paymentTimeoutMs: number;
  relays: string[];
  autoApproveProviders: boolean;
  /** Where people reach this server's pages (approval pages); set by serve --http when not given. */
  publicUrl: string | null;
  /** Where marketplace_list_local_skills looks for SKILL.md folders. */
  skillDirs: string[];
  /** Where installs write each skill's files as <dir>/<slug>/ (the client's skills folder); null: nowhere. */
  installDir: string | null;
  /**
   * host:port pairs the server may fetch for agents although they are not public internet
   * addresses (a LNURL service of the operator's own, or a test's on loopback). Everything
   * else an agent makes the server fetch must resolve to public addresses only.
   */
  allowFetchHosts: string[];
  /** For the fault-injecting simulation only (sim/): moves this process's clock, so a restart can jump past deadlines. */
  clockOffsetMs: number;
}

export function defaultDbPath(): string {
  return path.join(envPaths('agent-marketplace', { suffix: '' }).data, 'marketplace.db');
}

export interface ConfigInput {
  db?: string;
  /** postgres://…: the database is PostgreSQL; it wins over db. */
  databaseUrl?: string;
  secretKeyFile?: string;
  logLevel?: string;
  host?: string;
  port?: string | number;
  allowedHosts?: string[];
  rateLimit?: string | number;
  toolsets?: string;
  readOnly?: boolean;
  nwcUrl?: string;
  network?: string;
  paymentTimeoutMs?: number;
  relays?: string[];
  autoApproveProviders?: boolean;
  publicUrl?: string;
  skillDirs?: string[];
  installDir?: string;
  allowFetchHosts?: string[];
}

const list = (value: string | undefined): string[] =>
  (value ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const schema = z.object({
  dbPath: z.string().min(1),
  secretKeyFile: z.string().min(1).optional(),
  logLevel: z.enum(['debug', 'info', 'warn', 'error']),
  host: z.string().min(1),
  port: z.coerce.number().int().min(0).max(65535),
  allowedHosts: z.array(z.string()),
  rateLimit: z.coerce.number().int().min(0).max(1_000_000),
  readOnly: z.boolean(),
  nwcUrl: z.string().startsWith('nostr+walletconnect://', 'must be a nostr+walletconnect:// URL').nullable(),
  network: z.enum(NETWORKS),
  paymentTimeoutMs: z.coerce.number().int().min(100).max(600_000),
  relays: z.array(z.string().regex(/^wss?:\/\//, 'must be a ws:// or wss:// URL')),
  autoApproveProviders: z.boolean(),
  publicUrl: z.url({ protocol: /^https?$/ }).nullable(),
  clockOffsetMs: z.coerce.number().int(),
  allowFetchHosts: z.array(
    z
      .string()
      .transform((s) => s.toLowerCase())
      .pipe(z.string().regex(/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:3000 or [::1]:3000')),
  ),
});

/**
 * Absolute, with a leading ~ expanded: MCP clients start servers from their JSON config
 * without a shell, so `--install-dir ~/.claude/skills` reaches us unexpanded.
 */
function installDirOf(dir: string | undefined, env: NodeJS.ProcessEnv): string | null {
  if (dir === undefined) return null;
  if (dir.trim() === '') throw new MarketError('INVALID_INPUT', 'Configuration installDir: give a folder, e.g. --install-dir ~/.claude/skills.');
  const home = env.HOME ?? os.homedir();
  return path.resolve(dir === '~' ? home : dir.startsWith('~/') ? path.join(home, dir.slice(2)) : dir);
}

export function loadConfig(flags: ConfigInput = {}, env: NodeJS.ProcessEnv = process.env): Config {
  const toolsets = list(flags.toolsets ?? env.MARKETPLACE_TOOLSETS);
  const parsed = schema.safeParse({
    dbPath: flags.databaseUrl ?? (env.MARKETPLACE_DATABASE_URL || undefined) ?? flags.db ?? env.MARKETPLACE_DB ?? defaultDbPath(),
    secretKeyFile: flags.secretKeyFile ?? (env.MARKETPLACE_SECRET_KEY_FILE || undefined),
    logLevel: flags.logLevel ?? env.MARKETPLACE_LOG_LEVEL ?? 'info',
    host: flags.host ?? env.MARKETPLACE_HOST ?? '127.0.0.1',
    port: flags.port ?? env.MARKETPLACE_PORT ?? 8787,
    allowedHosts: flags.allowedHosts?.length ? flags.allowedHosts : list(env.MARKETPLACE_ALLOWED_HOSTS),
    rateLimit: flags.rateLimit ?? env.MARKETPLACE_RATE_LIMIT ?? DEFAULT_RATE_LIMIT,
    readOnly: flags.readOnly ?? ['1', 'true'].includes(env.MARKETPLACE_READ_ONLY ?? ''),
    nwcUrl: flags.nwcUrl ?? env.MARKETPLACE_NWC_URL ?? null,
    network: flags.network ?? env.MARKETPLACE_LN_NETWORK ?? 'bitcoin',
    paymentTimeoutMs: flags.paymentTimeoutMs ?? env.MARKETPLACE_PAYMENT_TIMEOUT_MS ?? 60_000,
    relays: flags.relays?.length ? flags.relays : list(env.MARKETPLACE_RELAYS),
    autoApproveProviders: flags.autoApproveProviders ?? false,
    publicUrl: flags.publicUrl ?? env.MARKETPLACE_PUBLIC_URL ?? null,
    clockOffsetMs: env.MARKETPLACE_CLOCK_OFFSET_MS ?? 0,
    allowFetchHosts: flags.allowFetchHosts?.length ? flags.allowFetchHosts : list(env.MARKETPLACE_ALLOW_FETCH_HOSTS),
  });
  if (!parsed.success) {
    const first = parsed.error.issues[0]!;
    throw new MarketError('INVALID_INPUT', `Configuration ${first.path.join('.')}: ${first.message}`);
  }
  const c = { ...parsed.data, toolsets: parseToolsetsSetting(toolsets) };
  const loopback = LOOPBACK_HOSTS.includes(c.host);
  if (!loopback && c.allowedHosts.length === 0) {
    throw new MarketError(
      'INVALID_INPUT',
      `Binding to ${c.host} exposes the server beyond this machine: name the host names clients will use with --allowed-host (or MARKETPLACE_ALLOWED_HOSTS) so DNS-rebinding protection stays on.`,
    );
  }
  if ((flags.databaseUrl ?? env.MARKETPLACE_DATABASE_URL) && !isPostgresUrl(c.dbPath)) {
    throw new MarketError('INVALID_INPUT', 'Configuration databaseUrl: must be a PostgreSQL URL, postgres://user:password@host:5432/name.');
  }
  // Absolute, so the client configurations `init` prints work from wherever an IDE starts them.
  const dbPath = c.dbPath === ':memory:' || isPostgresUrl(c.dbPath) ? c.dbPath : path.resolve(c.dbPath);
  return {
    dbPath,
    secretKeyFile: c.secretKeyFile ? path.resolve(c.secretKeyFile) : defaultSecretKeyFile(dbPath),
    logLevel: c.logLevel,
    http: {
      host: c.host,
      port: c.port,
      allowedHosts: c.allowedHosts.length ? c.allowedHosts : ['127.0.0.1', 'localhost', '[::1]'],
      rateLimit: c.rateLimit,
    },
    toolsets: c.toolsets,
    readOnly: c.readOnly,
    nwcUrl: c.nwcUrl,
    network: c.network,
    paymentTimeoutMs: c.paymentTimeoutMs,
    relays: c.relays,
    autoApproveProviders: c.autoApproveProviders,
    publicUrl: c.publicUrl?.replace(/\/+$/, '') ?? null,
    clockOffsetMs: c.clockOffsetMs,
    allowFetchHosts: c.allowFetchHosts,
    installDir: installDirOf(flags.installDir ?? (env.MARKETPLACE_INSTALL_DIR || undefined), env),
    skillDirs: flags.skillDirs?.length ? flags.skillDirs : list(env.MARKETPLACE_SKILLS_DIRS).length ? list(env.MARKETPLACE_SKILLS_DIRS) : defaultSkillDirs(),
  };
}
