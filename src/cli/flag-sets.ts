// Options several commands share, declared once: every database command takes the
// database group; the servers and the commands that may pay or publish outside take the
// others. A command names the groups it takes (`shared`), and its help lists them.
import { DEFAULT_RATE_LIMIT } from '../config.js';
import { NETWORKS } from '../domain/payments/invoice-check.js';
import { DEFAULT_TOOLSETS, TOOLSETS } from '../toolsets.js';
import type { FlagSpecs } from './flag-spec.js';

export const FLAG_SETS = {
  database: {
    db: { type: 'string', value: 'PATH', summary: 'the database file', env: 'MARKETPLACE_DB', defaultText: 'marketplace.db in the user data directory' },
    'database-url': {
      type: 'string',
      value: 'URL',
      summary: 'a PostgreSQL database instead of the file (postgres://user:password@host:5432/name): several servers can share it',
      env: 'MARKETPLACE_DATABASE_URL',
    },
    'secret-key-file': {
      type: 'string',
      value: 'PATH',
      summary: "the key the database's secrets are sealed under",
      env: 'MARKETPLACE_SECRET_KEY_FILE',
      defaultText: 'PATH.key beside the database',
    },
    json: { type: 'boolean', summary: 'one JSON object on stdout, nothing else' },
    'log-level': {
      type: 'string',
      value: 'L',
      summary: 'how much to log; logs go to stderr',
      choices: ['debug', 'info', 'warn', 'error'],
      env: 'MARKETPLACE_LOG_LEVEL',
      defaultText: 'info',
    },
  },
  wallet: {
    'nwc-url': {
      type: 'string',
      value: 'URL',
      summary: "the operator's Nostr Wallet Connect URL: real Lightning payments",
      env: 'MARKETPLACE_NWC_URL',
      defaultText: 'the sandbox rail, no real money',
    },
    network: {
      type: 'string',
      value: 'NET',
      summary: 'the Lightning network the wallet is on; invoices for another are refused',
      choices: NETWORKS,
      env: 'MARKETPLACE_LN_NETWORK',
      defaultText: 'bitcoin',
    },
    relay: { type: 'string', value: 'URL', multiple: true, summary: 'a Nostr relay, repeatable', env: 'MARKETPLACE_RELAYS, comma-separated' },
    'allow-fetch-host': {
      type: 'string',
      value: 'HOST:PORT',
      multiple: true,
      summary: "let agents' lightning addresses reach this non-public host:port, repeatable:\na LNURL service of your own",
      env: 'MARKETPLACE_ALLOW_FETCH_HOSTS',
    },
  },
  serve: {
    toolsets: {
      type: 'string',
      value: 'a,b',
      summary:
        'serve exactly these tool groups, or all; without it each caller starts with a few and\n' +
        'opens others with marketplace_enable_toolsets\n' +
        `(agents: ${DEFAULT_TOOLSETS.agent.join(', ')}; sponsors: ${DEFAULT_TOOLSETS.sponsor.join(', ')})\n` +
        `groups: ${TOOLSETS.join(', ')}`,
      env: 'MARKETPLACE_TOOLSETS',
    },
    'read-only': { type: 'boolean', summary: 'hide every tool that is not read-only', env: 'MARKETPLACE_READ_ONLY=1' },
    'auto-approve-providers': { type: 'boolean', summary: 'route jobs to every discovered compute provider without listing review' },
    'public-url': {
      type: 'string',
      value: 'URL',
      summary: "where people reach this server's console and approval pages",
      env: 'MARKETPLACE_PUBLIC_URL',
      defaultText: 'the HTTP address',
    },
    'install-dir': {
      type: 'string',
      value: 'DIR',
      summary: "write each installed skill's verified files to DIR/<slug>/:\n~/.claude/skills for Claude Code, ~/.codex/skills for Codex",
      env: 'MARKETPLACE_INSTALL_DIR',
    },
    'skills-dir': {
      type: 'string',
      value: 'DIR',
      multiple: true,
      summary: 'where marketplace_list_local_skills looks for SKILL.md folders, repeatable',
      env: 'MARKETPLACE_SKILLS_DIRS, comma-separated',
      defaultText: '~/.claude/skills, ~/.codex/skills and ./skills',
    },
  },
  http: {
    host: { type: 'string', value: 'H', summary: 'the address to listen on', env: 'MARKETPLACE_HOST', defaultText: '127.0.0.1' },
    port: { type: 'string', value: 'P', summary: 'the port to listen on; 0 takes any free one', env: 'MARKETPLACE_PORT', defaultText: '8787' },
    'allowed-host': {
      type: 'string',
      value: 'NAME',
      multiple: true,
      summary: 'a Host header clients may send, repeatable; needed off loopback\n(DNS-rebinding protection)',
      env: 'MARKETPLACE_ALLOWED_HOSTS, comma-separated',
    },
    'rate-limit': {
      type: 'string',
      value: 'N',
      summary: 'calls a second per caller, batches counted by call; 0: no limit',
      env: 'MARKETPLACE_RATE_LIMIT',
      defaultText: String(DEFAULT_RATE_LIMIT),
    },
  },
  sessions: {
    'claude-dir': { type: 'string', value: 'DIR', summary: "Claude Code's session files", defaultText: '~/.claude/projects' },
    'codex-dir': { type: 'string', value: 'DIR', summary: "Codex's session files", defaultText: '~/.codex/sessions' },
    config: {
      type: 'string',
      value: 'FILE',
      summary: 'the settings file; the record of contributions is kept beside it',
      defaultText: 'trajectories.json in the user config folder',
    },
    json: { type: 'boolean', summary: 'one JSON object on stdout, nothing else' },
  },
} as const satisfies Record<string, FlagSpecs>;

export type FlagSetName = keyof typeof FLAG_SETS;

/** Headings of the shared groups in the help. */
export const FLAG_SET_TITLES: Record<FlagSetName, string> = {
  database: 'Database options',
  wallet: 'Wallet and Nostr options',
  serve: 'Serving options',
  http: 'HTTP options',
  sessions: 'Session options',
};
