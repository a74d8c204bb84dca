// Reading what an agent installed: the skills it has installed now and, for one of them,
// the installed version's files, checked against the content hash and the publisher's
// signature first (as install checks them), so a file altered in the database after
// signing is never handed to a model. Read-only: nothing is charged or recorded.
import type { Db } from '../../db/connection.js';
import * as identity from '../../db/identity-store.js';
import * as store from '../../db/skills-store.js';
import type { SkillRow, SkillVersionRow } from '../../db/skills-store.js';
import { MarketError } from '../errors.js';
import { requireVersion } from './catalogue.js';
import { isValidSkillSignature } from './signing.js';
import { skillContentHash, type SkillFile } from './skill-md.js';

export interface InstalledSkill {
  slug: string;
  /** The name and description of the installed version's listing: the creator's words. */
  name: string;
  description: string;
  version: string;
  status: string;
}

export interface InstalledFiles extends InstalledSkill {
  contentSha256: string;
  files: SkillFile[];
}

/** The skills the agent has installed now, by slug. */
export function installedSkills(db: Db, agentId: string): InstalledSkill[] {
  return store.listInstalled(db, agentId).map((i) => {
    const skill = store.skillById(db, i.skillId)!;
    return describe(requireVersion(db, skill, i.version), skill);
  });
}

/** The installed version's files, verified; NOT_FOUND for an agent that has not installed the skill. */
export function installedSkillFiles(db: Db, agentId: string, slug: string): InstalledFiles {
  const skill = store.skillBySlug(db, slug);
  const install = skill && store.findInstall(db, agentId, skill.id);
  if (!skill || !install || install.uninstalledAt !== null) {
    throw new MarketError('NOT_FOUND', `You have not installed "${slug}": install it with marketplace_install_skill first.`);
  }
  const v = requireVersion(db, skill, install.version);
  const files = JSON.parse(v.files) as SkillFile[];
  if (!isIntact(db, skill, v, files)) {
    throw new MarketError('CONFLICT', `${slug}@${v.version} failed its integrity check (content hash or publisher signature): its files are withheld. Report it to the operator.`);
  }
  return { ...describe(v, skill), contentSha256: v.contentSha256, files };
}

function describe(v: SkillVersionRow, skill: SkillRow): InstalledSkill {
  const listing = JSON.parse(v.listing) as { name: string; description: string };
  return { slug: skill.slug, name: listing.name, description: listing.description, version: v.version, status: v.status };
}

/** The same check as install's: the files hash to what the publisher signed, and the signature is the publisher's. */
function isIntact(db: Db, skill: SkillRow, v: SkillVersionRow, files: SkillFile[]): boolean {
  if (skillContentHash(files) !== v.contentSha256) return false;
  // Only the public key is needed: the publisher's secret key stays sealed.
  const npub = skill.authorKind === 'sponsor' ? identity.getSponsor(db, skill.authorId)?.npub : identity.getAgent(db, skill.authorId)?.npub;
  return !!npub && isValidSkillSignature(JSON.parse(v.signature), npub, { slug: skill.slug, version: v.version, contentSha256: v.contentSha256 });
}
