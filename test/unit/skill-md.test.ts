import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MarketError } from '../../src/core/errors.js';
import { defaultSkillDirs, discoverLocalSkills, parseSkillMd, readSkillFolder, skillContentHash, validateSkillName } from '../../src/domain/skills/skill-md.js';

const temporary: string[] = [];
afterEach(() => {
  for (const dir of temporary.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'skill-md-'));
  temporary.push(dir);
  return dir;
}

/** A folder of files in one line: { 'SKILL.md': '…', 'scripts/run.sh': '…' }. */
function folder(root: string, files: Record<string, string | Buffer>): string {
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}

const skillMd = (name: string, description = 'Forecasts the weather for a city. Use when asked about the weather.') =>
  `---\nname: ${name}\ndescription: ${description}\n---\n# ${name}\n\nCall the forecast API.\n`;

function invalidInput(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(MarketError);
    expect((error as MarketError).code).toBe('INVALID_INPUT');
    return (error as MarketError).message;
  }
  throw new Error('expected INVALID_INPUT');
}

describe('SKILL.md (Agent Skills format)', () => {
  it('reads name and description from the front matter, the rest as metadata, and the body after it', () => {
    const parsed = parseSkillMd('---\nname: weather-forecast\ndescription: Forecasts the weather.\nlicense: MIT\nmetadata:\n  author: ada\n---\n# Weather\n');
    expect(parsed).toEqual({
      name: 'weather-forecast',
      description: 'Forecasts the weather.',
      metadata: { license: 'MIT', metadata: { author: 'ada' } },
      body: '# Weather\n',
    });
  });

  it('accepts Windows line endings and a byte-order mark', () => {
    expect(parseSkillMd('\uFEFF---\r\nname: pdf\r\ndescription: Reads PDFs.\r\n---\r\nBody').body).toBe('Body');
  });

  it('explains what is missing or wrong', () => {
    expect(invalidInput(() => parseSkillMd('# No front matter'))).toMatch(/front matter/);
    expect(invalidInput(() => parseSkillMd('---\ndescription: x\n---\n'))).toMatch(/`name`/);
    expect(invalidInput(() => parseSkillMd('---\nname: pdf\n---\n'))).toMatch(/`description`/);
    expect(invalidInput(() => parseSkillMd('---\nname: pdf\ndescription: "   "\n---\n'))).toMatch(/non-empty `description`/);
    expect(invalidInput(() => parseSkillMd(`---\nname: pdf\ndescription: ${'d'.repeat(1025)}\n---\n`))).toMatch(/1025 characters; the limit is 1024/);
    expect(invalidInput(() => parseSkillMd('---\nname: [unclosed\ndescription: x\n---\n'))).toMatch(/not valid YAML/);
    expect(invalidInput(() => parseSkillMd('---\n- a list\n---\n'))).toMatch(/mapping/);
    expect(invalidInput(() => parseSkillMd('---\nname: Weather\ndescription: x\n---\n'))).toMatch(/lowercase/);
  });

  it('allows a description of exactly 1024 characters', () => {
    expect(parseSkillMd(`---\nname: pdf\ndescription: ${'d'.repeat(1024)}\n---\n`).description).toHaveLength(1024);
  });
});

describe('skill names', () => {
  it.each(['a', 'pdf', 'weather-forecast', 'v2-api-client', 'x'.repeat(64)])('accepts %s', (name) => {
    expect(() => validateSkillName(name)).not.toThrow();
  });

  it.each(['', 'Weather', '-pdf', 'pdf-', 'pdf--tools', 'pdf_tools', 'pdf tools', 'café', 'x'.repeat(65), '../etc'])('refuses %j', (name) => {
    expect(invalidInput(() => validateSkillName(name))).toMatch(/lowercase letters, digits and single hyphens/);
  });
});

describe('skill content hash', () => {
  it('does not depend on the order the files come in', () => {
    const a = { path: 'SKILL.md', content: 'x' };
    const b = { path: 'scripts/run.sh', content: 'echo hi' };
    expect(skillContentHash([a, b])).toBe(skillContentHash([b, a]));
    expect(skillContentHash([a, b])).toMatch(/^[0-9a-f]{64}$/);
  });

  it('cannot confuse where one file ends and the next begins', () => {
    const one = skillContentHash([{ path: 'a', content: 'b\0c' }]);
    const two = skillContentHash([
      { path: 'a', content: 'b' },
      { path: 'c', content: '' },
    ]);
    expect(one).not.toBe(two);
    expect(skillContentHash([{ path: 'ab', content: 'c' }])).not.toBe(skillContentHash([{ path: 'a', content: 'bc' }]));
  });

  it('changes when any byte changes, and is the same for the same files', () => {
    const files = [{ path: 'SKILL.md', content: 'café' }];
    expect(skillContentHash(files)).toBe(skillContentHash([{ path: 'SKILL.md', content: 'café' }]));
    expect(skillContentHash(files)).not.toBe(skillContentHash([{ path: 'SKILL.md', content: 'cafe' }]));
  });
});

describe('reading a skill folder', () => {
  it('reads SKILL.md and the text files beside it, as sorted POSIX paths, hashed', () => {
    const dir = folder(join(tempDir(), 'weather-forecast'), {
      'SKILL.md': skillMd('weather-forecast'),
      'scripts/forecast.py': 'print("sunny")\n',
      'reference/cities.md': '# Cities\n',
      '.git/config': '[core]\n',
      'assets/logo.png': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01]),
      'data/limit.txt': 'y'.repeat(256 * 1024),
    });
    const skill = readSkillFolder(dir);
    expect(skill.name).toBe('weather-forecast');
    expect(skill.description).toMatch(/^Forecasts the weather/);
    expect(skill.dir).toBe(dir);
    expect(skill.body).toBe('# weather-forecast\n\nCall the forecast API.\n');
    expect(skill.files.map((f) => f.path)).toEqual(['SKILL.md', 'data/limit.txt', 'reference/cities.md', 'scripts/forecast.py']);
    expect(skill.content_sha256).toBe(skillContentHash(skill.files));
  });

  it('requires the folder to carry the skill name', () => {
    const dir = folder(join(tempDir(), 'weather'), { 'SKILL.md': skillMd('weather-forecast') });
    expect(invalidInput(() => readSkillFolder(dir))).toMatch(/names the skill "weather-forecast" but its folder is "weather"/);
  });

  it('refuses a folder without SKILL.md, and one with more than 200 files', () => {
    expect(invalidInput(() => readSkillFolder(tempDir()))).toMatch(/SKILL\.md/);
    const files: Record<string, string> = { 'SKILL.md': skillMd('big') };
    for (let i = 0; i < 200; i++) files[`notes/${i}.md`] = `note ${i}`;
    expect(invalidInput(() => readSkillFolder(folder(join(tempDir(), 'big'), files)))).toMatch(/more than 200/);
  });

  it('refuses a folder holding a symbolic link, rather than following it out of the folder or leaving the file out', () => {
    const outside = folder(tempDir(), { 'secret.txt': 'do not publish' });
    const fileLink = folder(join(tempDir(), 'linked'), { 'SKILL.md': skillMd('linked') });
    symlinkSync(join(outside, 'secret.txt'), join(fileLink, 'secret.txt'));
    expect(invalidInput(() => readSkillFolder(fileLink))).toMatch(/secret\.txt is a symbolic link/);
    const folderLink = folder(join(tempDir(), 'linked'), { 'SKILL.md': skillMd('linked') });
    symlinkSync(outside, join(folderLink, 'outside'));
    expect(invalidInput(() => readSkillFolder(folderLink))).toMatch(/outside is a symbolic link/);
    // Links among tooling (dot-folders and dot-links) are not the skill and are not read.
    const tooling = folder(join(tempDir(), 'linked'), { 'SKILL.md': skillMd('linked') });
    symlinkSync(outside, join(tooling, '.venv'));
    expect(readSkillFolder(tooling).files.map((f) => f.path)).toEqual(['SKILL.md']);
  });

  it('refuses a file over the per-file limit instead of publishing the skill without it', () => {
    const dir = folder(join(tempDir(), 'weather-forecast'), { 'SKILL.md': skillMd('weather-forecast'), 'data/huge.json': 'x'.repeat(256 * 1024 + 1) });
    expect(invalidInput(() => readSkillFolder(dir))).toMatch(/huge\.json is 262,145 bytes; a skill file is limited to 256 KiB/);
  });
});

describe('discovering local skills', () => {
  it('finds each skill folder under the skill directories, reports broken ones, skips missing directories', () => {
    const claude = tempDir();
    const project = tempDir();
    folder(claude, {
      'pdf/SKILL.md': skillMd('pdf', 'Reads PDFs.'),
      'weather-forecast/SKILL.md': skillMd('weather-forecast'),
      'misnamed/SKILL.md': skillMd('something-else'),
      'not-a-skill/README.md': '# just a folder',
      '.hidden/SKILL.md': skillMd('hidden'),
      'loose-file.md': 'not a folder',
    });
    folder(project, { 'broken/SKILL.md': 'no front matter' });
    const found = discoverLocalSkills([join(claude, 'does-not-exist'), claude, project]);
    expect(found.skills.map((s) => s.name)).toEqual(['pdf', 'weather-forecast']);
    expect(found.problems.map((p) => p.dir)).toEqual([join(claude, 'misnamed'), join(project, 'broken')]);
    expect(found.problems[0]!.message).toMatch(/folder is "misnamed"/);
    expect(found.problems[1]!.message).toMatch(/front matter/);
  });

  it('follows a symlinked skill folder, as installs from a checkout use them', () => {
    const checkout = folder(join(tempDir(), 'pdf'), { 'SKILL.md': skillMd('pdf') });
    const skills = tempDir();
    symlinkSync(checkout, join(skills, 'pdf'));
    expect(discoverLocalSkills([skills]).skills.map((s) => s.name)).toEqual(['pdf']);
  });

  it('looks in the Claude and Codex skill folders and the project’s skills folder by default', () => {
    expect(defaultSkillDirs('/home/ada', '/work/app')).toEqual(['/home/ada/.claude/skills', '/home/ada/.codex/skills', '/work/app/skills']);
  });
});
