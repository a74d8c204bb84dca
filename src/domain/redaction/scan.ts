// Finding and redacting secrets, personal data and home paths in text and JSON values.
// Synchronous, so it can run anywhere, but bounded (budget.ts): bounty verification runs
// it before taking the write lock, and in it only for a call a sponsor approved later.
// Findings carry the rule and offsets, never the matched text, so a report about a
// secret can be shown to anyone.
import { ScanBudget } from './budget.js';
import { RULES, type FindingKind } from './patterns.js';
import { findPhoneNumbers } from './phone.js';

export interface Finding {
  kind: FindingKind;
  rule: string;
  start: number;
  end: number;
}

/** Every redaction starts so; a value that does was redacted already. */
export const MARKER = '[REDACTED:';

/**
 * One budget may cover many texts (all of a submission's samples); each call gets its own
 * otherwise. `kinds` narrows the rules: a check that only refuses secrets need not parse
 * every number in a coding session as a possible phone number.
 */
export function scanText(text: string, budget = new ScanBudget(), kinds?: ReadonlySet<FindingKind>): Finding[] {
  const found: Finding[] = [];
  for (const r of RULES) {
    if (kinds && !kinds.has(r.kind)) continue;
    budget.checkTime();
    for (const m of text.matchAll(r.pattern)) {
      const [start, end] = m.indices?.groups?.value ?? [m.index, m.index + m[0].length];
      const value = text.slice(start, end);
      // What an earlier pass redacted (password=[REDACTED:password]) is not found again.
      if (value.startsWith(MARKER)) continue;
      if (r.accept && !r.accept(value, m)) continue;
      found.push({ kind: r.kind, rule: r.rule, start, end });
    }
  }
  if (!kinds || kinds.has('pii')) for (const p of findPhoneNumbers(text, budget)) found.push({ kind: 'pii', rule: 'phone', ...p });
  return withoutOverlaps(found);
}

const PRIORITY: Record<FindingKind, number> = { secret: 0, path: 1, pii: 2 };

/**
 * Overlapping findings become one, named for the earliest; where they start together, a
 * secret before a home path before personal data (the password of user:password@host is
 * a secret, not an email), then the longest. The span is their union, so redacting it
 * never leaves the tail of a longer secret in clear.
 */
export function withoutOverlaps(found: Finding[]): Finding[] {
  found.sort((a, b) => a.start - b.start || PRIORITY[a.kind] - PRIORITY[b.kind] || b.end - a.end);
  const kept: Finding[] = [];
  for (const f of found) {
    const last = kept.at(-1);
    if (last && f.start < last.end) last.end = Math.max(last.end, f.end);
    else kept.push({ ...f });
  }
  return kept;
}

export function redactText(text: string, budget = new ScanBudget()): { text: string; findings: Finding[] } {
  const findings = scanText(text, budget);
  return { text: applyRedactions(text, findings), findings };
}

/** Replaces each finding (sorted, non-overlapping) by its marker. */
export function applyRedactions(text: string, findings: readonly Finding[]): string {
  const parts: string[] = [];
  let at = 0;
  for (const f of findings) {
    parts.push(text.slice(at, f.start), `${MARKER}${f.rule}]`);
    at = f.end;
  }
  parts.push(text.slice(at));
  return parts.join('');
}
