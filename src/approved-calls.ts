// Running an approved call: the same tool, the same arguments, as the agent that asked.
import type { AppContext } from './context.js';
import type { ApprovalRow } from './db/governance-store.js';
import type { ApprovedCallRunner } from './domain/governance/approvals.js';
import { counterpartyLabel, type ActionFacts } from './domain/governance/evaluate.js';
import { withNamedPayees } from './domain/ledger/payee-scope.js';
import { formatSats, msatsToSats } from './domain/money.js';
import { requireAgent } from './domain/agents/registry.js';
import { MarketError } from './core/errors.js';
import { ALL_TOOLS } from './tools/index.js';

/**
 * The sponsor approved an amount and a counterparty. The same arguments can mean more by
 * now (an install without a version when a dearer version came out) or someone else (a
 * hire that picks the best candidate): such a call does not run on that approval.
 */
function holdToApproval(approval: ApprovalRow, now: ActionFacts): void {
  if (now.amountMsats > approval.amountMsats) {
    throw new MarketError(
      'CONFLICT',
      `This call would now cost ${formatSats(msatsToSats(now.amountMsats))}, more than the ${formatSats(msatsToSats(approval.amountMsats))} approved; it did not run. The agent may ask again.`,
    );
  }
  const parties = counterpartyLabel(now.counterparties);
  if (approval.counterparty !== null && parties !== approval.counterparty) {
    throw new MarketError('CONFLICT', `This call would now deal with ${parties ?? 'no one'}, not ${approval.counterparty} as approved; it did not run. The agent may ask again.`);
  }
}

/** A runner that can also say when the outside work of the calls it ran has finished. */
export interface TrackedCallRunner extends ApprovedCallRunner {
  /**
   * Resolves once every call it ran has finished its outside work (paid its invoice, or
   * failed to and left it to the sweep). A one-shot command (`approvals approve`) waits for
   * this, then closes the rail, so it ends as soon as its work is done.
   */
  settled(): Promise<void>;
}

export function approvedCallRunner(ctx: AppContext): TrackedCallRunner {
  const outside = new Set<Promise<void>>();
  const run: ApprovedCallRunner = async (approval, tx) => {
    const tool = ALL_TOOLS.find((t) => t.name === approval.tool);
    if (!tool) throw new MarketError('INTERNAL', `Tool ${approval.tool} no longer exists.`);
    const agent = await requireAgent(tx, approval.agentId);
    const args = { ...approval.args, ...(approval.idempotencyKey ? { idempotency_key: approval.idempotencyKey } : {}) };
    const parsed = tool.input.safeParse(args);
    if (!parsed.success) throw new MarketError('INVALID_INPUT', `The approved arguments no longer fit ${tool.name}.`);
    const caller = { role: 'agent' as const, id: agent.id, name: agent.name, sponsorId: agent.sponsorId };
    // The call's own work runs in the decision's transaction: its context's database is that transaction.
    const call = { ctx: { ...ctx, db: tx }, caller, approvedCalls: run };
    const facts = await tool.action?.(parsed.data, call);
    if (facts) holdToApproval(approval, facts);
    const counterparties = facts?.counterparties ?? [];
    const result = await withNamedPayees(tx, { tool: tool.name, callerId: agent.id, counterparties }, () => tool.handler(parsed.data, call));
    // What the call does outside the database (paying an invoice) waits until the
    // decision's transaction has committed (this runs inside it), then follows on its
    // own; the background sweep retries it if it fails.
    const after = tool.after;
    if (after) {
      const work = new Promise<void>((resolve) => setImmediate(resolve))
        .then(() => after(result, call))
        .then(
          () => undefined,
          (error: unknown) => ctx.logger.warn('approved call did not finish its outside work; the sweep will retry', { tool: tool.name, error: String(error) }),
        )
        .finally(() => outside.delete(work));
      outside.add(work);
    }
    return result;
  };
  return Object.assign(run, {
    async settled() {
      while (outside.size > 0) await Promise.all(outside);
    },
  });
}
