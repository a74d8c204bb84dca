// The audit log: one append-only row per gate decision, sponsor decision and approved
// execution, with the rule and policy version that decided it.
import { newId } from '../ids.js';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/governance-store.js';
import type { Clock } from '../clock.js';
import { msatsToSats } from '../money.js';
import { decodeCursor, encodeCursor, toPage, type Page } from '../pagination.js';

export const AUDIT_OUTCOMES = ['allowed', 'escalated', 'denied'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export interface AuditEntry {
  sponsorId: string;
  agentId: string | null;
  caller: { role: string; id: string };
  tool: string;
  actionType: string;
  amountMsats: number;
  counterparty: string | null;
  outcome: AuditOutcome;
  rule: string;
  policyVersion: number | null;
  approvalId?: string | null;
  message?: string | null;
}

/**
 * A counterparty as the caller named it can be any length (a refused call names what it
 * was given); the audit keeps its start, enough to recognise it. PostgreSQL cannot index a
 * value over a few kilobytes, and the log is searched by counterparty.
 */
export const AUDIT_COUNTERPARTY_MAX = 200;
const counterpartyShown = (c: string | null) => (c !== null && c.length > AUDIT_COUNTERPARTY_MAX ? `${c.slice(0, AUDIT_COUNTERPARTY_MAX)}…` : c);

export async function recordAudit(db: Db, clock: Clock, e: AuditEntry): Promise<void> {
  await store.insertAudit(db, {
    id: newId('au'),
    sponsorId: e.sponsorId,
    agentId: e.agentId,
    callerRole: e.caller.role,
    callerId: e.caller.id,
    tool: e.tool,
    actionType: e.actionType,
    amountMsats: e.amountMsats,
    counterparty: counterpartyShown(e.counterparty),
    outcome: e.outcome,
    rule: e.rule,
    policyVersion: e.policyVersion,
    approvalId: e.approvalId ?? null,
    message: e.message ?? null,
    createdAt: clock.now().toISOString(),
  });
}

export interface AuditItem {
  id: string;
  agent_id: string | null;
  caller: string;
  tool: string;
  action_type: string;
  amount_sats: number;
  counterparty: string | null;
  outcome: string;
  rule: string;
  policy_version: number | null;
  approval_id: string | null;
  message: string | null;
  created_at: string;
}

export async function auditPage(
  db: Db,
  filter: { sponsorId: string; agentId?: string; tool?: string; outcome?: AuditOutcome; cursor?: string; limit: number },
): Promise<Page<AuditItem>> {
  const beforeSeq = filter.cursor ? (decodeCursor(filter.cursor, { seq: 'number' }).seq as number) : undefined;
  const rows = await store.listAudit(db, { ...filter, beforeSeq, limit: filter.limit + 1 });
  return toPage(
    rows,
    filter.limit,
    (r) => ({
      id: r.id,
      agent_id: r.agentId,
      caller: `${r.callerRole}:${r.callerId}`,
      tool: r.tool,
      action_type: r.actionType,
      amount_sats: msatsToSats(r.amountMsats),
      counterparty: r.counterparty,
      outcome: r.outcome,
      rule: r.rule,
      policy_version: r.policyVersion,
      approval_id: r.approvalId,
      message: r.message,
      created_at: r.createdAt,
    }),
    (r) => encodeCursor({ seq: r.seq }),
  );
}
