// A sponsor's webhook: where its notifications go and the secret that signs them.
import { randomBytes } from 'node:crypto';
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import { MarketError } from '../../core/errors.js';

export async function setSponsorWebhook(db: Db, sponsorId: string, url: string | null): Promise<{ sponsor_id: string; url: string | null; secret: string | null }> {
  if (url !== null) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new MarketError('INVALID_INPUT', `"${url}" is not a URL.`);
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') throw new MarketError('INVALID_INPUT', 'A webhook URL must be http(s).');
  }
  return db.write(async (tx) => {
    if (!(await identity.getSponsor(tx, sponsorId))) throw new MarketError('NOT_FOUND', `No sponsor ${sponsorId}.`);
    // A new URL gets a new secret: whoever held the old one must not sign for the new receiver.
    const secret = url === null ? null : `whsec_${randomBytes(32).toString('base64url')}`;
    await identity.updateSponsorWebhook(tx, sponsorId, url, secret);
    return { sponsor_id: sponsorId, url, secret };
  });
}
