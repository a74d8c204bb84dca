// SQL for the skills catalogue: skills, versions, installs, reviews, usage and the
// search index (FTS5 on SQLite, tsvector on PostgreSQL: kept here so the domain never sees either).
import { preparedPerConnection, type Db } from './connection.js';
import { toFtsQuery } from './fts-query.js';
import { SKILLS_RANK, toTsQuery } from './pg/ts-query.js';
import {
  readJson,
  type JsonText,
  type StoredEvent,
  type StoredListing,
  type StoredPricing,
  type StoredRevenueSplit,
  type StoredScan,
  type StoredSkillFile,
} from './json-columns.js';

export interface SkillRow {
  rowid: number;
  id: string;
  slug: string;
  name: string;
  description: string;
  tags: string[];
  authorId: string;
  authorKind: string;
  iconUrl: string | null;
  requiredMcpServers: string[];
  pricing: StoredPricing;
  referencePriceSats: number;
  revenueSplit: StoredRevenueSplit;
  latestVersion: string | null;
  ratingSum: number;
  ratingCount: number;
  installs: number;
  createdAt: string;
  updatedAt: string;
}

export interface SkillVersionRow {
  skillId: string;
  version: string;
  status: string;
  listing: StoredListing;
  readme: string;
  changelog: string | null;
  pricing: StoredPricing;
  revenueSplit: StoredRevenueSplit;
  /** The version's files, parsed where they are used: they can be large, and most reads need only its price. */
  files: JsonText<StoredSkillFile[]>;
  contentSha256: string;
  signature: StoredEvent;
  scanFindings: StoredScan;
  reviewReason: string | null;
  createdAt: string;
  publishedAt: string | null;
}

// The JSON columns as SQLite returns them, and back (these statements skip drizzle's mapping).
type SkillSql = Omit<SkillRow, 'tags' | 'requiredMcpServers' | 'pricing' | 'revenueSplit'> & Record<'tags' | 'requiredMcpServers' | 'pricing' | 'revenueSplit', string>;
type VersionSql = Omit<SkillVersionRow, 'listing' | 'pricing' | 'revenueSplit' | 'signature' | 'scanFindings'> &
  Record<'listing' | 'pricing' | 'revenueSplit' | 'signature' | 'scanFindings', string>;

function skillFromSql<R extends SkillSql>(r: R): Omit<R, keyof SkillRow> & SkillRow {
  return { ...r, tags: readJson(r.tags), requiredMcpServers: readJson(r.requiredMcpServers), pricing: readJson(r.pricing), revenueSplit: readJson(r.revenueSplit) };
}
const skillToSql = <R extends Partial<SkillRow>>(r: R) => ({
  ...r,
  ...(r.tags && { tags: JSON.stringify(r.tags) }),
  ...(r.requiredMcpServers && { requiredMcpServers: JSON.stringify(r.requiredMcpServers) }),
  ...(r.pricing && { pricing: JSON.stringify(r.pricing) }),
  ...(r.revenueSplit && { revenueSplit: JSON.stringify(r.revenueSplit) }),
});
const versionFromSql = (r: VersionSql): SkillVersionRow => ({
  ...r,
  listing: readJson(r.listing),
  pricing: readJson(r.pricing),
  revenueSplit: readJson(r.revenueSplit),
  signature: readJson(r.signature),
  scanFindings: readJson(r.scanFindings),
});

export interface InstallRow {
  agentId: string;
  skillId: string;
  version: string;
  /** The semver range installed with; null: the latest. */
  versionRange: string | null;
  referrerId: string | null;
  installedAt: string;
  uninstalledAt: string | null;
}

/** The skill columns, optionally qualified by a table alias (the search joins the FTS table). */
const skillColumns = (t = '') => `${t}rowid AS rowid, ${t}id AS id, ${t}slug AS slug, ${t}name AS name,
  ${t}description AS description, ${t}tags AS tags, ${t}author_id AS "authorId", ${t}author_kind AS "authorKind", ${t}icon_url AS "iconUrl",
  ${t}required_mcp_servers AS "requiredMcpServers", ${t}pricing AS pricing, ${t}reference_price_sats AS "referencePriceSats",
  ${t}revenue_split AS "revenueSplit", ${t}latest_version AS "latestVersion", ${t}rating_sum AS "ratingSum",
  ${t}rating_count AS "ratingCount", ${t}installs AS installs, ${t}created_at AS "createdAt", ${t}updated_at AS "updatedAt"`;
const SKILL_COLUMNS = skillColumns();

const VERSION_COLUMNS = `skill_id AS "skillId", version, status, listing, readme, changelog, pricing, revenue_split AS "revenueSplit",
  files, content_sha256 AS "contentSha256", signature, scan_findings AS "scanFindings", review_reason AS "reviewReason",
  created_at AS "createdAt", published_at AS "publishedAt"`;

function prepare(db: Db) {
  const s = db;
  return {
    bySlug: s.prepare(`SELECT ${SKILL_COLUMNS} FROM skills WHERE slug = ?`),
    byId: s.prepare(`SELECT ${SKILL_COLUMNS} FROM skills WHERE id = ?`),
    insertSkill: s.prepare(
      `INSERT INTO skills (id, slug, name, description, tags, author_id, author_kind, icon_url, required_mcp_servers, pricing,
         reference_price_sats, revenue_split, created_at, updated_at)
       VALUES (@id, @slug, @name, @description, @tags, @authorId, @authorKind, @iconUrl, @requiredMcpServers, @pricing,
         @referencePriceSats, @revenueSplit, @createdAt, @createdAt)`,
    ),
    updateListing: s.prepare(
      `UPDATE skills SET name = @name, description = @description, tags = @tags, icon_url = @iconUrl,
         required_mcp_servers = @requiredMcpServers, pricing = @pricing, reference_price_sats = @referencePriceSats,
         revenue_split = @revenueSplit, latest_version = @latestVersion, updated_at = @updatedAt WHERE id = @id`,
    ),
    version: s.prepare(`SELECT ${VERSION_COLUMNS} FROM skill_versions WHERE skill_id = ? AND version = ?`),
    versions: s.prepare(`SELECT ${VERSION_COLUMNS} FROM skill_versions WHERE skill_id = ? ORDER BY created_at`),
    upsertVersion: s.prepare(
      `INSERT INTO skill_versions (skill_id, version, status, listing, readme, changelog, pricing, revenue_split, files,
         content_sha256, signature, scan_findings, created_at)
       VALUES (@skillId, @version, 'Draft', @listing, @readme, @changelog, @pricing, @revenueSplit, @files, @contentSha256,
         @signature, @scanFindings, @createdAt)
       ON CONFLICT (skill_id, version) DO UPDATE SET status = 'Draft', listing = excluded.listing, readme = excluded.readme,
         changelog = excluded.changelog, pricing = excluded.pricing, revenue_split = excluded.revenue_split,
         files = excluded.files, content_sha256 = excluded.content_sha256, signature = excluded.signature,
         scan_findings = excluded.scan_findings, review_reason = NULL`,
    ),
    setVersionStatus: s.prepare(
      `UPDATE skill_versions SET status = @status, review_reason = COALESCE(@reason, review_reason),
         published_at = COALESCE(@publishedAt, published_at) WHERE skill_id = @skillId AND version = @version`,
    ),
    install: s.prepare(
      `SELECT agent_id AS "agentId", skill_id AS "skillId", version, version_range AS "versionRange", referrer_id AS "referrerId",
         installed_at AS "installedAt", uninstalled_at AS "uninstalledAt" FROM skill_installs WHERE agent_id = ? AND skill_id = ?`,
    ),
    upsertInstall: s.prepare(
      `INSERT INTO skill_installs (agent_id, skill_id, version, version_range, referrer_id, installed_at)
       VALUES (@agentId, @skillId, @version, @versionRange, @referrerId, @installedAt)
       ON CONFLICT (agent_id, skill_id) DO UPDATE SET version = excluded.version, version_range = excluded.version_range,
         referrer_id = COALESCE(skill_installs.referrer_id, excluded.referrer_id),
         installed_at = excluded.installed_at, uninstalled_at = NULL`,
    ),
    uninstall: s.prepare(`UPDATE skill_installs SET uninstalled_at = ? WHERE agent_id = ? AND skill_id = ? AND uninstalled_at IS NULL`),
    addInstalls: s.prepare(`UPDATE skills SET installs = installs + ? WHERE id = ?`),
    review: s.prepare(`SELECT rating FROM skill_reviews WHERE skill_id = ? AND agent_id = ?`),
    upsertReview: s.prepare(
      `INSERT INTO skill_reviews (skill_id, agent_id, rating, text, created_at, updated_at) VALUES (@skillId, @agentId, @rating, @text, @at, @at)
       ON CONFLICT (skill_id, agent_id) DO UPDATE SET rating = excluded.rating, text = excluded.text, updated_at = excluded.updated_at`,
    ),
    addRating: s.prepare(`UPDATE skills SET rating_sum = rating_sum + ?, rating_count = rating_count + ? WHERE id = ?`),
    usageById: s.prepare(
      `SELECT id, skill_id AS "skillId", agent_id AS "agentId", kind, calls, input_tokens AS "inputTokens", output_tokens AS "outputTokens",
         cost_sats AS "costSats", creator_sats AS "creatorSats", compute_sats AS "computeSats", platform_sats AS "platformSats",
         referrer_sats AS "referrerSats", created_at AS "createdAt" FROM skill_usage WHERE id = ?`,
    ),
    insertUsage: s.prepare(
      `INSERT INTO skill_usage (id, skill_id, agent_id, kind, calls, input_tokens, output_tokens, cost_sats, creator_sats,
         compute_sats, platform_sats, referrer_sats, created_at)
       VALUES (@id, @skillId, @agentId, @kind, @calls, @inputTokens, @outputTokens, @costSats, @creatorSats,
         @computeSats, @platformSats, @referrerSats, @createdAt)`,
    ),
  };
}

const sql = preparedPerConnection(prepare);

// SQLite's FTS5 table (PostgreSQL has none: see indexSkill).
const ftsSql = preparedPerConnection((db) => ({
  delete: db.prepare(`DELETE FROM skills_fts WHERE rowid = ?`),
  insert: db.prepare(`INSERT INTO skills_fts (rowid, name, description, tags, readme) VALUES (?, ?, ?, ?, ?)`),
}));

function skillWhere(row: unknown): SkillRow | undefined {
  return row === undefined ? undefined : skillFromSql(row as SkillSql);
}
export const skillBySlug = async (db: Db, slug: string) => skillWhere(await sql(db).bySlug.get(slug));
export const skillById = async (db: Db, id: string) => skillWhere(await sql(db).byId.get(id));
export const insertSkill = async (db: Db, row: Omit<SkillRow, 'rowid' | 'latestVersion' | 'ratingSum' | 'ratingCount' | 'installs' | 'updatedAt'>) =>
  await sql(db).insertSkill.run(skillToSql(row));
export const updateListing = async (
  db: Db,
  row: Pick<
    SkillRow,
    'id' | 'name' | 'description' | 'tags' | 'iconUrl' | 'requiredMcpServers' | 'pricing' | 'referencePriceSats' | 'revenueSplit' | 'latestVersion' | 'updatedAt'
  >,
) => await sql(db).updateListing.run(skillToSql(row));
export async function skillVersion(db: Db, skillId: string, version: string): Promise<SkillVersionRow | undefined> {
  const row = (await sql(db).version.get(skillId, version)) as VersionSql | undefined;
  return row && versionFromSql(row);
}
export const skillVersions = async (db: Db, skillId: string) => ((await sql(db).versions.all(skillId)) as VersionSql[]).map(versionFromSql);
export const upsertDraftVersion = async (db: Db, row: Omit<SkillVersionRow, 'status' | 'reviewReason' | 'publishedAt'>) =>
  await sql(db).upsertVersion.run({
    ...row,
    listing: JSON.stringify(row.listing),
    pricing: JSON.stringify(row.pricing),
    revenueSplit: JSON.stringify(row.revenueSplit),
    signature: JSON.stringify(row.signature),
    scanFindings: JSON.stringify(row.scanFindings),
  });
export const setVersionStatus = async (db: Db, r: { skillId: string; version: string; status: string; reason: string | null; publishedAt: string | null }) =>
  await sql(db).setVersionStatus.run(r);

/**
 * Replaces the skill's entry in the search index (or removes it when it is no longer
 * offered). On PostgreSQL a trigger keeps skills.search_vector current: nothing to do.
 */
export async function indexSkill(
  db: Db,
  skill: { rowid: number; name: string; description: string; tags: string[]; readme: string } | { rowid: number; remove: true },
): Promise<void> {
  if (db.dialect === 'postgres') return;
  await ftsSql(db).delete.run(skill.rowid);
  if ('remove' in skill) return;
  await ftsSql(db).insert.run(skill.rowid, skill.name, skill.description, skill.tags.join(' '), skill.readme);
}

export const findInstall = async (db: Db, agentId: string, skillId: string) => (await sql(db).install.get(agentId, skillId)) as InstallRow | undefined;
export const upsertInstall = async (db: Db, row: Omit<InstallRow, 'uninstalledAt'>) => await sql(db).upsertInstall.run(row);
export const markUninstalled = async (db: Db, agentId: string, skillId: string, at: string) => (await sql(db).uninstall.run(at, agentId, skillId)).changes === 1;
export const addInstalls = async (db: Db, skillId: string, delta: number) => await sql(db).addInstalls.run(delta, skillId);

export const findReviewRating = async (db: Db, skillId: string, agentId: string) => ((await sql(db).review.get(skillId, agentId)) as { rating: number } | undefined)?.rating;
export const upsertReview = async (db: Db, r: { skillId: string; agentId: string; rating: number; text: string | null; at: string }) => await sql(db).upsertReview.run(r);
export const addRating = async (db: Db, skillId: string, sumDelta: number, countDelta: number) => await sql(db).addRating.run(sumDelta, countDelta, skillId);

export interface UsageRow {
  id: string;
  skillId: string;
  agentId: string;
  kind: 'install' | 'usage';
  calls: number;
  inputTokens: number;
  outputTokens: number;
  costSats: number;
  creatorSats: number;
  computeSats: number;
  platformSats: number;
  referrerSats: number;
  createdAt: string;
}
export const insertUsage = async (db: Db, row: UsageRow) => await sql(db).insertUsage.run(row);
export const usageById = async (db: Db, id: string) => (await sql(db).usageById.get(id)) as UsageRow | undefined;

export async function listInstalled(db: Db, agentId: string): Promise<(InstallRow & { slug: string; name: string })[]> {
  return (await db
    .prepare(
      `SELECT i.agent_id AS "agentId", i.skill_id AS "skillId", i.version, i.version_range AS "versionRange", i.referrer_id AS "referrerId", i.installed_at AS "installedAt",
         i.uninstalled_at AS "uninstalledAt", s.slug, s.name
       FROM skill_installs i JOIN skills s ON s.id = i.skill_id WHERE i.agent_id = ? AND i.uninstalled_at IS NULL ORDER BY s.slug`,
    )
    .all(agentId)) as (InstallRow & { slug: string; name: string })[];
}

export interface SearchFilter {
  /** What the user typed: only its words reach MATCH, quoted (./fts-query.ts). */
  text?: string;
  pricingModel?: string;
  maxPriceSats?: number;
  tags?: string[];
  minRating?: number;
  authorId?: string;
  /** Only skills with a version in this status; default: offered skills (a live published version). */
  status?: string;
  sort: 'relevance' | 'rating' | 'installs' | 'price' | 'newest';
  offset: number;
  limit: number;
}

/**
 * What the catalogue query does differently per engine: its full-text index and rank, and
 * JSON. SQLite: FTS5 and bm25 (name weighs most, then description, tags, readme), which
 * is negative, smaller better. PostgreSQL: the search_vector column a trigger keeps
 * current (drizzle-pg/0004_search.sql) and ts_rank_cd with the same weights, positive,
 * larger better.
 */
const SKILL_SEARCH = {
  sqlite: {
    query: toFtsQuery,
    from: 'skills_fts JOIN skills s ON s.rowid = skills_fts.rowid',
    match: 'skills_fts MATCH @match',
    rank: 'bm25(skills_fts, 10.0, 4.0, 3.0, 1.0)',
    best: 'ASC',
    pricingModel: "json_extract(s.pricing, '$.model') = @pricingModel",
    tag: (param: string) => `EXISTS (SELECT 1 FROM json_each(s.tags) WHERE value = @${param})`,
  },
  postgres: {
    query: toTsQuery,
    from: "skills s CROSS JOIN to_tsquery('marketplace_search', @match) AS q",
    match: 's.search_vector @@ q',
    rank: SKILLS_RANK,
    best: 'DESC',
    pricingModel: "(s.pricing::jsonb ->> 'model') = @pricingModel",
    tag: (param: string) => `EXISTS (SELECT 1 FROM jsonb_array_elements_text(s.tags::jsonb) AS t(value) WHERE t.value = @${param})`,
  },
} as const;

/**
 * The catalogue query. Relevance is the text rank (SKILL_SEARCH above) blended with rating and
 * installs, so a well-used, well-rated match outranks an equally relevant unknown one.
 */
export async function searchSkills(db: Db, f: SearchFilter): Promise<(SkillRow & { rank: number | null })[]> {
  const engine = SKILL_SEARCH[db.dialect];
  const match = f.text ? engine.query(f.text) : null;
  // Text with no word in it matches nothing (rather than everything).
  if (f.text && match === null) return [];
  const where: string[] = [];
  const params: Record<string, unknown> = { offset: f.offset, limit: f.limit };
  const from = match === null ? 'skills s' : engine.from;
  if (match !== null) {
    where.push(engine.match);
    params.match = match;
  }
  if (f.status) {
    where.push('EXISTS (SELECT 1 FROM skill_versions v WHERE v.skill_id = s.id AND v.status = @status)');
    params.status = f.status;
  } else {
    where.push('s.latest_version IS NOT NULL');
  }
  if (f.pricingModel) {
    where.push(engine.pricingModel);
    params.pricingModel = f.pricingModel;
  }
  if (f.maxPriceSats !== undefined) {
    where.push('s.reference_price_sats <= @maxPrice');
    params.maxPrice = f.maxPriceSats;
  }
  if (f.minRating !== undefined) {
    // Cast: PostgreSQL would take the parameter for an integer like the column (ratings may be 4.5).
    where.push('s.rating_count > 0 AND s.rating_sum >= CAST(@minRating AS DOUBLE PRECISION) * s.rating_count');
    params.minRating = f.minRating;
  }
  if (f.authorId) {
    where.push('s.author_id = @authorId');
    params.authorId = f.authorId;
  }
  (f.tags ?? []).forEach((tag, i) => {
    where.push(engine.tag(`tag${i}`));
    params[`tag${i}`] = tag;
  });
  const rank = match === null ? 'NULL' : engine.rank;
  const blended = `(${rank}) * (1.0 + (CASE WHEN s.rating_count > 0 THEN s.rating_sum * 1.0 / s.rating_count ELSE 0 END) / 10.0) * (1.0 + ln(1.0 + s.installs) / 10.0)`;
  const order = {
    relevance: match === null ? 's.installs DESC, s.rowid DESC' : `${blended} ${engine.best}, s.rowid DESC`,
    rating: '(CASE WHEN s.rating_count > 0 THEN s.rating_sum * 1.0 / s.rating_count ELSE 0 END) DESC, s.rating_count DESC, s.rowid DESC',
    installs: 's.installs DESC, s.rowid DESC',
    price: 's.reference_price_sats ASC, s.rowid DESC',
    newest: 's.created_at DESC, s.rowid DESC',
  }[f.sort];
  return (
    // The SQL varies only with which filters and sort are given (a few hundred shapes at
    // most); the engine prepares each shape once by its text: preparing an FTS5 join cost
    // more than running a specific query (bench/skills.mjs).
    (
      (await db
        .prepare(
          `SELECT ${skillColumns('s.')}, ${rank} AS rank FROM ${from}
      WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT @limit OFFSET @offset`,
        )
        .all(params)) as (SkillSql & { rank: number | null })[]
    ).map(skillFromSql)
  );
}
