// Each agent has a Nostr identity: generated here (secret kept so the marketplace can
// sign for it, e.g. NIP-90 job requests), or an imported npub (public key only).
import { nip19 } from 'nostr-tools';
import { generateSecretKey, getPublicKey } from 'nostr-tools/pure';
import { MarketError } from '../../core/errors.js';

export interface NostrIdentity {
  npub: string;
  secretKeyHex: string | null;
}

export function generateNostrIdentity(): NostrIdentity {
  const secretKey = generateSecretKey();
  return { npub: nip19.npubEncode(getPublicKey(secretKey)), secretKeyHex: Buffer.from(secretKey).toString('hex') };
}

export function importNpub(npub: string): NostrIdentity {
  try {
    const decoded = nip19.decode(npub);
    if (decoded.type === 'npub') return { npub, secretKeyHex: null };
  } catch {
    // fall through to the error below
  }
  throw new MarketError('INVALID_INPUT', `"${npub}" is not a valid npub (bech32 Nostr public key).`);
}
