// Secrets the marketplace must use again (agents' and sponsors' Nostr keys, webhook
// signing secrets, its own signing key) are stored sealed: AES-256-GCM under a key kept
// outside the database file, bound to the row they belong to. A copy of the database
// alone (a backup, a file attached to a bug report) does not give them away, and a sealed
// value moved into another row does not open there.
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { MarketError } from '../core/errors.js';

const PREFIX = 'sealed:v1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const SECRET_KEY_BYTES = 32;

export interface Sealer {
  /** Seals `plain` for the place named by `context` (table, column and row). */
  seal(plain: string, context: string): string;
  /** The plain text of a value sealed for this context; a value sealed elsewhere or under another key does not open. */
  open(sealed: string, context: string): string;
  /** Names the key without revealing it: stored in the database to recognise the right key. */
  readonly fingerprint: string;
}

export const isSealed = (value: string) => value.startsWith(PREFIX);

export function keyFingerprint(key: Buffer): string {
  return createHmac('sha256', key).update('agent-marketplace secret key fingerprint').digest('hex').slice(0, 16);
}

export function sealer(key: Buffer): Sealer {
  if (key.length !== SECRET_KEY_BYTES) throw new Error(`a sealing key is ${SECRET_KEY_BYTES} bytes`);
  return {
    fingerprint: keyFingerprint(key),
    seal(plain, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, iv).setAAD(Buffer.from(context));
      const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
      return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
    },
    open(sealed, context) {
      const raw = isSealed(sealed) ? Buffer.from(sealed.slice(PREFIX.length), 'base64url') : null;
      try {
        if (!raw || raw.length < IV_BYTES + TAG_BYTES) throw new Error('not a sealed value');
        const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES)).setAAD(Buffer.from(context));
        decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
        return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
      } catch {
        // Someone edited the row, moved a value between rows, or the database is read with another key.
        throw new MarketError('INTERNAL', `The stored secret of ${context} does not open: it was altered or moved, or sealed under another key.`);
      }
    },
  };
}
