// Bearer tokens: 256 random bits, shown once, stored as SHA-256. A slow password hash
// buys nothing for a uniformly random 256-bit secret, and the lookup must be fast.
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = { sponsor: 'amsp_', agent: 'amag_', operator: 'amop_' } as const;

export function generateToken(kind: keyof typeof TOKEN_PREFIX): string {
  return TOKEN_PREFIX[kind] + randomBytes(32).toString('base64url');
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}
