// The provider registry: agents that sell compute register here (NIP-89 discovery adds
// the ones announced on the relays). A new provider waits for the operator unless the
// marketplace runs with --auto-approve-providers; its reputation comes from its record.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/provider-store.js';
import type { ProviderRow } from '../../db/provider-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { newId } from '../ids.js';
import { msatsToSats, satsToMsats } from '../money.js';
import { decodeCursor, encodeCursor } from '../pagination.js';
import { providerReputation, providerTier, TIER_BENEFITS } from './reputation.js';
import { mapInOrder } from '../../core/in-order.js';

export const JOB_KIND_MIN = 5000;
export const JOB_KIND_MAX = 5999;

export interface RegisterInput {
  agentId: string;
  npub: string;
  name: string;
  about?: string;
  kinds: number[];
  priceSats: number;
  regions: string[];
  dataResidency: string[];
}

export function registerProvider(db: Db, clock: Clock, input: RegisterInput, o: { autoApprove: boolean }) {
  if (input.kinds.some((k) => k < JOB_KIND_MIN || k > JOB_KIND_MAX)) throw new MarketError('INVALID_INPUT', `Job kinds are ${JOB_KIND_MIN}–${JOB_KIND_MAX} (NIP-90).`);
  const unclaimed = input.dataResidency.filter((r) => !input.regions.includes(r));
  if (unclaimed.length) throw new MarketError('INVALID_INPUT', `data_residency names regions you do not run in: ${unclaimed.join(', ')}.`);
  return db.write(async (tx) => {
    const existing = await store.providerByNpub(tx, input.npub);
    if (existing) throw new MarketError('CONFLICT', `${input.npub} is already registered as provider ${existing.id}.`, { provider_id: existing.id });
    const now = clock.now().toISOString();
    const row: ProviderRow = {
      id: newId('pv'),
      agentId: input.agentId,
      npub: input.npub,
      name: input.name,
      about: input.about ?? null,
      kinds: [...new Set(input.kinds)].sort(),
      priceMsats: satsToMsats(input.priceSats),
      regions: input.regions,
      residency: input.dataResidency,
      source: 'local',
      approved: o.autoApprove,
      completed: 0,
      failed: 0,
      responseMsTotal: 0,
      uptimePct: 100,
      uptimeChecks: 0,
      uptimeSeen: 0,
      lastCompletedAt: null,
      createdAt: now,
      updatedAt: now,
    };
    await store.insertProvider(tx, row);
    return providerView(tx, clock, row);
  });
}

export async function requireProvider(db: Db, id: string): Promise<ProviderRow> {
  const p = await store.getProvider(db, id);
  if (!p) throw new MarketError('NOT_FOUND', `No compute provider ${id}.`);
  return p;
}

export function approveProvider(db: Db, clock: Clock, id: string, approved: boolean) {
  return db.write(async (tx) => {
    await requireProvider(tx, id);
    await store.setApproved(tx, id, approved, clock.now().toISOString());
    return providerView(tx, clock, await requireProvider(tx, id));
  });
}

export function rateProvider(db: Db, clock: Clock, agentId: string, providerId: string, stars: number) {
  return db.write(async (tx) => {
    const p = await requireProvider(tx, providerId);
    if (p.agentId === agentId) throw new MarketError('INVALID_INPUT', 'You cannot rate your own provider.');
    await store.upsertRating(tx, { providerId, agentId, stars, updatedAt: clock.now().toISOString() });
    return providerView(tx, clock, await requireProvider(tx, providerId));
  });
}

/** Reputation with its components, tier and tier benefits: why a provider ranks where it does. */
export async function providerView(db: Db, clock: Clock, p: ProviderRow) {
  const jobs = p.completed + p.failed;
  const { score, components } = providerReputation(
    {
      completed: p.completed,
      failed: p.failed,
      avgResponseMs: p.completed > 0 ? p.responseMsTotal / p.completed : null,
      uptimePct: p.uptimePct,
      ratings: await store.ratingsOf(db, p.id),
      lastCompletedAt: p.lastCompletedAt,
    },
    clock.now(),
  );
  const tier = providerTier(score, jobs, jobs === 0 ? 0 : p.completed / jobs);
  return {
    provider_id: p.id,
    npub: p.npub,
    name: p.name,
    untrusted_about: p.about,
    kinds: p.kinds,
    price_sats: msatsToSats(p.priceMsats),
    regions: p.regions,
    data_residency: p.residency,
    source: p.source,
    approved: p.approved,
    tier,
    score: Math.round(score * 1000) / 1000,
    reputation: {
      components: Object.fromEntries(Object.entries(components).map(([k, v]) => [k, Math.round(v * 1000) / 1000])),
      jobs_completed: p.completed,
      jobs_failed: p.failed,
      uptime_checks: p.uptimeChecks,
      uptime_seen: p.uptimeSeen,
    },
    benefits: TIER_BENEFITS[tier],
  };
}

export type ProviderView = Awaited<ReturnType<typeof providerView>>;

/** Providers best first (score), filtered; an offset cursor (the order is computed, not stored). */
export async function listProviderViews(
  db: Db,
  clock: Clock,
  f: { kind?: number; region?: string; minReputation?: number; includeUnapproved?: boolean; limit: number; cursor?: string },
) {
  const offset = f.cursor ? (decodeCursor(f.cursor, { offset: 'number' }).offset as number) : 0;
  const views = (
    await mapInOrder(await store.listProviders(db, { kind: f.kind, region: f.region, includeUnapproved: f.includeUnapproved ?? false }), async (p) => providerView(db, clock, p))
  )
    .filter((v) => f.minReputation === undefined || v.score >= f.minReputation)
    .sort((a, b) => b.score - a.score || (a.provider_id < b.provider_id ? -1 : 1));
  return { items: views.slice(offset, offset + f.limit), next_cursor: views.length > offset + f.limit ? encodeCursor({ offset: offset + f.limit }) : null };
}

/** What a NIP-89 handler announcement (kind 31990) says about a provider. */
export interface Announcement {
  npub: string;
  name: string;
  about: string | null;
  kinds: number[];
  priceMsats: number;
  regions: string[];
  residency: string[];
}

/**
 * Records or refreshes a provider from its announcement. A provider registered here keeps
 * its own registration; a discovered one follows its newest announcement.
 */
export async function upsertAnnouncedProvider(db: Db, clock: Clock, a: Announcement, o: { autoApprove: boolean }): Promise<'added' | 'updated' | 'kept'> {
  return db.write(async (tx) => {
    const kinds = a.kinds.filter((k) => k >= JOB_KIND_MIN && k <= JOB_KIND_MAX);
    if (kinds.length === 0) return 'kept';
    const existing = await store.providerByNpub(tx, a.npub);
    const now = clock.now().toISOString();
    const fields = {
      name: a.name,
      about: a.about,
      kinds: [...new Set(kinds)].sort(),
      priceMsats: a.priceMsats,
      regions: a.regions,
      residency: a.residency.filter((r) => a.regions.includes(r)),
      updatedAt: now,
    };
    if (!existing) {
      await store.insertProvider(tx, {
        id: newId('pv'),
        agentId: null,
        npub: a.npub,
        ...fields,
        source: 'nip89',
        approved: o.autoApprove,
        completed: 0,
        failed: 0,
        responseMsTotal: 0,
        uptimePct: 100,
        uptimeChecks: 0,
        uptimeSeen: 0,
        lastCompletedAt: null,
        createdAt: now,
      });
      return 'added';
    }
    if (existing.source !== 'nip89') return 'kept';
    await store.updateProvider(tx, existing.id, fields);
    return 'updated';
  });
}
