// Finding and redacting secrets, personal data and home paths in text and JSON values.
// Synchronous on purpose: bounty verification runs inside a SQLite transaction.
// Findings carry the rule and offsets, never the matched text, so a report about a
// secret can be shown to anyone.
import { findPhoneNumbersInText } from 'libphonenumber-js';
import { RULES, type FindingKind } from './patterns.js';

export interface Finding {
  kind: FindingKind;
  rule: string;
  start: number;
  end: number;
}

const MARKER = '[REDACTED:';

/** Numbers in national format are read as US ones; international (+CC) ones are read as written. */
const PHONE_DEFAULT_COUNTRY = 'US';

export function scanText(text: string): Finding[] {
  const found: Finding[] = [];
  for (const r of RULES) {
    for (const m of text.matchAll(r.pattern)) {
      const value = m.groups?.value ?? m[0];
      if (r.accept && !r.accept(value)) continue;
      const start = m.groups?.value === undefined ? m.index : m.index + m[0].lastIndexOf(value);
      // What an earlier pass redacted (password=[REDACTED:password]) is not found again.
      if (value.startsWith(MARKER)) continue;
      found.push({ kind: r.kind, rule: r.rule, start, end: start + value.length });
    }
  }
  // A digit run is the cheapest sign a phone number might be present.
  if (/\d{3}/.test(text)) {
    for (const p of findPhoneNumbersInText(text, { defaultCountry: PHONE_DEFAULT_COUNTRY })) {
      found.push({ kind: 'pii', rule: 'phone', start: p.startsAt, end: p.endsAt });
    }
  }
  return withoutOverlaps(found);
}

const PRIORITY: Record<FindingKind, number> = { secret: 0, path: 1, pii: 2 };

/**
 * Keeps the earliest finding where they overlap; where they start together, a secret
 * before a home path before personal data (the password of user:password@host is a
 * secret, not an email), then the longest.
 */
function withoutOverlaps(found: Finding[]): Finding[] {
  found.sort((a, b) => a.start - b.start || PRIORITY[a.kind] - PRIORITY[b.kind] || b.end - a.end);
  const kept: Finding[] = [];
  for (const f of found) {
    const last = kept.at(-1);
    if (last && f.start < last.end) continue;
    kept.push(f);
  }
  return kept;
}

export function redactText(text: string): { text: string; findings: Finding[] } {
  const findings = scanText(text);
  let out = text;
  for (const f of [...findings].reverse()) out = `${out.slice(0, f.start)}${MARKER}${f.rule}]${out.slice(f.end)}`;
  return { text: out, findings };
}

/**
 * Every finding in a JSON value, with where it is (`$.a[2].b`). Keys are scanned too; a
 * key with a finding is named by its position (`$.{key 3}`) so the path never repeats it.
 */
export function scanValue(value: unknown, path = '$'): (Finding & { path: string })[] {
  if (typeof value === 'string') return scanText(value).map((f) => ({ ...f, path }));
  if (Array.isArray(value)) return value.flatMap((v, i) => scanValue(v, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([key, v], i) => {
      const inKey = scanText(key);
      const child = inKey.length > 0 ? `${path}.{key ${i}}` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `${path}.${key}` : `${path}[${JSON.stringify(key)}]`;
      return [...inKey.map((f) => ({ ...f, path: `${child} (key)` })), ...scanValue(v, child)];
    });
  }
  return [];
}
