// One dispute with everything the operator weighs before resolving it: who the parties
// are (and whose agents), the amounts, the claimant's evidence and the respondent's answer
// (their words, kept under untrusted_ fields), the status and any resolution.
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { disputeView, requireDispute } from './disputes.js';

function party(db: Db, agentId: string) {
  const agent = identity.getAgent(db, agentId);
  return { agent_id: agentId, name: agent?.name ?? null, sponsor_id: agent?.sponsorId ?? null };
}

export function disputeDetail(db: Db, disputeId: string) {
  const d = requireDispute(db, disputeId);
  return { ...disputeView(d), parties: { claimant: party(db, d.claimantId), respondent: party(db, d.respondentId) } };
}
