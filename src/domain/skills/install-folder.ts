// The install folder (`serve --install-dir DIR`): each installed skill as DIR/<slug>/, the
// Agent Skills layout Claude Code (~/.claude/skills) and Codex (~/.codex/skills) read.
// A folder is written whole or not at all: the files go into a fresh staging folder
// inside DIR (same file system), then one rename puts it in place, so a client never
// reads half a skill. The marketplace touches only folders that carry its marker file;
// anything else at DIR/<slug> is the user's and is never overwritten or removed.
import { closeSync, fsyncSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import { MarketError } from '../../core/errors.js';
import { INSTALL_MARKER_FILE, skillPathProblem, validateSkillName, type SkillFile } from './skill-md.js';

/**
 * Where staging and outgoing folders live, inside DIR so a rename never crosses file
 * systems. Its entries are one level further down than DIR/<slug>/SKILL.md, so a client
 * that loads DIR/*\/SKILL.md never mistakes a half-written skill for one.
 */
const STAGING_FOLDER = '.agent-marketplace';

export interface InstallMarker {
  written_by: 'agent-marketplace';
  slug: string;
  version: string;
  content_sha256: string;
}

export interface FolderContent {
  slug: string;
  version: string;
  contentSha256: string;
  files: readonly SkillFile[];
}

type FolderState = { kind: 'absent' } | { kind: 'ours'; marker: InstallMarker } | { kind: 'foreign'; why: string };

/** DIR as the real directory it names (created if missing): links in DIR's own path are the user's choice. */
function rootOf(installDir: string): string {
  let root: string;
  try {
    mkdirSync(installDir, { recursive: true });
    root = realpathSync(installDir);
  } catch (error) {
    throw new MarketError('INTERNAL', `The install folder ${installDir} (--install-dir) cannot be used: ${(error as Error).message}. Ask the operator to fix it.`);
  }
  if (!lstatSync(root).isDirectory()) throw new MarketError('CONFLICT', `The install folder ${root} is not a folder.`);
  return root;
}

function folderOf(root: string, slug: string): string {
  // The slug is a skill name (lowercase letters, digits, hyphens): one safe path part.
  validateSkillName(slug);
  return join(root, slug);
}

function stateOf(folder: string, slug: string): FolderState {
  let stat;
  try {
    stat = lstatSync(folder);
  } catch {
    return { kind: 'absent' };
  }
  if (stat.isSymbolicLink()) return { kind: 'foreign', why: 'it is a symbolic link' };
  if (!stat.isDirectory()) return { kind: 'foreign', why: 'it is a file, not a folder' };
  const markerPath = join(folder, INSTALL_MARKER_FILE);
  try {
    if (!lstatSync(markerPath).isFile()) return { kind: 'foreign', why: `its ${INSTALL_MARKER_FILE} is not a file` };
    const marker = JSON.parse(readFileSync(markerPath, 'utf8')) as Partial<InstallMarker>;
    if (marker.written_by !== 'agent-marketplace' || marker.slug !== slug) {
      return { kind: 'foreign', why: `its ${INSTALL_MARKER_FILE} does not name this skill` };
    }
    return { kind: 'ours', marker: marker as InstallMarker };
  } catch {
    return { kind: 'foreign', why: `it has no ${INSTALL_MARKER_FILE} marker, so the marketplace did not write it` };
  }
}

function foreign(folder: string, why: string): MarketError {
  return new MarketError(
    'CONFLICT',
    `${folder} already exists and is not a folder the marketplace installed (${why}): it was left untouched. Move or rename it, then install again.`,
    { path: folder },
  );
}

/** Refuses, before anything is paid, an install whose folder is taken by something the marketplace did not write. */
export function assertInstallFolderFree(installDir: string, slug: string): void {
  const folder = folderOf(rootOf(installDir), slug);
  const state = stateOf(folder, slug);
  if (state.kind === 'foreign') throw foreign(folder, state.why);
}

/** The skill's folder when it holds exactly this content, else null. */
export function installedFolder(installDir: string, slug: string, contentSha256: string): string | null {
  let folder: string;
  try {
    folder = folderOf(realpathSync(installDir), slug);
  } catch {
    return null;
  }
  const state = stateOf(folder, slug);
  return state.kind === 'ours' && state.marker.content_sha256 === contentSha256 ? folder : null;
}

/**
 * Puts the skill's files at DIR/<slug>/, replacing a folder the marketplace wrote for an
 * earlier version. Idempotent: a folder already holding this content is left as it is
 * (calls are replayed after approvals and retries). Returns the folder's absolute path.
 */
export function writeInstallFolder(installDir: string, content: FolderContent): string {
  const root = rootOf(installDir);
  const folder = folderOf(root, content.slug);
  const state = stateOf(folder, content.slug);
  if (state.kind === 'foreign') throw foreign(folder, state.why);
  if (state.kind === 'ours' && state.marker.content_sha256 === content.contentSha256 && state.marker.version === content.version) return folder;

  const staging = stagingOf(root);
  const fresh = mkdtempSync(join(staging, `${content.slug}-`));
  try {
    for (const file of content.files) writeNewFile(fresh, file.path, file.content);
    const marker: InstallMarker = { written_by: 'agent-marketplace', slug: content.slug, version: content.version, content_sha256: content.contentSha256 };
    writeNewFile(fresh, INSTALL_MARKER_FILE, `${JSON.stringify(marker, null, 2)}\n`, true);
    if (state.kind === 'ours') {
      // rename(2) cannot replace a non-empty folder: the old one steps aside first. A
      // crash between the two renames leaves no folder (install again), never a mixed one.
      const outgoing = mkdtempSync(join(staging, `old-${content.slug}-`));
      renameSync(folder, join(outgoing, content.slug));
      renameSync(fresh, folder);
      rmSync(outgoing, { recursive: true, force: true });
    } else {
      renameSync(fresh, folder);
    }
    return folder;
  } catch (error) {
    rmSync(fresh, { recursive: true, force: true });
    if (error instanceof MarketError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    // Something appeared at DIR/<slug> between the check and the rename.
    if (code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'ENOTDIR') throw foreign(folder, 'it appeared while installing');
    throw error;
  }
}

/** Removes the skill's folder if the marketplace wrote it; a folder of anyone else's stays. Returns whether it removed one. */
export function removeInstallFolder(installDir: string, slug: string): boolean {
  let root: string;
  try {
    root = realpathSync(installDir);
  } catch {
    return false;
  }
  const folder = folderOf(root, slug);
  if (stateOf(folder, slug).kind !== 'ours') return false;
  // Out of sight in one rename, then deleted: a client never sees a half-removed skill.
  const outgoing = mkdtempSync(join(stagingOf(root), `old-${slug}-`));
  renameSync(folder, join(outgoing, slug));
  rmSync(outgoing, { recursive: true, force: true });
  return true;
}

function stagingOf(root: string): string {
  const staging = join(root, STAGING_FOLDER);
  mkdirSync(staging, { recursive: true, mode: 0o700 });
  // A link here would carry the staged files wherever it points.
  if (!lstatSync(staging).isDirectory()) throw new MarketError('CONFLICT', `${staging} is not a folder: remove it so the marketplace can stage installs there.`);
  return staging;
}

/**
 * Writes one file under a folder this call just created. The path is checked again here,
 * whatever publishing checked, and must resolve inside the folder; the file is created
 * exclusively (O_EXCL: never through an existing file or link) and synced before the
 * rename makes it visible.
 */
function writeNewFile(folder: string, path: string, content: string, isMarker = false): void {
  const problem = isMarker ? null : skillPathProblem(path);
  if (problem) throw new MarketError('CONFLICT', `Refused to install: ${problem} Report it to the operator.`);
  const target = resolve(folder, ...path.split('/'));
  if (!target.startsWith(folder + sep)) throw new MarketError('CONFLICT', `Refused to install: "${path}" would be written outside the skill folder. Report it to the operator.`);
  mkdirSync(dirname(target), { recursive: true });
  const fd = openSync(target, 'wx', 0o644);
  try {
    writeFileSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
