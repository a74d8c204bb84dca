// Reading what an agent installed: the skills it has installed now and, for one of them,
// the installed version's files, checked against the content hash and the publisher's
// signature first (as install checks them), so a file altered in the database after
// signing is never handed to a model. Read-only: nothing is charged or recorded. The
// check itself is install's (installs.ts installedSkill), so there is one.
import type { Db } from '../../db/connection.js';
import * as store from '../../db/skills-store.js';
import type { SkillRow, SkillVersionRow } from '../../db/skills-store.js';
import { requireVersion } from './catalogue.js';
import { installedSkill } from './installs.js';
import type { SkillFile } from './skill-md.js';
import { mapInOrder } from '../../core/in-order.js';

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
export async function installedSkills(db: Db, agentId: string): Promise<InstalledSkill[]> {
  return await mapInOrder(await store.listInstalled(db, agentId), async (i) => {
    const skill = (await store.skillById(db, i.skillId))!;
    return describe(await requireVersion(db, skill, i.version), skill);
  });
}

/** The installed version's files, verified as install verifies them (installs.ts); NOT_FOUND for an agent that has not installed the skill. */
export async function installedSkillFiles(db: Db, agentId: string, slug: string): Promise<InstalledFiles> {
  const installed = await installedSkill(db, agentId, slug);
  const skill = (await store.skillBySlug(db, slug))!;
  return { ...describe(await requireVersion(db, skill, installed.version), skill), contentSha256: installed.content_sha256, files: installed.files };
}

function describe(v: SkillVersionRow, skill: SkillRow): InstalledSkill {
  const { listing } = v;
  return { slug: skill.slug, name: listing.name, description: listing.description, version: v.version, status: v.status };
}
