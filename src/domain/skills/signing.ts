// A published version is signed by its publisher's Nostr key: a NIP-78 (kind 30078,
// application data) event whose content is the SHA-256 of the skill's files and whose
// d tag names the slug and version. Install checks the hash and the signature, so a
// version altered after signing (in the database, in transit, by anyone) is refused.
import { nip19 } from 'nostr-tools';
import { finalizeEvent, verifyEvent, type Event } from 'nostr-tools/pure';
import { MarketError } from '../../core/errors.js';

export const SKILL_SIGNATURE_KIND = 30078;

const dTag = (slug: string, version: string) => `agent-marketplace/skill/${slug}@${version}`;

export interface SignedContent {
  slug: string;
  version: string;
  contentSha256: string;
}

export function signSkillVersion(secretKeyHex: string, c: SignedContent, createdAtSeconds: number): Event {
  return finalizeEvent(
    {
      kind: SKILL_SIGNATURE_KIND,
      created_at: createdAtSeconds,
      tags: [
        ['d', dTag(c.slug, c.version)],
        ['x', c.contentSha256],
      ],
      content: c.contentSha256,
    },
    Uint8Array.from(Buffer.from(secretKeyHex, 'hex')),
  );
}

/** True when the event is validly signed by npub and binds exactly this slug, version and hash. */
export function isValidSkillSignature(signature: unknown, npub: string, c: SignedContent): boolean {
  const event = signature as Event;
  try {
    const decoded = nip19.decode(npub);
    if (decoded.type !== 'npub') return false;
    return (
      event?.kind === SKILL_SIGNATURE_KIND &&
      event.pubkey === decoded.data &&
      event.content === c.contentSha256 &&
      event.tags.some((t) => t[0] === 'd' && t[1] === dTag(c.slug, c.version)) &&
      verifyEvent(event)
    );
  } catch {
    return false;
  }
}

export function parseSignature(json: string): Event {
  try {
    return JSON.parse(json) as Event;
  } catch {
    throw new MarketError('INVALID_INPUT', 'signature must be a signed Nostr event as JSON.');
  }
}
