// The Agent Skills format (agentskills.io): a skill is a folder named for the skill, holding
// SKILL.md whose YAML front matter gives `name` and `description`, plus any files the
// instructions refer to. Agents such as Claude Code and Codex keep them under
// ~/.claude/skills and ~/.codex/skills, which is where the marketplace looks for skills to publish.
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { basename, join, relative, resolve, sep } from 'node:path';
import { parse } from 'yaml';
import { MarketError, isMarketError } from '../../core/errors.js';
import type { StoredSkillFile } from '../../db/json-columns.js';

export const SKILL_FILE = 'SKILL.md';
export const MAX_NAME_CHARS = 64;
export const MAX_DESCRIPTION_CHARS = 1024;
export const MAX_SKILL_FILES = 200;
export const MAX_SKILL_FILE_BYTES = 256 * 1024;
/**
 * All of a version's files together. Publishing hashes and scans every byte, and the scan
 * of hostile text (a finding on every line) costs about a second per 256 KiB: the files
 * limit alone (200 of 256 KiB) allowed minutes of it.
 */
export const MAX_SKILL_VERSION_BYTES = 2_000_000;

export interface SkillMd {
  name: string;
  description: string;
  /** Every other front-matter field (license, allowed-tools, metadata, …), as written. */
  metadata: Record<string, unknown>;
  body: string;
}

/** A file of a skill, as stored with its version. */
export type SkillFile = StoredSkillFile;

export interface LocalSkill {
  name: string;
  description: string;
  dir: string;
  files: SkillFile[];
  content_sha256: string;
  body: string;
}

export interface LocalSkillProblem {
  dir: string;
  message: string;
}

// The format's rule: lowercase letters, digits and single hyphens, no hyphen at either end.
const SKILL_NAME = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
const FRONT_MATTER = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/;
const FRONT_MATTER_EMPTY = /^\uFEFF?---[ \t]*\r?\n---[ \t]*(?:\r?\n|$)/;

export function validateSkillName(name: string): void {
  if (name.length < 1 || name.length > MAX_NAME_CHARS || !SKILL_NAME.test(name)) {
    throw new MarketError(
      'INVALID_INPUT',
      `Skill name "${name}" is not valid: use 1–${MAX_NAME_CHARS} lowercase letters, digits and single hyphens, not starting or ending with a hyphen (e.g. "weather-forecast").`,
    );
  }
}

export function parseSkillMd(text: string): SkillMd {
  const { yamlText, body } = splitFrontMatter(text);
  const front = parseFrontMatter(yamlText);
  const { name, description, ...metadata } = front;
  if (typeof name !== 'string') throw invalid('SKILL.md front matter needs a `name` string.');
  validateSkillName(name);
  return { name, description: checkedDescription(description), metadata, body };
}

function splitFrontMatter(text: string): { yamlText: string; body: string } {
  const match = FRONT_MATTER.exec(text) ?? FRONT_MATTER_EMPTY.exec(text);
  if (match === null) {
    throw invalid('SKILL.md must start with YAML front matter between two `---` lines, giving at least `name` and `description`.');
  }
  return { yamlText: match[1] ?? '', body: text.slice(match[0].length) };
}

function parseFrontMatter(yamlText: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = parse(yamlText);
  } catch (error) {
    throw invalid(`SKILL.md front matter is not valid YAML: ${(error as Error).message}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw invalid('SKILL.md front matter must be a YAML mapping with `name` and `description`.');
  }
  return value as Record<string, unknown>;
}

function checkedDescription(description: unknown): string {
  if (typeof description !== 'string' || description.trim() === '') {
    throw invalid('SKILL.md front matter needs a non-empty `description` string: say what the skill does and when to use it.');
  }
  if (description.length > MAX_DESCRIPTION_CHARS) {
    throw invalid(`SKILL.md description is ${description.length} characters; the limit is ${MAX_DESCRIPTION_CHARS}.`);
  }
  return description;
}

/**
 * The file an install folder carries to say the marketplace wrote it (src/domain/skills/
 * install-folder.ts). No skill may ship a file of that name: it would forge the claim.
 */
export const INSTALL_MARKER_FILE = '.agent-marketplace.json';

// Path parts of letters, digits, '_', '.' and '-' only: no backslash, ':' (drive letters,
// Windows streams), spaces, control characters or non-ASCII look-alikes.
const SKILL_PATH_PART = /^[\w.-]+$/;

/**
 * Why a file path could escape or confuse the folder it is written into, or null when it
 * is a plain relative path. Both publishing and the install folder's writer ask, so a bad
 * path stored by any other route is still never written.
 */
export function skillPathProblem(path: string): string | null {
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) return `File path "${path}" is absolute: give it relative to the skill folder (e.g. "scripts/run.sh").`;
  if (path.includes('\\')) return `File path "${path}" uses backslashes: separate folders with "/".`;
  const parts = path.split('/');
  if (parts.some((p) => p === '..' || p === '.')) return `File path "${path}" has a "." or ".." part: give it relative to the skill folder, without them.`;
  if (!parts.every((p) => SKILL_PATH_PART.test(p))) {
    return `File path "${path}" may use only letters, digits, "_", "." and "-" in its parts, separated by single "/".`;
  }
  if (path === INSTALL_MARKER_FILE) return `File path "${path}" is reserved: the marketplace marks the folders it installs with it.`;
  return null;
}

/**
 * Refuses files that cannot be written into one folder as given: a bad path, the same path
 * twice, two paths differing only in case (one file on macOS and Windows), or a file whose
 * path is another's folder. Then the size limits.
 */
export function checkSkillFiles(files: readonly SkillFile[]): void {
  if (files.length > MAX_SKILL_FILES) throw invalid(`A skill has at most ${MAX_SKILL_FILES} files.`);
  const folded = new Map<string, string>();
  for (const f of files) {
    const problem = skillPathProblem(f.path);
    if (problem) throw invalid(problem);
    const key = f.path.toLowerCase();
    const earlier = folded.get(key);
    if (earlier === f.path) throw invalid(`File "${f.path}" appears twice.`);
    if (earlier !== undefined) throw invalid(`Files "${earlier}" and "${f.path}" differ only in case: on macOS and Windows they are one file. Rename one.`);
    folded.set(key, f.path);
    if (Buffer.byteLength(f.content, 'utf8') > MAX_SKILL_FILE_BYTES) throw invalid(`File "${f.path}" is over ${MAX_SKILL_FILE_BYTES / 1024} KiB.`);
  }
  for (const [key, path] of folded) {
    const parts = key.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = folded.get(parts.slice(0, i).join('/'));
      if (folder !== undefined) throw invalid(`"${folder}" is a file, but "${path}" needs it to be a folder. Rename one.`);
    }
  }
  checkVersionSize(files);
}

/** Refuses a version whose files hold more than MAX_SKILL_VERSION_BYTES in all. */
export function checkVersionSize(files: readonly SkillFile[], where = 'This skill version'): void {
  let total = 0;
  for (const file of files) total += Buffer.byteLength(file.content, 'utf8');
  if (total > MAX_SKILL_VERSION_BYTES) throw versionTooLarge(where, total);
}

function versionTooLarge(where: string, bytes: number): MarketError {
  return new MarketError(
    'INVALID_INPUT',
    `${where} holds ${bytes.toLocaleString('en-US')} bytes of files; a skill version is limited to ${MAX_SKILL_VERSION_BYTES.toLocaleString('en-US')} bytes in all (and ${MAX_SKILL_FILES} files of ${MAX_SKILL_FILE_BYTES / 1024} KiB each). Make it smaller.`,
    { limit: 'version_bytes', max: MAX_SKILL_VERSION_BYTES },
  );
}

function invalid(message: string): MarketError {
  return new MarketError('INVALID_INPUT', message);
}

/**
 * SHA-256 over the files in path order, each as `path \0 byte-length \0 content`. The
 * length prefix keeps the encoding unambiguous: no two different file sets hash the same
 * input, whatever the contents hold.
 */
export function skillContentHash(files: readonly SkillFile[]): string {
  const hash = createHash('sha256');
  for (const file of [...files].sort((a, b) => comparePaths(a.path, b.path))) {
    const content = Buffer.from(file.content, 'utf8');
    hash.update(`${file.path}\0${content.length}\0`, 'utf8');
    hash.update(content);
  }
  return hash.digest('hex');
}

// Code-unit order, not localeCompare: the hash must not depend on the machine's locale.
function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function readSkillFolder(dir: string): LocalSkill {
  const root = resolve(dir);
  const skillMd = readTextFile(join(root, SKILL_FILE));
  if (skillMd === null) throw invalid(`${root} has no readable ${SKILL_FILE} (or it is binary or over ${MAX_SKILL_FILE_BYTES / 1024} KiB).`);
  const parsed = parseSkillMd(skillMd);
  if (parsed.name !== basename(root)) {
    throw invalid(`SKILL.md names the skill "${parsed.name}" but its folder is "${basename(root)}": the Agent Skills format requires them to match; rename one.`);
  }
  const files = collectFiles(root);
  return { name: parsed.name, description: parsed.description, dir: root, files, content_sha256: skillContentHash(files), body: parsed.body };
}

function collectFiles(root: string): SkillFile[] {
  const files: SkillFile[] = [];
  // Reading stops at the version limit: such a folder could not be published anyway.
  let bytes = 0;
  const visit = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      // Dot-directories (and dot-links) hold tooling (.git, .venv), not the skill.
      if (entry.name.startsWith('.') && !entry.isFile()) continue;
      if (entry.isDirectory()) {
        visit(full);
        continue;
      }
      // A link is refused, not followed nor dropped: followed it could publish a file from
      // outside the folder (~/.ssh), dropped the skill would ship without a file it names.
      if (entry.isSymbolicLink()) {
        throw invalid(`${full} is a symbolic link: a published skill holds only its own files. Replace the link with the file itself, or remove it.`);
      }
      if (!entry.isFile()) continue;
      const content = readSkillText(full);
      if (content === null) continue;
      files.push({ path: relative(root, full).split(sep).join('/'), content });
      bytes += Buffer.byteLength(content, 'utf8');
      if (bytes > MAX_SKILL_VERSION_BYTES) throw versionTooLarge(root, bytes);
      if (files.length > MAX_SKILL_FILES) {
        throw invalid(`${root} holds more than ${MAX_SKILL_FILES} text files; a skill should be small enough to review.`);
      }
    }
  };
  visit(root);
  return files.sort((a, b) => comparePaths(a.path, b.path));
}

/**
 * A file of the skill: its text, or null when it is binary (a NUL byte: skills are text,
 * an image beside them is not part of what is published). Too large a file is refused
 * rather than left out, so the publisher is never surprised by a skill missing a file.
 */
function readSkillText(path: string): string | null {
  const size = lstatSync(path).size;
  if (size > MAX_SKILL_FILE_BYTES) {
    throw invalid(
      `${path} is ${size.toLocaleString('en-US')} bytes; a skill file is limited to ${MAX_SKILL_FILE_BYTES / 1024} KiB. Make it smaller or move it out of the skill folder.`,
    );
  }
  const bytes = readFileSync(path);
  return bytes.includes(0) ? null : bytes.toString('utf8');
}

/** A file's text, or null when it is missing, too large or binary (a NUL byte) and so not skill text. */
function readTextFile(path: string): string | null {
  let size: number;
  try {
    const stat = lstatSync(path);
    if (!stat.isFile()) return null;
    size = stat.size;
  } catch {
    return null;
  }
  if (size > MAX_SKILL_FILE_BYTES) return null;
  const bytes = readFileSync(path);
  if (bytes.includes(0)) return null;
  return bytes.toString('utf8');
}

/**
 * Every skill folder directly under the given directories. One broken skill must not hide
 * the others, so it is reported as a problem instead of thrown; a directory that does not
 * exist is simply not a place with skills.
 */
export function discoverLocalSkills(dirs: readonly string[]): { skills: LocalSkill[]; problems: LocalSkillProblem[] } {
  const skills: LocalSkill[] = [];
  const problems: LocalSkillProblem[] = [];
  for (const dir of dirs) {
    for (const candidate of skillFolders(dir, problems)) {
      try {
        skills.push(readSkillFolder(candidate));
      } catch (error) {
        problems.push({ dir: candidate, message: isMarketError(error) ? error.message : `Could not read the skill: ${(error as Error).message}` });
      }
    }
  }
  return { skills, problems };
}

/**
 * The local skill of that name, or null: only its own folder is read, since the Agent
 * Skills format names the folder after the skill. A broken folder throws its problem.
 */
export function findLocalSkill(dirs: readonly string[], name: string): LocalSkill | null {
  validateSkillName(name); // also keeps the name from reaching outside the skill directories
  let problem: MarketError | null = null;
  for (const dir of dirs) {
    const candidate = join(resolve(dir), name);
    if (!isDirectory(candidate) || !exists(join(candidate, SKILL_FILE))) continue;
    try {
      return readSkillFolder(candidate);
    } catch (error) {
      // As in discovery, a broken folder does not hide a good one of the same name further on.
      problem ??= isMarketError(error) ? error : invalid(`Could not read the skill in ${candidate}: ${(error as Error).message}`);
    }
  }
  if (problem) throw problem;
  return null;
}

function skillFolders(dir: string, problems: LocalSkillProblem[]): string[] {
  const root = resolve(dir);
  if (!isDirectory(root)) return [];
  let names: string[];
  try {
    names = readdirSync(root).sort(comparePaths);
  } catch (error) {
    problems.push({ dir: root, message: `Could not list skills: ${(error as Error).message}` });
    return [];
  }
  // Skill folders are often symlinked in from a checkout, so these links are followed.
  return names
    .filter((name) => !name.startsWith('.'))
    .map((name) => join(root, name))
    .filter((sub) => isDirectory(sub) && exists(join(sub, SKILL_FILE)));
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function exists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}

export function defaultSkillDirs(home: string = homedir(), cwd: string = process.cwd()): string[] {
  return [join(home, '.claude', 'skills'), join(home, '.codex', 'skills'), join(cwd, 'skills')];
}
