// The rule that every path paying another party names it to the gate, enforced where
// money moves rather than trusted to each tool: while a gated call runs, the ledger
// refuses to credit an agent the call did not name as a counterparty. A new tool that
// forgets its counterparties fails the first time it pays (its test, the simulator),
// instead of quietly paying someone the sponsor blocks.
import type { Db } from '../../db/connection.js';
import { agentAccountId } from './accounts.js';

interface Scope {
  tool: string;
  callerAccount: string;
  accounts: ReadonlySet<string>;
}

// Keyed by transaction: a gated call's work runs inside its own transaction (SQLite's
// transactions take turns on one handle), so at most one scope per handle is open at a time.
const scopes = new WeakMap<Db, Scope>();

/** Runs fn with the ledger accepting credits to agents only for the caller and the named counterparties. */
export async function withNamedPayees<T>(db: Db, input: { tool: string; callerId: string; counterparties: readonly string[] }, fn: () => T | Promise<T>): Promise<T> {
  const outer = scopes.get(db);
  const accounts = new Set([input.callerId, ...input.counterparties].map(agentAccountId));
  scopes.set(db, { tool: input.tool, callerAccount: agentAccountId(input.callerId), accounts });
  try {
    return await fn();
  } finally {
    if (outer) scopes.set(db, outer);
    else scopes.delete(db);
  }
}

/**
 * Called for every ledger credit with the account whose money it is: a transfer's debit
 * account, or for a payout from escrow the agent that funded the deal. Only the caller's
 * own money is judged: a call that settles another agent's deal in passing (a bounty
 * whose review window lapsed) pays under that agent's rules, checked when the deal began.
 * A programming error, not a refusal, when a gated call pays an agent it did not name.
 */
export function assertNamedPayee(db: Db, payerAccountId: string, creditAccountId: string): void {
  const scope = scopes.get(db);
  if (!scope || payerAccountId !== scope.callerAccount || !creditAccountId.startsWith(agentAccountId('')) || scope.accounts.has(creditAccountId)) return;
  throw new Error(`${scope.tool} credited ${creditAccountId} without naming that agent to the gate as a counterparty`);
}
