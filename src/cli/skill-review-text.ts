// `skills show` as text: every file of a version, numbered as the scanner numbers lines,
// with each finding printed under the line it is on. The files are the creator's, printed
// to the operator's terminal, with hidden characters spelled out (shown-text.ts).
import { LINE_BREAK, visible } from '../domain/skills/shown-text.js';
import type { VersionForReview } from '../domain/skills/version-review.js';

/** `dbOption` is the ` --db PATH` the operator ran with, for the command the text suggests. */
export function renderVersionForReview(v: VersionForReview, dbOption = ''): string {
  const findings = v.files.reduce((n, f) => n + f.findings.length, 0);
  const out = [
    `${v.slug} ${v.version} (${v.status}), content sha256 ${v.content_sha256}`,
    ...(v.files_match_hash ? [] : ['WARNING: these files do not hash to that content sha256: they were altered after publishing, and install refuses them.']),
    `${v.files.length} file(s), ${findings} scanner finding(s)${v.findings_omitted ? ` shown and ${v.findings_omitted} more not kept` : ''}. ` +
      'Lines are numbered; a finding is printed under its line. Hidden characters are shown as \\u{…}.',
  ];
  for (const file of v.files) {
    const lines = file.content.split(LINE_BREAK);
    const width = String(lines.length).length;
    out.push('', `=== ${visible(file.path)} (${lines.length} line(s), ${file.findings.length} finding(s)) ===`);
    lines.forEach((line, i) => {
      out.push(`${String(i + 1).padStart(width)} | ${visible(line)}`);
      for (const f of file.findings.filter((x) => x.line === i + 1)) {
        out.push(`${' '.repeat(width)} ^ ${finding(f)}`);
      }
    });
    // A finding on no line of the file (none should be) is still shown, never dropped.
    for (const f of file.findings.filter((x) => x.line < 1 || x.line > lines.length)) out.push(`${' '.repeat(width)} ^ line ${f.line}: ${finding(f)}`);
  }
  if (v.status === 'PendingReview' || v.status === 'InReview') {
    out.push('', `Decide with: agent-marketplace skills review ${v.slug} --version ${v.version} --decision approve|request-changes|reject [--reason R]${dbOption}`);
  }
  return out.join('\n');
}

function finding(f: VersionForReview['files'][number]['findings'][number]): string {
  return `${f.severity} ${f.category} (${f.rule}): ${visible(f.excerpt)}`;
}
