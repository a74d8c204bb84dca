// Delivers queued sponsor events to their webhooks. Every running server delivers;
// a lease on each claimed row keeps two servers from sending the same event at once.
// Failed attempts back off exponentially; after MAX_ATTEMPTS the event is given up.
import type { AppContext } from '../context.js';
import * as store from '../db/governance-store.js';
import * as identity from '../db/identity-store.js';
import { deliveredBody, SIGNATURE_HEADER, signPayload } from '../domain/governance/notifications.js';

export const MAX_ATTEMPTS = 8;
const LEASE_MS = 60_000;
const TIMEOUT_MS = 10_000;
const BATCH = 20;

/** 2 s, 4 s, 8 s … capped at an hour. */
export function retryDelayMs(attempts: number): number {
  return Math.min(3_600_000, 1000 * 2 ** attempts);
}

/** One pass over the due deliveries. Returns how many were attempted. */
export async function deliverDueWebhooks(ctx: AppContext): Promise<number> {
  const now = ctx.clock.now();
  const due = await ctx.db.write(async (tx) => store.claimDeliveries(tx, now.toISOString(), new Date(now.getTime() + LEASE_MS).toISOString(), BATCH));
  await Promise.all(due.map((d) => attempt(ctx, d)));
  return due.length;
}

async function attempt(ctx: AppContext, d: store.DeliveryRow): Promise<void> {
  const sponsor = await identity.getSponsor(ctx.db, d.sponsorId);
  let error: string | null = null;
  const secret = sponsor && identity.sponsorWebhookSecret(ctx.db, sponsor);
  if (!sponsor?.webhookUrl || !secret) {
    error = 'the sponsor has no webhook any more';
  } else {
    try {
      const body = deliveredBody(d.payload, ctx.config.publicUrl);
      const response = await fetch(sponsor.webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'agent-marketplace-webhooks',
          'x-marketplace-event': d.event,
          'x-marketplace-delivery': d.id,
          [SIGNATURE_HEADER]: signPayload(secret, body, Math.floor(ctx.clock.now().getTime() / 1000)),
        },
        body,
        redirect: 'manual',
        signal: AbortSignal.timeout(TIMEOUT_MS),
      });
      if (!response.ok) error = `HTTP ${response.status}`;
      await response.body?.cancel();
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
    }
  }
  const now = ctx.clock.now();
  const gaveUp = error !== null && (d.attempts >= MAX_ATTEMPTS || !sponsor?.webhookUrl);
  await ctx.db.write(async (tx) =>
    store.finishDelivery(tx, {
      id: d.id,
      status: error === null ? 'delivered' : gaveUp ? 'failed' : 'pending',
      nextAttemptAt: new Date(now.getTime() + retryDelayMs(d.attempts)).toISOString(),
      lastError: error,
      deliveredAt: error === null ? now.toISOString() : null,
    }),
  );
  if (error !== null) ctx.logger.warn('webhook delivery failed', { delivery: d.id, event: d.event, attempts: d.attempts, error, gave_up: gaveUp });
}
