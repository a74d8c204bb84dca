// What the operator reads before deciding a review: every file of one version, each with
// the scanner's findings on it. The version shown by default is the one a reviewer is
// about to decide (the newest awaiting review), else the newest there is.
import semver from 'semver';
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';
import { fromJsonText } from '../../db/json-columns.js';
import { MarketError } from '../../core/errors.js';
import { MAX_PAGE_SIZE } from '../pagination.js';
import { requireSkill, skillView, storedFindings } from './catalogue.js';
import { searchCatalogueNow } from './search.js';
import type { ScanFinding } from './scanner.js';
import { skillContentHash, type SkillFile } from './skill-md.js';
import { mapInOrder } from '../../core/in-order.js';

const AWAITING_REVIEW = new Set(['PendingReview', 'InReview']);

export interface VersionForReview {
  slug: string;
  version: string;
  status: string;
  content_sha256: string;
  /** False when the stored files no longer hash to content_sha256 (altered after publishing): install would refuse them. */
  files_match_hash: boolean;
  files: (SkillFile & { findings: ScanFinding[] })[];
  /** Findings past the stored ones: counted at publish, not kept (scanner.ts MAX_STORED_FINDINGS). */
  findings_omitted: number;
}

export async function versionForReview(db: Db, slug: string, version?: string): Promise<VersionForReview> {
  const skill = await requireSkill(db, slug);
  const versions = (await store.skillVersions(db, skill.id)).sort((a, b) => semver.rcompare(a.version, b.version));
  const v = version === undefined ? (versions.find((x) => AWAITING_REVIEW.has(x.status)) ?? versions[0]) : versions.find((x) => x.version === version);
  if (!v) {
    throw new MarketError(
      'NOT_FOUND',
      version === undefined ? `Skill "${slug}" has no versions.` : `Skill "${slug}" has no version ${version} (it has: ${versions.map((x) => x.version).join(', ')}).`,
    );
  }
  const scan = storedFindings(v.scanFindings);
  const files = fromJsonText(v.files);
  return {
    slug,
    version: v.version,
    status: v.status,
    content_sha256: v.contentSha256,
    files_match_hash: skillContentHash(files) === v.contentSha256,
    files: files.map((f) => ({ path: f.path, content: f.content, findings: scan.findings.filter((x) => x.path === f.path) })),
    findings_omitted: scan.omitted,
  };
}

export interface ReviewQueueItem {
  slug: string;
  name: string;
  author_id: string;
  /** The versions waiting for a decision. */
  versions: string[];
  scan_findings: ScanFinding[];
}

/** What waits for the operator's review (`skills queue`, the console's operator page), newest first. */
export async function reviewQueue(db: Db): Promise<ReviewQueueItem[]> {
  const page = await searchCatalogueNow(db, { status: 'PendingReview', sort: 'newest', limit: MAX_PAGE_SIZE });
  return await mapInOrder(page.items, async (s) => {
    const view = await skillView(db, s.slug);
    const versions = view.versions.filter((v) => v.status === 'PendingReview').map((v) => v.version);
    return { slug: s.slug, name: s.name, author_id: s.author_id, versions, scan_findings: view.scan_findings };
  });
}
