// The install folder's writer on its own: whatever files it is handed (a bad path stored by
// some route other than publishing), it writes inside DIR/<slug> or not at all.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { MarketError } from '../../src/core/errors.js';
import { removeInstallFolder, writeInstallFolder } from '../../src/domain/skills/install-folder.js';
import { skillPathProblem } from '../../src/domain/skills/skill-md.js';

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'install-folder-'));
  temporary.push(dir);
  return dir;
}

const skill = (files: { path: string; content: string }[], version = '1.0.0') => ({ slug: 'pdf-tools', version, contentSha256: `hash-${version}`, files });
const SKILL_MD = { path: 'SKILL.md', content: '---\nname: pdf-tools\ndescription: PDFs.\n---\n' };

function refusal(run: () => unknown): MarketError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MarketError);
    return error as MarketError;
  }
  throw new Error('expected a refusal');
}

describe('the install folder writer', () => {
  it.each(['../../.bashrc', 'scripts/../../../escape.sh', '/tmp/absolute.sh', 'C:/evil.bat', 'a\\..\\..\\b', '.agent-marketplace.json', ''])(
    'refuses the path %j and leaves nothing behind, inside DIR or outside it',
    (bad) => {
      const root = tempDir();
      const dir = join(root, 'skills');
      const error = refusal(() => writeInstallFolder(dir, skill([SKILL_MD, { path: bad, content: 'echo pwned' }])));
      expect(error.code).toBe('CONFLICT');
      expect(error.message).toMatch(/Refused to install/);
      expect(readdirSync(dir)).toEqual(['.agent-marketplace']);
      expect(readdirSync(join(dir, '.agent-marketplace'))).toEqual([]);
      expect(readdirSync(root)).toEqual(['skills']);
    },
  );

  it('replaces a folder it wrote, and removes it, but never one without its marker', () => {
    const dir = tempDir();
    const folder = writeInstallFolder(dir, skill([SKILL_MD, { path: 'scripts/old.sh', content: 'old' }]));
    expect(folder).toBe(join(dir, 'pdf-tools'));
    writeInstallFolder(dir, skill([SKILL_MD, { path: 'scripts/new.sh', content: 'new' }], '1.1.0'));
    expect(readdirSync(join(folder, 'scripts'))).toEqual(['new.sh']);
    expect(JSON.parse(readFileSync(join(folder, '.agent-marketplace.json'), 'utf8'))).toMatchObject({ version: '1.1.0' });
    expect(removeInstallFolder(dir, 'pdf-tools')).toBe(true);
    expect(existsSync(folder)).toBe(false);

    mkdirSync(folder);
    writeFileSync(join(folder, 'SKILL.md'), 'mine');
    expect(refusal(() => writeInstallFolder(dir, skill([SKILL_MD]))).code).toBe('CONFLICT');
    expect(removeInstallFolder(dir, 'pdf-tools')).toBe(false);
    expect(readFileSync(join(folder, 'SKILL.md'), 'utf8')).toBe('mine');
  });

  it('does not stage through a link planted where its staging folder goes', () => {
    const dir = tempDir();
    const elsewhere = tempDir();
    symlinkSync(elsewhere, join(dir, '.agent-marketplace'));
    expect(refusal(() => writeInstallFolder(dir, skill([SKILL_MD]))).code).toBe('CONFLICT');
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(existsSync(join(dir, 'pdf-tools'))).toBe(false);
  });

  it('refuses a slug that is not a plain folder name', () => {
    expect(refusal(() => writeInstallFolder(tempDir(), { ...skill([SKILL_MD]), slug: '../escape' })).code).toBe('INVALID_INPUT');
  });

  it('accepts plain relative paths only', () => {
    expect(skillPathProblem('scripts/extract.sh')).toBeNull();
    expect(skillPathProblem('reference/.hidden-notes.md')).toBeNull();
    for (const bad of ['..', './a', 'a//b', 'a/', 'sp ace', 'caf\u00e9.md', 'a:b', 'nul\u0000']) expect(skillPathProblem(bad), bad).not.toBeNull();
  });
});

describe('--install-dir', () => {
  it('is off by default, taken from MARKETPLACE_INSTALL_DIR or the flag, absolute, with ~ expanded as a shell would', () => {
    expect(loadConfig({ db: ':memory:' }, {}).installDir).toBeNull();
    expect(loadConfig({ db: ':memory:' }, { HOME: '/home/ada', MARKETPLACE_INSTALL_DIR: '~/.codex/skills' }).installDir).toBe('/home/ada/.codex/skills');
    expect(loadConfig({ db: ':memory:', installDir: '~/.claude/skills' }, { HOME: '/home/ada', MARKETPLACE_INSTALL_DIR: '/elsewhere' }).installDir).toBe(
      '/home/ada/.claude/skills',
    );
    expect(loadConfig({ db: ':memory:', installDir: 'skills' }, {}).installDir).toBe(join(process.cwd(), 'skills'));
    expect(() => loadConfig({ db: ':memory:', installDir: ' ' }, {})).toThrow(/install-dir/);
  });
});
