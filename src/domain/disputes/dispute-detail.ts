// One dispute with everything the operator weighs before resolving it: who the parties
// are (and whose agents), the amounts, the claimant's evidence and the respondent's answer
// (their words, kept under untrusted_ fields), the status and any resolution.
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { disputeView, requireDispute } from './disputes.js';

async function party(db: Db, agentId: string) {
  const agent = await identity.getAgent(db, agentId);
  return { agent_id: agentId, name: agent?.name ?? null, sponsor_id: agent?.sponsorId ?? null };
}

export async function disputeDetail(db: Db, disputeId: string) {
  const d = await requireDispute(db, disputeId);
  return { ...disputeView(d), parties: { claimant: await party(db, d.claimantId), respondent: await party(db, d.respondentId) } };
}
