// Access grants: proof that a buyer may fetch a dataset, which a seller's storage can
// check without asking us. A grant is a Nostr event signed by the marketplace's own key
// (kind 30078, application data) naming the purchase, listing, buyer and content hash,
// with a NIP-40 expiration tag; anyone holding the marketplace's npub can verify it.
import { randomBytes } from 'node:crypto';
import { nip19 } from 'nostr-tools';
import { finalizeEvent, getPublicKey, verifyEvent, type Event } from 'nostr-tools/pure';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/data-store.js';
import { GRANT_SIGNING_KEY } from '../../db/secret-key.js';
import type { Clock } from '../clock.js';

export const GRANT_KIND = 30078;
/** A grant is short-lived; the buyer asks for a fresh one (marketplace_get_purchase) when it lapses. */
export const GRANT_TTL_HOURS = 24;

export interface GrantClaims {
  purchase_id: string;
  listing_id: string;
  buyer_id: string;
  sha256: string;
  location: string | null;
  expires_at: string;
}

/** The marketplace's signing key, made on first use and kept sealed in the database. */
export async function signingKey(db: Db, clock: Clock): Promise<Uint8Array> {
  return db.write(async (tx) => {
    let hex = await store.getSecretSetting(tx, GRANT_SIGNING_KEY);
    if (!hex) await store.insertSecretSetting(tx, GRANT_SIGNING_KEY, (hex = randomBytes(32).toString('hex')), clock.now().toISOString());
    return Uint8Array.from(Buffer.from(hex, 'hex'));
  });
}

export async function marketplaceNpub(db: Db, clock: Clock): Promise<string> {
  return nip19.npubEncode(getPublicKey(await signingKey(db, clock)));
}

/** A grant as tools return it: the signed event (what a seller verifies) and, for convenience, when it lapses and who signed. */
export interface AccessGrant {
  event: Event;
  expires_at: string;
  signer_npub: string;
}

/** Lasts GRANT_TTL_HOURS, or until `accessUntil` (a subscription's end) if sooner: a grant never outlives the access it proves. */
export async function issueGrant(db: Db, clock: Clock, claims: Omit<GrantClaims, 'expires_at'>, accessUntil: string | null): Promise<AccessGrant> {
  const now = clock.now();
  const ttlEnd = now.getTime() + GRANT_TTL_HOURS * 3_600_000;
  const expires = new Date(accessUntil === null ? ttlEnd : Math.min(ttlEnd, Date.parse(accessUntil)));
  const full: GrantClaims = { ...claims, expires_at: expires.toISOString() };
  const event = finalizeEvent(
    {
      kind: GRANT_KIND,
      created_at: Math.floor(now.getTime() / 1000),
      tags: [
        ['d', `agent-marketplace/data-grant/${claims.purchase_id}`],
        ['x', claims.sha256],
        ['expiration', String(Math.floor(expires.getTime() / 1000))],
      ],
      content: JSON.stringify(full),
    },
    await signingKey(db, clock),
  );
  return { event, expires_at: full.expires_at, signer_npub: nip19.npubEncode(event.pubkey) };
}

export type GrantCheck = { valid: true; claims: GrantClaims } | { valid: false; reason: string };

/** Checks signature, signer and expiry. Whether the purchase still stands is the caller's question. */
export async function checkGrant(db: Db, clock: Clock, grant: unknown): Promise<GrantCheck> {
  const event = grant as Event;
  let claims: GrantClaims;
  try {
    if (event?.kind !== GRANT_KIND || !verifyEvent(event)) return { valid: false, reason: 'The signature does not verify.' };
    claims = JSON.parse(event.content) as GrantClaims;
  } catch {
    return { valid: false, reason: 'Not a signed access grant.' };
  }
  if (event.pubkey !== getPublicKey(await signingKey(db, clock))) return { valid: false, reason: 'Not signed by this marketplace.' };
  if (!(Date.parse(claims.expires_at) > clock.now().getTime())) return { valid: false, reason: `Expired at ${claims.expires_at}.` };
  return { valid: true, claims };
}
