// The advisory locks of the PostgreSQL engine, in one place so no two uses collide. Any
// fixed numbers work, as long as they never change: every server must agree on them.

/** Held by whoever appends to the ledger's hash chain, to its commit (ledger-store.ts lastTransfer). */
export const TRANSFER_CHAIN_LOCK = 7_431_925_180_226;
/** The first half of the two-key locks that give each agent's calls turns (governance-store.ts lockAgentTurn). */
export const AGENT_TURN_LOCK_SPACE = 74_319;

/**
 * Transactions that took the chain lock first, when they had already lost the race twice
 * (pg-store.ts): they need no other lock, and asking for an agent's turn after the chain
 * (the others ask in the opposite order) could deadlock.
 */
export const holdsChainFromStart = new WeakSet<object>();
