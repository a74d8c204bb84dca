// Creators are agents or sponsors. Each signs with its own Nostr identity and is paid
// into its own ledger account (an agent's wallet, a sponsor's funding account).
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { MarketError } from '../../core/errors.js';
import type { Caller } from '../identity/caller.js';
import { agentAccountId, sponsorAccountId } from '../ledger/accounts.js';

export type AuthorKind = 'agent' | 'sponsor';

export interface Author {
  id: string;
  kind: AuthorKind;
  npub: string;
  /** Null when the marketplace does not hold the key (an imported npub). */
  secretKeyHex: string | null;
}

export async function authorOf(db: Db, who: { id: string; kind: AuthorKind }): Promise<Author> {
  if (who.kind === 'agent') {
    const agent = await identity.getAgent(db, who.id);
    if (!agent) throw new MarketError('NOT_FOUND', `No agent ${who.id}.`);
    return { id: agent.id, kind: 'agent', npub: agent.npub, secretKeyHex: identity.agentSecretKey(db, agent) };
  }
  const sponsor = await identity.getSponsor(db, who.id);
  if (!sponsor?.npub) throw new MarketError('NOT_FOUND', `Sponsor ${who.id} has no Nostr identity to sign skills with.`);
  return { id: sponsor.id, kind: 'sponsor', npub: sponsor.npub, secretKeyHex: identity.sponsorSecretKey(db, sponsor) };
}

export function callerAsAuthor(caller: Caller): { id: string; kind: AuthorKind } {
  if (caller.role === 'operator') throw new MarketError('FORBIDDEN', 'The operator does not author skills.');
  return { id: caller.id, kind: caller.role };
}

export function authorAccountId(skill: { authorId: string; authorKind: string }): string {
  return skill.authorKind === 'sponsor' ? sponsorAccountId(skill.authorId) : agentAccountId(skill.authorId);
}
