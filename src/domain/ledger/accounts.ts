// Ledger accounts. Every agent has a wallet, every sponsor a funding account; the
// platform keeps revenue and escrow; external accounts stand for money outside the
// ledger (the sandbox rail, Lightning) and are the only ones that may go negative, so
// the sum over all accounts is always zero.
export type AccountKind = 'agent' | 'sponsor' | 'provider' | 'platform' | 'escrow' | 'external';

export interface AccountSpec {
  id: string;
  kind: AccountKind;
  ownerId: string | null;
  allowNegative: boolean;
}

export const agentAccountId = (agentId: string): string => `agent:${agentId}`;
export const sponsorAccountId = (sponsorId: string): string => `sponsor:${sponsorId}`;

export const PLATFORM_REVENUE: AccountSpec = { id: 'platform:revenue', kind: 'platform', ownerId: null, allowNegative: false };
export const ESCROW: AccountSpec = { id: 'platform:escrow', kind: 'escrow', ownerId: null, allowNegative: false };
export const EXTERNAL_SANDBOX: AccountSpec = { id: 'external:sandbox', kind: 'external', ownerId: null, allowNegative: true };
export const EXTERNAL_LIGHTNING: AccountSpec = { id: 'external:lightning', kind: 'external', ownerId: null, allowNegative: true };

/**
 * What the operator paid from its own pocket: Lightning fees a wallet charged above the
 * reserve the agent was held for (NIP-47 lets a client set no fee limit). Negative by
 * what has been absorbed, so the ledger still moves exactly as the wallet did.
 */
export const OPERATOR_COSTS: AccountSpec = { id: 'platform:costs', kind: 'platform', ownerId: null, allowNegative: true };
/** Where money outside the ledger sits for a payment rail. */
export const externalAccountFor = (rail: string): string => (rail === 'nwc' ? EXTERNAL_LIGHTNING.id : EXTERNAL_SANDBOX.id);
export const SYSTEM_ACCOUNTS: readonly AccountSpec[] = [PLATFORM_REVENUE, ESCROW, EXTERNAL_SANDBOX, EXTERNAL_LIGHTNING, OPERATOR_COSTS];

export function agentAccount(agentId: string): AccountSpec {
  return { id: agentAccountId(agentId), kind: 'agent', ownerId: agentId, allowNegative: false };
}

export function sponsorAccount(sponsorId: string): AccountSpec {
  return { id: sponsorAccountId(sponsorId), kind: 'sponsor', ownerId: sponsorId, allowNegative: false };
}

/** Balances of one account in millisats. available = balance − held, never below zero. */
export interface AccountBalance {
  accountId: string;
  balanceMsats: number;
  heldMsats: number;
  availableMsats: number;
}
