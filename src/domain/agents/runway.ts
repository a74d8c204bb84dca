// The seed's wallet rules (SEED-RULES.md, "Agent wallet and lifecycle"), as pure functions.
export const BURN_WINDOW_DAYS = 7;
export const DEFAULT_LOW_BALANCE_DAYS = 7;

/** What is stored; LowBalance is read from the runway, never stored. */
export const STORED_AGENT_STATUSES = ['Active', 'Suspended', 'Terminated'] as const;
export type StoredAgentStatus = (typeof STORED_AGENT_STATUSES)[number];
export const AGENT_STATUSES = ['Active', 'LowBalance', 'Suspended', 'Terminated'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/**
 * days_until_broke = floor(available / daily_burn) with daily_burn = spend / window,
 * i.e. floor(available · window / spend); null when nothing was spent in the window.
 * BigInt keeps the product exact for any balance the ledger can hold.
 */
export function runwayDays(availableMsats: number, spentInWindowMsats: number, windowDays = BURN_WINDOW_DAYS): number | null {
  if (spentInWindowMsats <= 0) return null;
  if (availableMsats <= 0) return 0;
  return Number((BigInt(availableMsats) * BigInt(windowDays)) / BigInt(spentInWindowMsats));
}

/** can_operate_for_days(n) = available ≥ daily_burn · n, exactly. */
export function canOperateForDays(availableMsats: number, spentInWindowMsats: number, days: number, windowDays = BURN_WINDOW_DAYS): boolean {
  return BigInt(availableMsats) * BigInt(windowDays) >= BigInt(spentInWindowMsats) * BigInt(days);
}

export function lifecycleStatus(stored: StoredAgentStatus, runway: number | null, lowBalanceDays = DEFAULT_LOW_BALANCE_DAYS): AgentStatus {
  if (stored !== 'Active') return stored;
  return runway !== null && runway < lowBalanceDays ? 'LowBalance' : 'Active';
}
