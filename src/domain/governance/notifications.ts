// What the sponsor hears about: approval requests, decisions, budget alerts, triggered
// notifications. Events are queued in the same transaction as what caused them and
// delivered to the sponsor's webhook with retries (src/webhooks/), signed so the
// receiver can tell they came from here.
import { newId } from '../ids.js';
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/governance-store.js';
import * as identity from '../../db/identity-store.js';
import { fromJsonText, toJsonText, type JsonText, type StoredWebhookEvent } from '../../db/json-columns.js';
import type { Clock } from '../clock.js';
import { approvalUrl } from './approval-link.js';

export type SponsorEvent = 'approval.requested' | 'approval.decided' | 'budget.threshold_reached' | 'policy.notification' | 'agent.status_changed';

export const SIGNATURE_HEADER = 'x-marketplace-signature';

/**
 * The body of an event as it is sent: an approval event carries `data.approval_url`, the
 * console page where the sponsor decides, when the delivering server knows its public
 * address. Added at delivery rather than when queued, because events are also queued
 * where no address is known (the command line's decisions, a stdio server).
 */
export function deliveredBody(payload: JsonText<StoredWebhookEvent>, publicUrl: string | null): string {
  if (!publicUrl) return payload;
  const event = fromJsonText(payload);
  // Requests carry the approval itself, decisions its id.
  const { approval } = event.data;
  const approvalId = event.data.approval_id ?? (typeof approval === 'object' && approval !== null && 'approval_id' in approval ? approval.approval_id : undefined);
  if (!event.event.startsWith('approval.') || typeof approvalId !== 'string') return payload;
  return JSON.stringify({ ...event, data: { ...event.data, approval_url: approvalUrl(publicUrl, approvalId) } });
}

/** Queues an event for the sponsor's webhook; nothing is queued when it has none. */
export async function notifySponsor(db: Db, clock: Clock, sponsorId: string, event: SponsorEvent, data: Record<string, unknown>): Promise<void> {
  const sponsor = await identity.getSponsor(db, sponsorId);
  if (!sponsor?.webhookUrl) return;
  const id = newId('wh');
  const createdAt = clock.now().toISOString();
  await store.insertDelivery(db, { id, sponsorId, event, payload: toJsonText({ id, event, created_at: createdAt, data }), createdAt });
}

/**
 * `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">`. The timestamp inside the
 * signed text lets receivers refuse replays of old deliveries.
 */
export function signPayload(secret: string, body: string, unixSeconds: number): string {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
}

/** What a receiver runs (exported for tests and as the reference for the README). */
export function verifySignature(secret: string, body: string, header: string, nowSeconds: number, toleranceSeconds = 300): boolean {
  const parts = Object.fromEntries(header.split(',').map((p) => p.split('=', 2) as [string, string]));
  const t = Number(parts.t);
  if (!Number.isInteger(t) || Math.abs(nowSeconds - t) > toleranceSeconds || !parts.v1) return false;
  const expected = Buffer.from(signPayload(secret, body, t).split('v1=')[1]!, 'hex');
  const given = Buffer.from(parts.v1, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}
