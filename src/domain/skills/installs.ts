// Installing, using, uninstalling and rating skills. Install verifies the version's
// content hash and its publisher's signature before anything is paid or recorded.
import { parties } from '../governance/evaluate.js';
import semver from 'semver';
import type { Db } from '../../db/connection.js';
import { getAgent } from '../../db/identity-store.js';
import * as store from '../../db/skills-store.js';
import type { InstallRow, SkillRow, SkillVersionRow } from '../../db/skills-store.js';
import { fromJsonText } from '../../db/json-columns.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { requireProvider } from '../compute/providers.js';
import { authorOf, type AuthorKind } from './authors.js';
import { chargeForSkill, type ChargeResult } from './charges.js';
import { rating, requireSkill, requireVersion } from './catalogue.js';
import { installCostSats, isMetered, usageCostSats, type Pricing } from './pricing.js';
import { isValidSkillSignature } from './signing.js';
import { skillContentHash, type SkillFile } from './skill-md.js';

export interface InstallResult {
  skill_id: string;
  slug: string;
  version: string;
  /** The semver range installing again without a version stays inside; null: the latest. */
  version_range: string | null;
  /** The installed version was withdrawn by its creator: it keeps working, but nothing newer in the range is on offer. */
  deprecated: boolean;
  installed: true;
  requires_payment: boolean;
  cost_sats: number;
  /** The payment, when the install charged one. */
  usage_id: string | null;
  pricing: Pricing;
  content_sha256: string;
}

/** The agent's install while it is installed (an uninstalled row only remembers the payment). */
async function activeInstall(db: Db, agentId: string, skill: SkillRow): Promise<InstallRow | undefined> {
  const install = await store.findInstall(db, agentId, skill.id);
  return install && install.uninstalledAt === null ? install : undefined;
}

/**
 * The version an install gets and the range it records: the range given, else the one the
 * agent installed with, else the latest. The newest Published version inside it wins, but
 * installing again never moves an agent back: the version it has (deprecated since,
 * perhaps) counts too, and keeps working until a newer one is published in the range.
 */
async function installTarget(db: Db, agentId: string, skill: SkillRow, given: string | undefined): Promise<{ version: SkillVersionRow; range: string | null }> {
  const active = await activeInstall(db, agentId, skill);
  const range = given ?? active?.versionRange ?? null;
  if (range !== null && !semver.validRange(range)) throw new MarketError('INVALID_INPUT', `"${range}" is not a semver range (e.g. ^1.2.0).`);
  const published = (await store.skillVersions(db, skill.id)).filter((v) => v.status === 'Published').map((v) => v.version);
  let version = range === null ? skill.latestVersion : semver.maxSatisfying(published, range);
  const kept = active && (range === null || semver.satisfies(active.version, range)) ? active.version : null;
  if (kept !== null && (version === null || semver.gt(kept, version))) version = kept;
  if (version === null) {
    if (range === null) throw new MarketError('CONFLICT', `"${skill.slug}" has no published version on offer.`);
    throw new MarketError('NOT_FOUND', `No published version of "${skill.slug}" satisfies ${range} (published: ${published.join(', ') || 'none'}).`);
  }
  return { version: await requireVersion(db, skill, version), range };
}

/** Refuses a version whose files or signature no longer match what its publisher signed. */
async function verifyIntegrity(db: Db, skill: SkillRow, v: SkillVersionRow): Promise<SkillFile[]> {
  const files = fromJsonText(v.files);
  const author = await authorOf(db, { id: skill.authorId, kind: skill.authorKind as AuthorKind });
  const signed = { slug: skill.slug, version: v.version, contentSha256: v.contentSha256 };
  if (skillContentHash(files) !== v.contentSha256 || !isValidSkillSignature(v.signature, author.npub, signed)) {
    throw new MarketError(
      'CONFLICT',
      `${skill.slug}@${v.version} failed its integrity check (content hash or publisher signature): refused, nothing was charged. Report it to the operator.`,
    );
  }
  return files;
}

async function hasPaidOnce(db: Db, agentId: string, skillId: string): Promise<boolean> {
  return (await db.prepare("SELECT 1 FROM skill_usage WHERE agent_id = ? AND skill_id = ? AND kind = 'install' LIMIT 1").get(agentId, skillId)) !== undefined;
}

/** What an install costs and whom it pays: the creator and, when named, the referrer (OneTime skills are paid once). */
export async function quoteInstall(db: Db, agentId: string, slug: string, range?: string, referrerId?: string | null): Promise<{ costSats: number; payees: string[] }> {
  const skill = await requireSkill(db, slug);
  const { pricing } = (await installTarget(db, agentId, skill, range)).version;
  return { costSats: (await hasPaidOnce(db, agentId, skill.id)) ? 0 : installCostSats(pricing), payees: parties(skill.authorId, referrerId ?? null, null) };
}

export async function installSkill(db: Db, clock: Clock, input: { agentId: string; slug: string; range?: string; referrerId?: string | null }): Promise<InstallResult> {
  return db.write(async (tx) => {
    const skill = await requireSkill(tx, input.slug);
    const { version: v, range } = await installTarget(tx, input.agentId, skill, input.range);
    await verifyIntegrity(tx, skill, v);
    const referrerId = input.referrerId ?? null;
    if (referrerId !== null && (referrerId === input.agentId || referrerId === skill.authorId || !(await getAgent(tx, referrerId)))) {
      throw new MarketError('INVALID_INPUT', 'referrer_id must be another existing agent, not you or the creator.');
    }
    const { pricing } = v;
    const before = await store.findInstall(tx, input.agentId, skill.id);
    const { costSats } = await quoteInstall(tx, input.agentId, input.slug, input.range, referrerId);
    const charged =
      costSats === 0
        ? null
        : await chargeForSkill(tx, clock, {
            payerAgentId: input.agentId,
            skill,
            costSats,
            split: v.revenueSplit,
            referrerId: before?.referrerId ?? referrerId,
            computeAgentId: null,
            kind: 'install',
            usage: { calls: 0, inputTokens: 0, outputTokens: 0 },
          });
    await store.upsertInstall(tx, { agentId: input.agentId, skillId: skill.id, version: v.version, versionRange: range, referrerId, installedAt: clock.now().toISOString() });
    if (!before || before.uninstalledAt !== null) await store.addInstalls(tx, skill.id, 1);
    return {
      skill_id: skill.id,
      slug: skill.slug,
      version: v.version,
      version_range: range,
      deprecated: v.status === 'Deprecated',
      installed: true as const,
      requires_payment: isMetered(pricing),
      cost_sats: costSats,
      usage_id: charged?.usage_id ?? null,
      pricing,
      content_sha256: v.contentSha256,
    };
  });
}

/** An installed skill's files, checked against its hash and its publisher's signature. */
export interface InstalledSkill {
  slug: string;
  version: string;
  version_range: string | null;
  deprecated: boolean;
  /** The newest Published version inside the range when it is newer than the installed one: install again to move to it. */
  newer_version: string | null;
  content_sha256: string;
  files: SkillFile[];
}

/**
 * The files of the version the agent installed, only for that agent, and only after the
 * same check install makes: the version stored now is the version its publisher signed.
 */
export async function installedSkill(db: Db, agentId: string, slug: string): Promise<InstalledSkill> {
  const skill = await store.skillBySlug(db, slug);
  const install = skill ? await activeInstall(db, agentId, skill) : undefined;
  if (!skill || !install) {
    throw new MarketError('NOT_FOUND', `You have not installed "${slug}": install it with marketplace_install_skill first (find skills with marketplace_search_skills).`);
  }
  const v = await requireVersion(db, skill, install.version);
  const files = await verifyIntegrity(db, skill, v);
  let newer: string | null = null;
  try {
    const target = (await installTarget(db, agentId, skill, undefined)).version.version;
    newer = semver.gt(target, v.version) ? target : null;
  } catch {
    newer = null; // nothing on offer in the range: the installed version is the one there is
  }
  return {
    slug: skill.slug,
    version: v.version,
    version_range: install.versionRange,
    deprecated: v.status === 'Deprecated',
    newer_version: newer,
    content_sha256: v.contentSha256,
    files: [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
  };
}

/** Whether the agent has the skill installed now (an install folder follows this). */
export async function isInstalled(db: Db, agentId: string, slug: string): Promise<boolean> {
  const skill = await store.skillBySlug(db, slug);
  return skill !== undefined && (await activeInstall(db, agentId, skill)) !== undefined;
}

async function requireInstalled(db: Db, agentId: string, skill: SkillRow) {
  const install = await store.findInstall(db, agentId, skill.id);
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
export async function quoteUsage(db: Db, input: UsageInput): Promise<{ costSats: number; payees: string[] }> {
  const skill = await requireSkill(db, input.slug);
  const install = await requireInstalled(db, input.agentId, skill);
  const { pricing } = await requireVersion(db, skill, install.version);
  const computeAgentId = await computeShareTo(db, input.agentId, input.computeProviderId ?? null);
  return { costSats: usageCostSats(pricing, usageOf(input, pricing)), payees: parties(skill.authorId, install.referrerId, computeAgentId) };
}

export async function recordSkillUsage(db: Db, clock: Clock, input: UsageInput): Promise<ChargeResult> {
  return db.write(async (tx) => {
    const skill = await requireSkill(tx, input.slug);
    const install = await requireInstalled(tx, input.agentId, skill);
    const v = await requireVersion(tx, skill, install.version);
    const { pricing } = v;
    const usage = usageOf(input, pricing);
    return chargeForSkill(tx, clock, {
      payerAgentId: input.agentId,
      skill,
      costSats: usageCostSats(pricing, usage),
      split: v.revenueSplit,
      referrerId: install.referrerId,
      computeAgentId: await computeShareTo(tx, input.agentId, input.computeProviderId ?? null),
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
async function computeShareTo(db: Db, payerId: string, providerId: string | null): Promise<string | null> {
  if (providerId === null) return null;
  const provider = await requireProvider(db, providerId);
  const refuse = (why: string) =>
    new MarketError('INVALID_INPUT', `compute_provider_id ${providerId}: ${why} Leave compute_provider_id out and the compute share goes to the creator.`);
  if (provider.agentId === null) throw refuse('a provider discovered on Nostr is paid per job over Lightning, not from skill payments.');
  if (!provider.approved) throw refuse('the operator has not approved this provider.');
  if (provider.agentId === payerId) throw refuse('this is your own provider; its share would come back to you.');
  return provider.agentId;
}

export async function uninstallSkill(db: Db, clock: Clock, agentId: string, slug: string): Promise<{ slug: string; installed: false }> {
  return db.write(async (tx) => {
    const skill = await requireSkill(tx, slug);
    await requireInstalled(tx, agentId, skill);
    await store.markUninstalled(tx, agentId, skill.id, clock.now().toISOString());
    await store.addInstalls(tx, skill.id, -1);
    return { slug, installed: false as const };
  });
}

export async function listInstalledSkills(db: Db, agentId: string) {
  return (await store.listInstalled(db, agentId)).map((i) => ({ slug: i.slug, name: i.name, version: i.version, installed_at: i.installedAt }));
}

/** One rating per agent per skill, editable; only from agents that installed it. */
export function rateSkill(db: Db, clock: Clock, input: { agentId: string; slug: string; rating: number; text?: string | null }) {
  if (!Number.isInteger(input.rating) || input.rating < 1 || input.rating > 5) throw new MarketError('INVALID_INPUT', 'rating is a whole number from 1 to 5.');
  return db.write(async (tx) => {
    const skill = await requireSkill(tx, input.slug);
    if (!(await store.findInstall(tx, input.agentId, skill.id))) throw new MarketError('FORBIDDEN', `Only agents that installed "${input.slug}" can rate it.`);
    const earlier = await store.findReviewRating(tx, skill.id, input.agentId);
    await store.upsertReview(tx, { skillId: skill.id, agentId: input.agentId, rating: input.rating, text: input.text ?? null, at: clock.now().toISOString() });
    await store.addRating(tx, skill.id, input.rating - (earlier ?? 0), earlier === undefined ? 1 : 0);
    const after = (await store.skillBySlug(tx, input.slug))!;
    return { slug: input.slug, rating: input.rating, average_rating: rating(after), rating_count: after.ratingCount };
  });
}
