// Who is in the marketplace, as the operator reads it: every sponsor, and every agent (or
// one sponsor's) with its wallet. The same wallet reading a sponsor's check_balance gets,
// so a status or balance here never disagrees with the agent's own view.
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import * as roster from '../../db/roster-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { msatsToSats } from '../money.js';
import { agentWallet } from './wallet.js';
import { mapInOrder } from '../../core/in-order.js';

export async function requireSponsor(db: Db, sponsorId: string): Promise<identity.SponsorRow> {
  const sponsor = await identity.getSponsor(db, sponsorId);
  if (!sponsor) throw new MarketError('NOT_FOUND', `No sponsor ${sponsorId}. \`sponsors list\` shows them.`);
  return sponsor;
}

/** The agents of one sponsor, or of every sponsor when sponsorId is null. */
export async function agentRoster(db: Db, clock: Clock, sponsorId: string | null) {
  const rows = sponsorId === null ? await roster.listAgents(db) : (await requireSponsor(db, sponsorId), await identity.listSponsorAgents(db, sponsorId));
  const sponsorNames = new Map<string, string>();
  return await mapInOrder(rows, async (agent) => {
    const wallet = await agentWallet(db, clock, agent.id);
    if (!sponsorNames.has(agent.sponsorId)) sponsorNames.set(agent.sponsorId, (await identity.getSponsor(db, agent.sponsorId))?.name ?? '');
    return {
      agent_id: agent.id,
      name: agent.name,
      sponsor_id: agent.sponsorId,
      sponsor_name: sponsorNames.get(agent.sponsorId)!,
      status: wallet.status,
      balance_sats: msatsToSats(wallet.balanceMsats),
      held_sats: msatsToSats(wallet.heldMsats),
      available_sats: msatsToSats(wallet.availableMsats),
      runway_days: wallet.runwayDays,
      npub: agent.npub,
      lightning_address: agent.lightningAddress,
      created_at: agent.createdAt,
    };
  });
}

/** Every sponsor, with how many agents it has and what they hold between them. */
export async function sponsorRoster(db: Db, clock: Clock) {
  const agents = await agentRoster(db, clock, null);
  return (await roster.listSponsors(db)).map((sponsor) => {
    const own = agents.filter((a) => a.sponsor_id === sponsor.id);
    return {
      sponsor_id: sponsor.id,
      name: sponsor.name,
      npub: sponsor.npub,
      agent_count: own.length,
      agents_balance_sats: own.reduce((sum, a) => sum + a.balance_sats, 0),
      webhook_url: sponsor.webhookUrl,
      created_at: sponsor.createdAt,
    };
  });
}
