// Tool groups. A model pays for every tool definition it is shown, on every conversation,
// so a caller starts with the groups most sessions need and opens the others while it
// works (marketplace_enable_toolsets), as github-mcp-server's dynamic toolsets do.
// An operator who fixes the groups (--toolsets) gets exactly those and nothing opens.
import { MarketError } from './core/errors.js';
import type { Role } from './domain/identity/caller.js';

export const TOOLSET_DESCRIPTIONS = {
  context: 'Who you are, what waits for you (inbox), and these toolsets.',
  wallet: 'Balance, ledger history, payments to agents; Lightning top-ups and withdrawals.',
  approvals: 'Requests your sponsor must decide; sponsors decide them.',
  governance: "Sponsors: agents' policies, audit log, suspending an agent.",
  skills: 'Find, install, use and rate skills.',
  skill_publishing: 'Publish skills, submit them for review, creator analytics.',
  agents: 'Agent profiles; hire an agent, or take and deliver contracts.',
  coalitions: 'Teams that share a pooled payment: propose, join, subtasks, complete.',
  data: 'Buy and sell datasets.',
  bounties: 'Data bounties: post one, contribute samples or coding trajectories, review submissions.',
  compute: 'Compute jobs from Nostr NIP-90 providers; providers register here.',
  disputes: 'File, answer and follow disputes over deals.',
} as const;

export type Toolset = keyof typeof TOOLSET_DESCRIPTIONS;
export const TOOLSETS = Object.keys(TOOLSET_DESCRIPTIONS) as Toolset[];

/**
 * What a caller is shown before it asks for more, measured against what sessions do
 * (test/integration/tool-surface.test.ts prints the cost): an agent mostly checks its
 * money, follows approvals and uses skills; a sponsor steers agents. The operator's
 * seven tools are all it has, so it sees them all.
 */
export const DEFAULT_TOOLSETS: Record<Role, readonly Toolset[]> = {
  agent: ['context', 'wallet', 'approvals', 'skills'],
  sponsor: ['context', 'wallet', 'approvals', 'governance'],
  operator: TOOLSETS,
};

/** Toolsets that stay on whatever --toolsets says: a client always learns who it is and what waits. */
export const ALWAYS_ON_TOOLSETS: readonly Toolset[] = ['context'];

export function isToolset(name: string): name is Toolset {
  return Object.hasOwn(TOOLSET_DESCRIPTIONS, name);
}

/** The names as given, or INVALID_INPUT naming the valid ones (a typo must not silently serve nothing). */
export function toToolsets(names: readonly string[], where: string): Toolset[] {
  const unknown = names.filter((n) => !isToolset(n));
  if (unknown.length > 0) {
    throw new MarketError('INVALID_INPUT', `${where}: unknown toolset ${unknown.map((n) => `"${n}"`).join(', ')}. Valid toolsets: ${TOOLSETS.join(', ')} (or all).`, {
      unknown,
      valid: TOOLSETS,
    });
  }
  return [...new Set(names as Toolset[])];
}

/**
 * --toolsets / MARKETPLACE_TOOLSETS: nothing → null (each role's defaults, and callers
 * may open more); "all" → every toolset; otherwise exactly the named ones.
 */
export function parseToolsetsSetting(names: readonly string[]): Toolset[] | null {
  if (names.length === 0) return null;
  if (names.includes('all')) return [...TOOLSETS];
  return toToolsets(names, 'Configuration toolsets');
}

/** The groups a caller sees: fixed by the operator, else what the caller chose, else its role's defaults. */
export function activeToolsets(role: Role, fixed: readonly Toolset[] | null, chosen: readonly Toolset[] | null): Toolset[] {
  return [...new Set([...ALWAYS_ON_TOOLSETS, ...(fixed ?? chosen ?? DEFAULT_TOOLSETS[role])])];
}
