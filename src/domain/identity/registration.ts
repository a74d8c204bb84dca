// Creating sponsors and agents and issuing their tokens. Each is one transaction:
// the principal, its ledger account and its first token appear together or not at all.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/identity-store.js';
import type { PrincipalKind } from '../../db/identity-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { agentAccount, sponsorAccount, SYSTEM_ACCOUNTS } from '../ledger/accounts.js';
import { openAccount } from '../ledger/transfers.js';
import { setPolicy, sponsorDefaultPolicy } from '../governance/policies.js';
import { OPERATOR_ID, type Caller } from './caller.js';
import { generateNostrIdentity, importNpub } from './nostr-identity.js';
import { generateToken, hashToken } from './tokens.js';
import { mapInOrder } from '../../core/in-order.js';

const LIGHTNING_ADDRESS = /^[a-z0-9._+-]+@[a-z0-9.-]+\.[a-z]{2,}$/i;
const MAX_NAME_LENGTH = 100;

export interface IssuedSponsor {
  id: string;
  name: string;
  token: string;
  npub: string;
}

export interface IssuedAgent {
  id: string;
  name: string;
  sponsorId: string;
  token: string;
  npub: string;
}

function validName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed.length > MAX_NAME_LENGTH) {
    throw new MarketError('INVALID_INPUT', `A name must be 1–${MAX_NAME_LENGTH} characters.`);
  }
  return trimmed;
}

async function issueToken(db: Db, clock: Clock, kind: PrincipalKind, principalId: string): Promise<string> {
  const token = generateToken(kind);
  await store.insertToken(db, {
    id: newId('tk'),
    principalKind: kind,
    principalId,
    tokenHash: hashToken(token),
    createdAt: clock.now().toISOString(),
  });
  return token;
}

export async function ensureSystemAccounts(db: Db, clock: Clock): Promise<void> {
  await db.write(async (tx) => await mapInOrder(SYSTEM_ACCOUNTS, async (spec) => openAccount(tx, clock, spec)));
}

export async function createSponsor(db: Db, clock: Clock, input: { name: string }): Promise<IssuedSponsor> {
  const name = validName(input.name);
  return db.write(async (tx) => {
    await ensureSystemAccounts(tx, clock);
    const id = newId('sp');
    const nostr = generateNostrIdentity();
    await store.insertSponsor(tx, { id, name, npub: nostr.npub, nostrSecretKey: nostr.secretKeyHex, createdAt: clock.now().toISOString() });
    await openAccount(tx, clock, sponsorAccount(id));
    return { id, name, npub: nostr.npub, token: await issueToken(tx, clock, 'sponsor', id) };
  });
}

export async function createAgent(db: Db, clock: Clock, input: { sponsorId: string; name: string; lightningAddress?: string | null; npub?: string | null }): Promise<IssuedAgent> {
  const name = validName(input.name);
  if (input.lightningAddress && !LIGHTNING_ADDRESS.test(input.lightningAddress)) {
    throw new MarketError('INVALID_INPUT', `"${input.lightningAddress}" is not a lightning address (name@domain).`);
  }
  const identity = input.npub ? importNpub(input.npub) : generateNostrIdentity();
  return db.write(async (tx) => {
    if (!(await store.getSponsor(tx, input.sponsorId))) {
      throw new MarketError('NOT_FOUND', `No sponsor ${input.sponsorId}. Create one with \`agent-marketplace sponsor create\`.`);
    }
    const id = newId('ag');
    await store.insertAgent(tx, {
      id,
      sponsorId: input.sponsorId,
      name,
      npub: identity.npub,
      nostrSecretKey: identity.secretKeyHex,
      lightningAddress: input.lightningAddress ?? null,
      createdAt: clock.now().toISOString(),
    });
    await openAccount(tx, clock, agentAccount(id));
    await setPolicy(tx, clock, id, await sponsorDefaultPolicy(tx, input.sponsorId), 'default');
    return { id, name, sponsorId: input.sponsorId, npub: identity.npub, token: await issueToken(tx, clock, 'agent', id) };
  });
}

/** Revokes every live token of the principal and issues a new one. */
export async function rotateToken(db: Db, clock: Clock, principal: { kind: 'sponsor' | 'agent'; id: string }): Promise<{ id: string; token: string }> {
  return db.write(async (tx) => {
    const exists = principal.kind === 'sponsor' ? await store.getSponsor(tx, principal.id) : await store.getAgent(tx, principal.id);
    if (!exists) throw new MarketError('NOT_FOUND', `No ${principal.kind} ${principal.id}.`);
    await store.revokeTokens(tx, principal.kind, principal.id, clock.now().toISOString());
    recentLookups.delete(tx);
    return { id: principal.id, token: await issueToken(tx, clock, principal.kind, principal.id) };
  });
}

/** Revokes the operator's live tokens and issues a new one (the operator has no other record). */
export async function rotateOperatorToken(db: Db, clock: Clock): Promise<{ id: string; token: string }> {
  return db.write(async (tx) => {
    await store.revokeTokens(tx, 'operator', OPERATOR_ID, clock.now().toISOString());
    recentLookups.delete(tx);
    return { id: OPERATOR_ID, token: await issueToken(tx, clock, 'operator', OPERATOR_ID) };
  });
}

/** The caller a token stands for, or null for an unknown or revoked token. */
export async function authenticate(db: Db, token: string | undefined | null): Promise<Caller | null> {
  if (!token) return null;
  const found = await store.findActiveToken(db, hashToken(token.trim()));
  if (!found) return null;
  if (found.principalKind === 'operator') return { role: 'operator', id: OPERATOR_ID, name: 'operator' };
  if (found.principalKind === 'sponsor') {
    const sponsor = await store.getSponsor(db, found.principalId);
    return sponsor ? { role: 'sponsor', id: sponsor.id, name: sponsor.name } : null;
  }
  const agent = await store.getAgent(db, found.principalId);
  return agent ? { role: 'agent', id: agent.id, name: agent.name, sponsorId: agent.sponsorId } : null;
}

/** How long a token lookup is reused while nothing else has written to the database. */
export const TOKEN_LOOKUP_TTL_MS = 1_000;
/** Past this many remembered tokens the memory starts again (only valid tokens are kept). */
const MAX_RECENT_LOOKUPS = 10_000;

interface RecentLookups {
  version: number;
  callers: Map<string, { caller: Caller; at: number }>;
}
const recentLookups = new WeakMap<Db, RecentLookups>();

/**
 * authenticate, answered from memory for a token looked up within the last second, so a
 * busy HTTP server does not hash and read it on every request. A revocation takes effect
 * at once all the same: one in this process forgets everything remembered, and one by any
 * other connection (`token rotate` from a terminal, another server) changes the
 * database's data version, which is checked on every lookup. Unknown tokens are never
 * remembered, so random ones cannot fill the memory.
 */
export async function authenticateRecent(db: Db, token: string | undefined | null, now = performance.now()): Promise<Caller | null> {
  if (!token) return null;
  const version = await store.dataVersion(db);
  let recent = recentLookups.get(db);
  if (!recent || recent.version !== version || recent.callers.size >= MAX_RECENT_LOOKUPS) {
    recent = { version, callers: new Map() };
    recentLookups.set(db, recent);
  }
  const hit = recent.callers.get(token);
  if (hit && now - hit.at < TOKEN_LOOKUP_TTL_MS) return hit.caller;
  const caller = await authenticate(db, token);
  if (caller) recent.callers.set(token, { caller, at: now });
  else recent.callers.delete(token);
  return caller;
}
