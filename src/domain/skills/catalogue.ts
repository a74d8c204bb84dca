// The catalogue: creators publish versions (hashed, signed, scanned), submit them for
// review, the operator approves, requests changes or rejects, and deprecates. A version
// is immutable once it has left Draft / ChangesRequested; the listing and the search
// index always show the newest Published version.
import { newId } from '../ids.js';
import semver from 'semver';
import { z } from 'zod';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';
import type { SkillRow, SkillVersionRow } from '../../db/skills-store.js';
import { toJsonText, type StoredListing, type StoredScan } from '../../db/json-columns.js';
import type { Clock } from '../clock.js';
import { MarketError } from '../../core/errors.js';
import { authorOf, type AuthorKind } from './authors.js';
import { pricingSchema, referencePriceSats, type Pricing } from './pricing.js';
import { DEFAULT_SPLIT, revenueSplitSchema, type RevenueSplit } from './revenue-split.js';
import { scanSkillVersion, type ScanFinding, type VersionScan } from './scanner.js';
import { isValidSkillSignature, parseSignature, signSkillVersion } from './signing.js';
import { checkSkillFiles, skillContentHash, validateSkillName, type SkillFile } from './skill-md.js';
import { assertTransition, type SkillStatus } from './status.js';

/** How a version presents itself in the catalogue (stored with it). */
export type Listing = StoredListing;

export interface PublishInput {
  slug: string;
  version: string;
  listing: Listing;
  pricing: unknown;
  revenueSplit?: unknown;
  readme?: string;
  changelog?: string | null;
  files?: SkillFile[];
  /** A signed Nostr event, for publishers whose secret key the marketplace does not hold. */
  signature?: string;
}

function parseWith<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const first = parsed.error.issues[0]!;
  throw new MarketError('INVALID_INPUT', `Invalid ${what}: ${first.path.join('.') || what}: ${first.message}.`);
}

export async function requireSkill(db: Db, slug: string): Promise<SkillRow> {
  const skill = await store.skillBySlug(db, slug);
  if (!skill) throw new MarketError('NOT_FOUND', `No skill "${slug}". Search with marketplace_search_skills.`);
  return skill;
}

export async function requireVersion(db: Db, skill: SkillRow, version: string): Promise<SkillVersionRow> {
  const row = await store.skillVersion(db, skill.id, version);
  if (!row) throw new MarketError('NOT_FOUND', `Skill "${skill.slug}" has no version ${version}.`);
  return row;
}

/** What a version's files come from: the files given, or the fields a SKILL.md is made of. */
export interface VersionSource {
  slug: string;
  description: string;
  readme?: string;
  files?: SkillFile[];
}

/** The skill's files: as given, or a SKILL.md (Agent Skills format) made from the fields. */
function filesOf(input: VersionSource): SkillFile[] {
  const files = input.files?.length
    ? input.files
    : [{ path: 'SKILL.md', content: `---\nname: ${input.slug}\ndescription: ${JSON.stringify(input.description)}\n---\n\n${input.readme ?? ''}\n` }];
  checkSkillFiles(files);
  return [...files].sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** What publishing computes from a version's files: the files in order, their hash, the scan. */
export interface PreparedVersion {
  files: SkillFile[];
  contentSha256: string;
  scan: VersionScan;
}

/**
 * The costly part of publishing (hashing, the scan: up to seconds on hostile files), which
 * needs no database: the publish tool runs it before the gate's write transaction, so it
 * holds no lock. Bounded by the version's size limit and the scan's budget either way.
 */
export function prepareVersion(input: VersionSource): PreparedVersion {
  const files = filesOf(input);
  return { files, contentSha256: skillContentHash(files), scan: scanSkillVersion(files) };
}

/** Findings as stored: a list (versions published before findings were capped), or the kept ones and a count of the rest. */
export function storedFindings(stored: StoredScan): VersionScan {
  return Array.isArray(stored) ? { findings: stored, omitted: 0 } : stored;
}

export async function publishSkill(
  db: Db,
  clock: Clock,
  by: { id: string; kind: AuthorKind },
  input: PublishInput,
  /** prepareVersion(input), when the caller ran it before taking the lock; computed here otherwise. */
  prepared?: PreparedVersion,
): Promise<{ skill_id: string; slug: string; version: string; status: 'Draft'; content_sha256: string; scan_findings: ScanFinding[]; scan_findings_omitted: number }> {
  validateSkillName(input.slug);
  if (semver.valid(input.version) !== input.version) {
    throw new MarketError('INVALID_INPUT', `version "${input.version}" is not a semantic version like 1.0.0.`);
  }
  const pricing = parseWith(pricingSchema, input.pricing, 'pricing');
  const split = input.revenueSplit === undefined ? DEFAULT_SPLIT : parseWith(revenueSplitSchema, input.revenueSplit, 'revenue_split');
  const { files, contentSha256, scan } = prepared ?? prepareVersion({ slug: input.slug, description: input.listing.description, readme: input.readme, files: input.files });

  return db.write(async (tx) => {
    const author = await authorOf(tx, by);
    const now = clock.now().toISOString();
    let skill = await store.skillBySlug(tx, input.slug);
    if (skill && skill.authorId !== author.id) throw new MarketError('FORBIDDEN', `The slug "${input.slug}" belongs to another creator.`);
    if (!skill) {
      await store.insertSkill(tx, {
        id: newId('sk'),
        slug: input.slug,
        name: input.listing.name,
        description: input.listing.description,
        tags: input.listing.tags,
        authorId: author.id,
        authorKind: author.kind,
        iconUrl: input.listing.icon_url,
        requiredMcpServers: input.listing.required_mcp_servers,
        pricing,
        referencePriceSats: referencePriceSats(pricing),
        revenueSplit: split,
        createdAt: now,
      });
      skill = (await store.skillBySlug(tx, input.slug))!;
    }
    const existing = await store.skillVersion(tx, skill.id, input.version);
    if (existing && existing.status !== 'Draft' && existing.status !== 'ChangesRequested') {
      throw new MarketError('CONFLICT', `${input.slug}@${input.version} is ${existing.status} and can no longer change: publish a new version.`);
    }
    const signed = { slug: input.slug, version: input.version, contentSha256 };
    const signature = author.secretKeyHex ? signSkillVersion(author.secretKeyHex, signed, Math.floor(clock.now().getTime() / 1000)) : parseSignature(input.signature ?? 'null');
    if (!isValidSkillSignature(signature, author.npub, signed)) {
      throw new MarketError(
        'INVALID_INPUT',
        `This version needs your Nostr signature: a kind 30078 event by ${author.npub} with content ${contentSha256} and d tag agent-marketplace/skill/${input.slug}@${input.version}, as JSON in signature.`,
      );
    }
    await store.upsertDraftVersion(tx, {
      skillId: skill.id,
      version: input.version,
      listing: input.listing,
      readme: input.readme ?? '',
      changelog: input.changelog ?? null,
      pricing,
      revenueSplit: split,
      files: toJsonText(files),
      contentSha256,
      signature,
      scanFindings: scan,
      createdAt: now,
    });
    return {
      skill_id: skill.id,
      slug: input.slug,
      version: input.version,
      status: 'Draft' as const,
      content_sha256: contentSha256,
      scan_findings: scan.findings,
      scan_findings_omitted: scan.omitted,
    };
  });
}

async function moveVersion(db: Db, skill: SkillRow, v: SkillVersionRow, to: SkillStatus, reason: string | null, publishedAt: string | null = null): Promise<void> {
  assertTransition(v.status as SkillStatus, to);
  await store.setVersionStatus(db, { skillId: skill.id, version: v.version, status: to, reason, publishedAt });
}

export async function submitForReview(
  db: Db,
  authorId: string,
  slug: string,
  version: string,
): Promise<{ slug: string; version: string; status: 'PendingReview'; scan_findings: ScanFinding[] }> {
  return db.write(async (tx) => {
    const skill = await requireSkill(tx, slug);
    if (skill.authorId !== authorId) throw new MarketError('FORBIDDEN', `Only the creator of "${slug}" can submit it.`);
    const v = await requireVersion(tx, skill, version);
    await moveVersion(tx, skill, v, 'PendingReview', null);
    return { slug, version, status: 'PendingReview' as const, scan_findings: storedFindings(v.scanFindings).findings };
  });
}

export type ReviewDecision = 'approve' | 'request-changes' | 'reject';

/** The operator's review. Approving publishes the version. */
export async function reviewSkillVersion(
  db: Db,
  clock: Clock,
  input: { slug: string; version: string; decision: ReviewDecision; reason?: string | null },
): Promise<{ slug: string; version: string; status: SkillStatus; scan_findings: ScanFinding[] }> {
  return db.write(async (tx) => {
    const skill = await requireSkill(tx, input.slug);
    let v = await requireVersion(tx, skill, input.version);
    if (v.status === 'PendingReview') {
      await moveVersion(tx, skill, v, 'InReview', null);
      v = await requireVersion(tx, skill, input.version);
    }
    const reason = input.reason ?? null;
    if (input.decision === 'approve') {
      await moveVersion(tx, skill, v, 'Approved', reason);
      await moveVersion(tx, skill, await requireVersion(tx, skill, input.version), 'Published', reason, clock.now().toISOString());
      await refreshListing(tx, clock, skill.id);
    } else {
      await moveVersion(tx, skill, v, input.decision === 'reject' ? 'Rejected' : 'ChangesRequested', reason);
    }
    const after = await requireVersion(tx, skill, input.version);
    return { slug: input.slug, version: input.version, status: after.status as SkillStatus, scan_findings: storedFindings(after.scanFindings).findings };
  });
}

export async function deprecateSkillVersion(db: Db, clock: Clock, slug: string, version: string): Promise<{ slug: string; version: string; status: SkillStatus }> {
  return db.write(async (tx) => {
    const skill = await requireSkill(tx, slug);
    await moveVersion(tx, skill, await requireVersion(tx, skill, version), 'Deprecated', null);
    await refreshListing(tx, clock, skill.id);
    return { slug, version, status: 'Deprecated' as const };
  });
}

/** Points the listing and the search index at the newest Published version (or withdraws it). */
async function refreshListing(db: Db, clock: Clock, skillId: string): Promise<void> {
  const skill = (await store.skillById(db, skillId))!;
  const published = (await store.skillVersions(db, skillId)).filter((v) => v.status === 'Published');
  const latest = published.sort((a, b) => semver.rcompare(a.version, b.version))[0];
  if (!latest) {
    await store.updateListing(db, { ...skill, latestVersion: null, updatedAt: clock.now().toISOString() });
    await store.indexSkill(db, { rowid: skill.rowid, remove: true });
    return;
  }
  const { listing, pricing } = latest;
  await store.updateListing(db, {
    id: skillId,
    name: listing.name,
    description: listing.description,
    tags: listing.tags,
    iconUrl: listing.icon_url,
    requiredMcpServers: listing.required_mcp_servers,
    pricing,
    referencePriceSats: referencePriceSats(pricing),
    revenueSplit: latest.revenueSplit,
    latestVersion: latest.version,
    updatedAt: clock.now().toISOString(),
  });
  await store.indexSkill(db, { rowid: skill.rowid, name: listing.name, description: listing.description, tags: listing.tags, readme: latest.readme });
}

export interface SkillView {
  skill_id: string;
  slug: string;
  name: string;
  description: string;
  status: string;
  latest_version: string | null;
  versions: { version: string; status: string; content_sha256: string; published_at: string | null; changelog: string | null; scan_findings: number }[];
  pricing: Pricing;
  revenue_split: RevenueSplit;
  rating: number | null;
  rating_count: number;
  installs: number;
  tags: string[];
  author_id: string;
  author_kind: AuthorKind;
  author_npub: string;
  required_mcp_servers: string[];
  scan_findings: ScanFinding[];
}

export function rating(skill: SkillRow): number | null {
  return skill.ratingCount === 0 ? null : Math.round((skill.ratingSum / skill.ratingCount) * 100) / 100;
}

export async function skillView(db: Db, slug: string): Promise<SkillView> {
  const skill = await requireSkill(db, slug);
  const versions = (await store.skillVersions(db, skill.id)).sort((a, b) => semver.rcompare(a.version, b.version));
  const shown = versions.find((v) => v.version === skill.latestVersion) ?? versions[0];
  return {
    skill_id: skill.id,
    slug: skill.slug,
    name: skill.name,
    description: skill.description,
    status: versions[0]?.status ?? 'Draft',
    latest_version: skill.latestVersion,
    versions: versions.map((v) => ({
      version: v.version,
      status: v.status,
      content_sha256: v.contentSha256,
      published_at: v.publishedAt,
      changelog: v.changelog,
      scan_findings: countOf(storedFindings(v.scanFindings)),
    })),
    pricing: skill.pricing,
    revenue_split: skill.revenueSplit,
    rating: rating(skill),
    rating_count: skill.ratingCount,
    installs: skill.installs,
    tags: skill.tags,
    author_id: skill.authorId,
    author_kind: skill.authorKind as AuthorKind,
    author_npub: (await authorOf(db, { id: skill.authorId, kind: skill.authorKind as AuthorKind })).npub,
    required_mcp_servers: skill.requiredMcpServers,
    scan_findings: shown ? storedFindings(shown.scanFindings).findings : [],
  };
}

/** All the scan found, kept or only counted. */
function countOf(scan: VersionScan): number {
  return scan.findings.length + scan.omitted;
}

export async function skillReadme(db: Db, slug: string): Promise<{ slug: string; version: string | null; readme: string }> {
  const skill = await requireSkill(db, slug);
  if (!skill.latestVersion) throw new MarketError('NOT_FOUND', `Skill "${slug}" has no published version yet.`);
  return { slug, version: skill.latestVersion, readme: (await requireVersion(db, skill, skill.latestVersion)).readme };
}
