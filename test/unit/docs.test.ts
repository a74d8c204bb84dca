// The README and docs/ as a reader of the repository meets them: the generated parts
// match the code, every link leads somewhere inside the repository, and the README
// stays a page one can read.
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const DOCS = [
  'README.md',
  'CHANGELOG.md',
  ...readdirSync(path.join(ROOT, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

/** GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens. */
function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  let inCode = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*```/.test(line)) inCode = !inCode;
    const m = !inCode && /^#{1,6} (.*)$/.exec(line);
    if (m)
      anchors.add(
        m[1]!
          .trim()
          .toLowerCase()
          .replace(/[^\p{L}\p{N}\- _]/gu, '')
          .replace(/ /g, '-'),
      );
  }
  return anchors;
}

describe('the documentation', () => {
  it('has the generated tool and command tables as the code defines them', () => {
    // Throws with the stale parts named (scripts/docs.mjs reads dist/, built for the suite).
    execFileSync(process.execPath, ['scripts/docs.mjs', '--check'], { cwd: ROOT, stdio: 'pipe' });
  });

  it('links only to files and headings that exist in the repository', () => {
    const broken: string[] = [];
    for (const file of DOCS) {
      const text = read(file).replace(/```[\s\S]*?```/g, '');
      for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
        if (/^(https?:|mailto:)/.test(target!)) continue;
        const [where, anchor] = target!.split('#') as [string, string | undefined];
        const resolved = where === '' ? file : path.normalize(path.join(path.dirname(file), where));
        if (resolved.startsWith('..') || !existsSync(path.join(ROOT, resolved))) {
          broken.push(`${file}: ${target} (no such file in the repository)`);
        } else if (anchor && resolved.endsWith('.md') && !anchorsOf(read(resolved)).has(anchor)) {
          broken.push(`${file}: ${target} (no such heading)`);
        }
      }
    }
    expect(broken).toEqual([]);
  });

  it('keeps the README short, and points at nothing a user of the repository does not have', () => {
    const readme = read('README.md');
    expect(readme.split('\n').length).toBeLessThan(450);
    for (const file of DOCS) expect(read(file), file).not.toMatch(/shared\/(TOOLS|SEED-RULES|ARCHITECTURE)\.md/);
    expect(existsSync(path.join(ROOT, 'LICENSE'))).toBe(true);
  });
});
