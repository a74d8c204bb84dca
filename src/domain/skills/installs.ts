// Installing, using, uninstalling and rating skills. Install verifies the version's
// content hash and its publisher's signature before anything is paid or recorded.
import semver from 'semver';
import type { Db } from '../../db/connection.js';
import { getAgent } from '../../db/identity-store.js';
import * as store from '../../db/skills-store.js';
import type { SkillRow, SkillVersionRow } from '../../db/skills-store.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../errors.js';
import { requireProvider } from '../compute/providers.js';
import { authorOf, type AuthorKind } from './authors.js';
import { chargeForSkill, type ChargeResult } from './charges.js';
import { rating, requireSkill, requireVersion } from './catalogue.js';
import { installCostSats, isMetered, usageCostSats, type Pricing } from './pricing.js';
import type { RevenueSplit } from './revenue-split.js';
import { isValidSkillSignature } from './signing.js';
import { skillContentHash, type SkillFile } from './skill-md.js';

export interface InstallResult {
  skill_id: string;
  slug: string;
  version: string;
  installed: true;
  requires_payment: boolean;
  cost_sats: number;
  /** The payment, when the install charged one. */
  usage_id: string | null;
  pricing: Pricing;
  content_sha256: string;
}

/** The Published version an install gets: the newest one inside the range, if given. */
function pickVersion(db: Db, skill: SkillRow, range: string | undefined): SkillVersionRow {
  if (!skill.latestVersion) throw new MarketError('CONFLICT', `"${skill.slug}" has no published version on offer.`);
  if (!range) return requireVersion(db, skill, skill.latestVersion);
  if (!semver.validRange(range)) throw new MarketError('INVALID_INPUT', `"${range}" is not a semver range (e.g. ^1.2.0).`);
  const published = store.skillVersions(db, skill.id).filter((v) => v.status === 'Published').map((v) => v.version);
  const version = semver.maxSatisfying(published, range);
  if (!version) throw new MarketError('NOT_FOUND', `No published version of "${skill.slug}" satisfies ${range} (published: ${published.join(', ') || 'none'}).`);
  return requireVersion(db, skill, version);
}

/** Refuses a version whose files or signature no longer match what its publisher signed. */
function verifyIntegrity(db: Db, skill: SkillRow, v: SkillVersionRow): void {
  const files = JSON.parse(v.files) as SkillFile[];
  const author = authorOf(db, { id: skill.authorId, kind: skill.authorKind as AuthorKind });
  const signed = { slug: skill.slug, version: v.version, contentSha256: v.contentSha256 };
  if (skillContentHash(files) !== v.contentSha256 || !isValidSkillSignature(JSON.parse(v.signature), author.npub, signed)) {
    throw new MarketError('CONFLICT', `${skill.slug}@${v.version} failed its integrity check (content hash or publisher signature): refused, nothing was charged. Report it to the operator.`);
  }
}

function hasPaidOnce(db: Db, agentId: string, skillId: string): boolean {
  return db.sqlite.prepare("SELECT 1 FROM skill_usage WHERE agent_id = ? AND skill_id = ? AND kind = 'install' LIMIT 1").get(agentId, skillId) !== undefined;
}

/** What installing would charge now, for the policy gate (OneTime skills are paid once). */
/** What an install costs and whom it pays: the creator and, when named, the referrer. */
export function quoteInstall(db: Db, agentId: string, slug: string, range?: string, referrerId?: string | null): { costSats: number; payees: string[] } {
  const skill = requireSkill(db, slug);
  const v = pickVersion(db, skill, range);
  const pricing = JSON.parse(v.pricing) as Pricing;
  return { costSats: hasPaidOnce(db, agentId, skill.id) ? 0 : installCostSats(pricing), payees: payeesOf(skill.authorId, referrerId ?? null, null) };
}

function payeesOf(...ids: (string | null)[]): string[] {
  return [...new Set(ids.filter((id): id is string => id !== null))];
}

export function installSkill(db: Db, clock: Clock, input: { agentId: string; slug: string; range?: string; referrerId?: string | null }): InstallResult {
  return db.write(() => {
    const skill = requireSkill(db, input.slug);
    const v = pickVersion(db, skill, input.range);
    verifyIntegrity(db, skill, v);
    const referrerId = input.referrerId ?? null;
    if (referrerId !== null && (referrerId === input.agentId || referrerId === skill.authorId || !getAgent(db, referrerId))) {
      throw new MarketError('INVALID_INPUT', 'referrer_id must be another existing agent, not you or the creator.');
    }
    const pricing = JSON.parse(v.pricing) as Pricing;
    const before = store.findInstall(db, input.agentId, skill.id);
    const { costSats } = quoteInstall(db, input.agentId, input.slug, input.range, referrerId);
    const charged =
      costSats === 0
        ? null
        : chargeForSkill(db, clock, {
            payerAgentId: input.agentId,
            skill,
            costSats,
            split: JSON.parse(v.revenueSplit) as RevenueSplit,
            referrerId: before?.referrerId ?? referrerId,
            computeAgentId: null,
            kind: 'install',
            usage: { calls: 0, inputTokens: 0, outputTokens: 0 },
          });
    store.upsertInstall(db, { agentId: input.agentId, skillId: skill.id, version: v.version, referrerId, installedAt: clock.now().toISOString() });
    if (!before || before.uninstalledAt !== null) store.addInstalls(db, skill.id, 1);
    return {
      skill_id: skill.id,
      slug: skill.slug,
      version: v.version,
      installed: true as const,
      requires_payment: isMetered(pricing),
      cost_sats: costSats,
      usage_id: charged?.usage_id ?? null,
      pricing,
      content_sha256: v.contentSha256,
    };
  });
}

function requireInstalled(db: Db, agentId: string, skill: SkillRow) {
  const install = store.findInstall(db, agentId, skill.id);
  if (!install || install.uninstalledAt !== null) {
    throw new MarketError('CONFLICT', `"${skill.slug}" is not installed: install it with marketplace_install_skill first.`);
  }
  return install;
}

export interface UsageInput {
  agentId: string;
  slug: string;
  calls?: number;
  inputTokens?: number;
  outputTokens?: number;
  computeProviderId?: string | null;
}

function usageOf(input: UsageInput, pricing: Pricing) {
  const metersCalls = pricing.model === 'PerCall' || pricing.model === 'Hybrid';
  return { calls: input.calls ?? (metersCalls ? 1 : 0), inputTokens: input.inputTokens ?? 0, outputTokens: input.outputTokens ?? 0 };
}

/** The price of a usage report under the installed version's pricing, for the gate. */
/** What a use costs and whom it pays: the creator, the referrer of the install, the compute provider's agent. */
export function quoteUsage(db: Db, input: UsageInput): { costSats: number; payees: string[] } {
  const skill = requireSkill(db, input.slug);
  const install = requireInstalled(db, input.agentId, skill);
  const pricing = JSON.parse(requireVersion(db, skill, install.version).pricing) as Pricing;
  const computeAgentId = computeShareTo(db, input.agentId, input.computeProviderId ?? null);
  return { costSats: usageCostSats(pricing, usageOf(input, pricing)), payees: payeesOf(skill.authorId, install.referrerId, computeAgentId) };
}

export function recordSkillUsage(db: Db, clock: Clock, input: UsageInput): ChargeResult {
  return db.write(() => {
    const skill = requireSkill(db, input.slug);
    const install = requireInstalled(db, input.agentId, skill);
    const v = requireVersion(db, skill, install.version);
    const pricing = JSON.parse(v.pricing) as Pricing;
    const usage = usageOf(input, pricing);
    return chargeForSkill(db, clock, {
      payerAgentId: input.agentId,
      skill,
      costSats: usageCostSats(pricing, usage),
      split: JSON.parse(v.revenueSplit) as RevenueSplit,
      referrerId: install.referrerId,
      computeAgentId: computeShareTo(db, input.agentId, input.computeProviderId ?? null),
      kind: 'usage',
      usage,
    });
  });
}

/**
 * Who takes a use's compute share (SEED-RULES revenue split): the agent behind a provider
 * registered here and approved by the operator. A provider found on Nostr is paid per job
 * over Lightning and has no wallet here; naming one's own provider would hand the share
 * back to the payer, at the creator's expense.
 */
function computeShareTo(db: Db, payerId: string, providerId: string | null): string | null {
  if (providerId === null) return null;
  const provider = requireProvider(db, providerId);
  const refuse = (why: string) => new MarketError('INVALID_INPUT', `compute_provider_id ${providerId}: ${why} Leave compute_provider_id out and the compute share goes to the creator.`);
  if (provider.agentId === null) throw refuse('a provider discovered on Nostr is paid per job over Lightning, not from skill payments.');
  if (!provider.approved) throw refuse('the operator has not approved this provider.');
  if (provider.agentId === payerId) throw refuse('this is your own provider; its share would come back to you.');
  return provider.agentId;
}

export function uninstallSkill(db: Db, clock: Clock, agentId: string, slug: string): { slug: string; installed: false } {
  return db.write(() => {
    const skill = requireSkill(db, slug);
    requireInstalled(db, agentId, skill);
    store.markUninstalled(db, agentId, skill.id, clock.now().toISOString());
    store.addInstalls(db, skill.id, -1);
    return { slug, installed: false as const };
  });
}

export function listInstalledSkills(db: Db, agentId: string) {
  return store.listInstalled(db, agentId).map((i) => ({ slug: i.slug, name: i.name, version: i.version, installed_at: i.installedAt }));
}

/** One rating per agent per skill, editable; only from agents that installed it. */
export function rateSkill(db: Db, clock: Clock, input: { agentId: string; slug: string; rating: number; text?: string | null }) {
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) throw new MarketError('INVALID_INPUT', 'rating is a whole number from 1 to 5.');
  return db.write(() => {
    const skill = requireSkill(db, input.slug);
    if (!store.findInstall(db, input.agentId, skill.id)) throw new MarketError('FORBIDDEN', `Only agents that installed "${input.slug}" can rate it.`);
    const earlier = store.findReviewRating(db, skill.id, input.agentId);
    store.upsertReview(db, { skillId: skill.id, agentId: input.agentId, rating: input.rating, text: input.text ?? null, at: clock.now().toISOString() });
    store.addRating(db, skill.id, input.rating - (earlier ?? 0), earlier === undefined ? 1 : 0);
    const after = store.skillBySlug(db, input.slug)!;
    return { slug: input.slug, rating: input.rating, average_rating: rating(after), rating_count: after.ratingCount };
  });
}
