// The gate every acting call of an agent passes: gather the facts, evaluate the
// sponsor's policy, record the decision, then run, escalate or refuse, all in one
// BEGIN IMMEDIATE transaction, so concurrent calls cannot together pass a limit that
// each alone respects.
import type { Db } from '../../db/connection.js';
import { filterInOrder, mapInOrder } from '../../core/in-order.js';
import * as governance from '../../db/governance-store.js';
import * as identity from '../../db/identity-store.js';
import { findIdempotencyRecord, saveIdempotencyRecord } from '../../db/idempotency-store.js';
import { hasPaid } from '../../db/ledger-store.js';
import { canonicalHash } from '../../core/canonical-json.js';
import type { Clock } from '../clock.js';
import { ERROR_CODES, MarketError, type ErrorCode } from '../../core/errors.js';
import { refreshLifecycle, setAgentStatus } from '../agents/lifecycle.js';
import type { StoredAgentStatus } from '../agents/runway.js';
import { requireAgent } from '../agents/registry.js';
import { collectDebtsOf } from '../disputes/debts.js';
import { agentAccountId } from '../ledger/accounts.js';
import { withNamedPayees } from '../ledger/payee-scope.js';
import { utcDay } from '../ledger/transfers.js';
import { approvalView, createApproval, loadApproval, pendingAnswer, type PendingApproval } from './approvals.js';
import { recordAudit } from './audit.js';
import { counterpartyLabel, DEFAULT_FAILURE_WINDOW_MINUTES, evaluate, type ActionFacts, type UsageFacts } from './evaluate.js';
import { notifySponsor } from './notifications.js';
import { periodStart } from './periods.js';
import type { Policy } from './policy.js';
import { currentPolicy } from './policies.js';
import { spentSince } from './spending.js';

export interface GatedCall<T extends Record<string, unknown>> {
  agentId: string;
  tool: string;
  /** The call's arguments without its idempotency key: what an approval is bound to. */
  args: Record<string, unknown>;
  idempotencyKey?: string;
  /**
   * How the policy sees the call. Asked only after a retry was ruled out: a retry answers
   * what the first call did, even when the facts it was judged on no longer hold.
   */
  action: (tx: Db) => ActionFacts | Promise<ActionFacts>;
  /** The domain operation; it runs inside the gate's transaction, which it is handed. */
  execute: (tx: Db) => T | Promise<T>;
}

export type GateAnswer<T> = { kind: 'result'; result: T; warnings: string[] } | { kind: 'pending'; pending: PendingApproval };

/**
 * A refusal commits what it recorded (the audit row, a suspension) before it is thrown, so
 * the transaction is the gate's own. grouped: commit with the other calls of this turn
 * (Db.writeGrouped); the caller then awaits db.durable() before it answers.
 */
export async function passGate<T extends Record<string, unknown>>(db: Db, clock: Clock, call: GatedCall<T>, options: { grouped?: boolean } = {}): Promise<GateAnswer<T>> {
  const transaction = options.grouped ? db.writeGrouped.bind(db) : db.write.bind(db);
  const answer = await transaction(async (tx): Promise<GateAnswer<T> | { kind: 'refused'; error: MarketError }> => {
    await governance.lockAgentTurn(tx, call.agentId);
    const replay = call.idempotencyKey ? await replayed<T>(tx, clock, call) : undefined;
    if (replay) return replay;

    const declared = await call.action(tx);
    // An agent is never its own counterparty (a coordinator completing its own coalition).
    const action = { ...declared, counterparties: declared.counterparties.filter((id) => id !== call.agentId) };
    const agent = await requireAgent(tx, call.agentId);
    // What the agent owes after a lost dispute comes before anything it spends now.
    await collectDebtsOf(tx, clock, call.agentId);
    const status = await refreshLifecycle(tx, clock, call.agentId);
    const { version, policy } = await currentPolicy(tx, call.agentId);
    const facts = await usageFacts(tx, clock, call.agentId, status, policy, action);
    const decision = evaluate(policy, action, facts);
    const audit = {
      sponsorId: agent.sponsorId,
      agentId: call.agentId,
      caller: { role: 'agent', id: call.agentId },
      tool: call.tool,
      actionType: action.actionType,
      amountMsats: action.amountMsats,
      counterparty: action.counterparties[0] ?? null,
      policyVersion: version,
    };

    for (const period of decision.budgetAlerts) {
      if (await governance.recordBudgetAlert(tx, call.agentId, period, periodStart(period, clock.now()), clock.now().toISOString())) {
        await notifySponsor(tx, clock, agent.sponsorId, 'budget.threshold_reached', { agent_id: call.agentId, period, warnings: decision.warnings });
      }
    }
    for (const n of decision.notify) {
      await notifySponsor(tx, clock, agent.sponsorId, 'policy.notification', { agent_id: call.agentId, tool: call.tool, rule: n.rule, reason: n.reason });
    }
    if (decision.suspend) await setAgentStatus(tx, clock, call.agentId, 'Suspended', decision.reason);

    if (decision.outcome === 'deny') {
      await recordAudit(tx, clock, { ...audit, outcome: 'denied', rule: decision.rule, message: decision.reason });
      const error = new MarketError(decision.code, `${decision.reason} (rule: ${decision.rule}, policy v${version}).${nextStep(decision.code)}`, {
        rule: decision.rule,
        policy_version: version,
      });
      return { kind: 'refused', error };
    }

    if (decision.outcome === 'escalate') {
      const approval = await createApproval(tx, clock, {
        agentId: call.agentId,
        sponsorId: agent.sponsorId,
        tool: call.tool,
        args: call.args,
        idempotencyKey: call.idempotencyKey ?? null,
        actionType: action.actionType,
        amountMsats: action.amountMsats,
        counterparty: counterpartyLabel(action.counterparties),
        reason: `${decision.reason} (rule: ${decision.rule})`,
        rule: decision.rule,
        policyVersion: version,
        ttlHours: policy.approval_ttl_hours,
      });
      await recordAudit(tx, clock, { ...audit, outcome: 'escalated', rule: decision.rule, approvalId: approval.id, message: decision.reason });
      await notifySponsor(tx, clock, agent.sponsorId, 'approval.requested', { approval: approvalView(approval) });
      const pending = pendingAnswer(approval);
      await remember(tx, clock, call, pending);
      return { kind: 'pending', pending };
    }

    await recordAudit(tx, clock, { ...audit, outcome: 'allowed', rule: decision.rule });
    const result = await tx.write(async (tx) => withNamedPayees(tx, { tool: call.tool, callerId: call.agentId, counterparties: action.counterparties }, () => call.execute(tx)));
    await remember(tx, clock, call, result);
    return { kind: 'result', result, warnings: decision.warnings };
  });
  if (answer.kind === 'refused') throw answer.error;
  return answer;
}

function nextStep(code: string): string {
  return code === 'LIMIT_EXCEEDED' ? ' Lower the amount, wait for the period to reset, or ask your sponsor to raise the limit.' : ' Ask your sponsor if this should be allowed.';
}

async function remember(db: Db, clock: Clock, call: GatedCall<Record<string, unknown>>, result: unknown): Promise<void> {
  if (!call.idempotencyKey) return;
  await saveIdempotencyRecord(db, {
    callerId: call.agentId,
    tool: call.tool,
    key: call.idempotencyKey,
    argsHash: canonicalHash(call.args),
    result,
    createdAt: clock.now().toISOString(),
  });
}

/**
 * A retried call: the first answer again, or, when that answer was "pending approval",
 * what became of the approval since. Other arguments under the same key are refused.
 */
async function replayed<T>(db: Db, clock: Clock, call: GatedCall<Record<string, unknown>>): Promise<GateAnswer<T> | { kind: 'refused'; error: MarketError } | undefined> {
  const earlier = await findIdempotencyRecord<Record<string, unknown>>(db, call.agentId, call.tool, call.idempotencyKey!);
  if (!earlier) return undefined;
  if (earlier.argsHash !== canonicalHash(call.args)) {
    throw new MarketError(
      'IDEMPOTENCY_MISMATCH',
      `idempotency_key "${call.idempotencyKey}" was already used for ${call.tool} with different arguments. ` +
        'Use a new key for a new request, or repeat the original arguments to get the original result.',
    );
  }
  const first = earlier.result;
  if (first.status !== 'pending_approval') return { kind: 'result', result: first as T, warnings: [] };
  const approval = await loadApproval(db, clock, first.approval_id as string);
  switch (approval.status) {
    case 'pending':
      return { kind: 'pending', pending: pendingAnswer(approval) };
    case 'executed':
      return { kind: 'result', result: approval.result as T, warnings: [] };
    case 'expired':
      return {
        kind: 'refused',
        error: new MarketError('APPROVAL_EXPIRED', `Approval ${approval.id} expired unanswered; the call did not run. Call again with a new idempotency_key to ask again.`),
      };
    case 'denied':
      return {
        kind: 'refused',
        error: new MarketError('POLICY_DENIED', `Your sponsor denied approval ${approval.id}${approval.decisionReason ? `: ${approval.decisionReason}` : ''}.`),
      };
    default: {
      const failed = approval.result ?? {};
      const code = (ERROR_CODES as readonly string[]).includes(failed.error?.code ?? '') ? (failed.error!.code as ErrorCode) : 'INTERNAL';
      return { kind: 'refused', error: new MarketError(code, failed.error?.message ?? `Approval ${approval.id} failed.`) };
    }
  }
}

async function usageFacts(db: Db, clock: Clock, agentId: string, status: StoredAgentStatus, policy: Policy, action: ActionFacts): Promise<UsageFacts> {
  const account = agentAccountId(agentId);
  const now = clock.now();
  const counterpartyAgents = (await mapInOrder(action.counterparties, (id) => identity.getAgent(db, id))).filter((a) => a !== undefined);
  // The policy's own failure windows, counted here so evaluate() stays a pure function of facts.
  const windows = new Set(policy.escalation_triggers.filter((t) => t.condition === 'RepeatedFailures').map((t) => t.window_minutes ?? DEFAULT_FAILURE_WINDOW_MINUTES));
  const denials = new Map<number, number>();
  for (const minutes of windows) denials.set(minutes, await governance.countDenialsSince(db, agentId, new Date(now.getTime() - minutes * 60_000).toISOString()));
  return {
    agentStatus: status,
    spentTodayMsats: action.amountMsats > 0 ? await spentSince(db, account, utcDay(now.toISOString())) : 0,
    budgets: await mapInOrder(policy.budgets, async (budget) => {
      const start = periodStart(budget.period, now);
      return { budget, spentMsats: await spentSince(db, account, start), alerted: await governance.hasBudgetAlert(db, agentId, budget.period, start) };
    }),
    // Paid directly, or dealt with through escrow (a purchase, a hire) the policy let through.
    newCounterparties: (
      await filterInOrder(counterpartyAgents, async (a) => !(await hasPaid(db, account, agentAccountId(a.id))) && !(await governance.hasDealtWith(db, agentId, a.id)))
    ).map((a) => a.id),
    counterpartyReputations: counterpartyAgents.flatMap((a) => (a.reputation === null ? [] : [{ id: a.id, reputation: a.reputation }])),
    recentDenials: (minutes) => denials.get(minutes) ?? 0,
  };
}
