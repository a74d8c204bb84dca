// The inbox: everything that waits for the caller's move, newest first, each item naming
// the tool to call next and the arguments that identify the object, so a model goes from
// "what is waiting?" to the answering call without searching. Nothing here is stored: the
// items are read from each market's own state, so an answered offer leaves the inbox by
// itself, whichever transport or process answered it.
import type { Clock } from './clock.js';
import type { Db } from '../db/connection.js';
import { inboxRows, type InboxPosition, type InboxRow } from '../db/inbox-store.js';
import { decodeCursor, encodeCursor, toPage, type Page } from './pagination.js';
import { formatSats, msatsToSats } from './money.js';
import { MarketError } from '../core/errors.js';
import type { Caller } from './identity/caller.js';

/** The tool a kind of item is answered with, the toolset that holds it, and our words for it. */
export const INBOX_KINDS = {
  contract_offered: { action: 'marketplace_respond_to_contract', toolset: 'agents', says: 'offers you a contract: accept, decline or counter' },
  contract_to_deliver: { action: 'marketplace_submit_delivery', toolset: 'agents', says: 'waits for your delivery on an accepted contract' },
  delivery_to_review: { action: 'marketplace_review_delivery', toolset: 'agents', says: 'delivered work on your contract: accept (pays) or reject' },
  delivery_rejected: {
    action: 'marketplace_file_dispute',
    toolset: 'disputes',
    says: 'rejected your delivery: the rejection stands unless you dispute it before the review deadline',
  },
  submission_to_review: { action: 'marketplace_review_submission', toolset: 'bounties', says: 'submitted samples to your bounty: accept (pays) or reject' },
  coalition_invitation: { action: 'marketplace_join_coalition', toolset: 'coalitions', says: 'invites you to a coalition' },
  subtask_assigned: { action: 'marketplace_submit_subtask', toolset: 'coalitions', says: 'a coalition subtask is assigned to you: submit its result' },
  subtask_submitted: { action: 'marketplace_accept_subtask', toolset: 'coalitions', says: 'handed in a subtask you lead: accept it, or return it with a reason' },
  coalition_ready: { action: 'marketplace_complete_coalition', toolset: 'coalitions', says: 'every subtask of your coalition is accepted: complete it to pay the members' },
  dispute_to_answer: { action: 'marketplace_respond_to_dispute', toolset: 'disputes', says: 'filed a dispute against you: give your side' },
  purchase_to_confirm: {
    action: 'marketplace_confirm_purchase',
    toolset: 'data',
    says: 'sold you data: confirm what arrived (or report a wrong hash) before the window pays the seller',
  },
  approval_decided: { action: 'marketplace_get_approval', toolset: 'approvals', says: 'your sponsor decided (or the request lapsed): read the outcome' },
  approval_waiting: { action: 'marketplace_decide_approval', toolset: 'approvals', says: 'asks for your approval' },
} as const;

export type InboxKind = keyof typeof INBOX_KINDS;

export interface InboxItem {
  kind: InboxKind;
  id: string;
  action: string;
  toolset: string;
  /** What to pass to `action` to name this item (the answer itself, e.g. accept or reject, is the caller's). */
  arguments: Record<string, unknown>;
  summary: string;
  created_at: string;
  counterparty_id: string | null;
  amount_sats: number | null;
  untrusted_text: string | null;
}

/** Long enough to recognise the task; the whole text is one get_* call away. */
const TEXT_EXCERPT = 200;

function argumentsOf(row: InboxRow): Record<string, unknown> {
  switch (row.kind as InboxKind) {
    case 'contract_offered':
    case 'contract_to_deliver':
    case 'delivery_to_review':
      return { contract_id: row.id };
    case 'delivery_rejected':
      return { subject: { kind: 'contract', id: row.id } };
    case 'submission_to_review':
      return { submission_id: row.id };
    case 'coalition_invitation':
    case 'coalition_ready':
      return { coalition_id: row.id };
    case 'subtask_assigned':
    case 'subtask_submitted':
      return { coalition_id: row.coalitionId!, key: row.subtaskKey! };
    case 'dispute_to_answer':
      return { dispute_id: row.id };
    case 'purchase_to_confirm':
      return { purchase_id: row.id };
    case 'approval_decided':
    case 'approval_waiting':
      return { approval_id: row.id };
  }
}

function summaryOf(row: InboxRow, kind: InboxKind): string {
  const who = row.party ?? 'The marketplace';
  const amount = row.amountMsats !== null ? ` (${formatSats(msatsToSats(row.amountMsats))})` : '';
  const says = INBOX_KINDS[kind].says;
  // Sentences whose subject is the item rather than a party.
  if (kind === 'contract_to_deliver' || kind === 'subtask_assigned' || kind === 'coalition_ready' || kind === 'approval_decided') {
    return `${capitalise(says)}${amount}.`;
  }
  return `${who} ${says}${amount}.`;
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

function toItem(row: InboxRow): InboxItem {
  const kind = row.kind as InboxKind;
  const { action, toolset } = INBOX_KINDS[kind];
  return {
    kind,
    id: row.id,
    action,
    toolset,
    arguments: argumentsOf(row),
    summary: summaryOf(row, kind),
    created_at: row.at,
    counterparty_id: row.party,
    amount_sats: row.amountMsats === null ? null : msatsToSats(row.amountMsats),
    untrusted_text: row.text === null ? null : excerpt(row.text),
  };
}

function excerpt(text: string): string {
  const chars = [...text];
  return chars.length <= TEXT_EXCERPT ? text : `${chars.slice(0, TEXT_EXCERPT).join('')}…`;
}

/** Whose inbox: agents and sponsors have one; the operator's work is in its own queues. */
export function inboxOwner(caller: Caller): { role: 'agent' | 'sponsor'; id: string } {
  if (caller.role === 'operator') throw new MarketError('FORBIDDEN', 'The operator has no inbox.');
  return { role: caller.role, id: caller.id };
}

export async function inbox(db: Db, clock: Clock, who: { role: 'agent' | 'sponsor'; id: string }, page: { cursor?: string; limit: number }): Promise<Page<InboxItem>> {
  const after = page.cursor ? decodeCursor(page.cursor, { at: 'string', kind: 'string', id: 'string' }) : null;
  const rows = await inboxRows(db, who, clock.now().toISOString(), after as InboxPosition | null, page.limit + 1);
  return toPage(rows, page.limit, toItem, (r) => encodeCursor({ at: r.at, kind: r.kind, id: r.id }));
}

/** Changes whenever an item enters or leaves the first page: what a subscription compares. */
export async function inboxFingerprint(db: Db, clock: Clock, who: { role: 'agent' | 'sponsor'; id: string }, limit: number): Promise<string> {
  return (await inboxRows(db, who, clock.now().toISOString(), null, limit)).map((r) => `${r.kind}:${r.id}:${r.at}`).join('|');
}
