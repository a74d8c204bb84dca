// Findings in JSON values: a data sample is usually an object, and a secret in an object
// is often told apart only by its key ({"password": "letmein"}), which scanning each
// string alone would miss.
import { ScanBudget } from './budget.js';
import { looksLikePassword, looksRandom, PASSWORD_NAME, SECRET_NAME } from './patterns.js';
import { applyRedactions, MARKER, scanText, withoutOverlaps, type Finding } from './scan.js';

export type LocatedFinding = Finding & { path: string };

export function scanValue(value: unknown, budget = new ScanBudget()): LocatedFinding[] {
  const findings: LocatedFinding[] = [];
  visit(value, '$', undefined, findings, budget);
  return findings;
}

/**
 * A copy of a JSON value with every finding replaced by its marker, in strings and in
 * keys, for what leaves the machine; paths in the findings are those of the original.
 */
export function redactValue(value: unknown, budget = new ScanBudget()): { value: unknown; findings: LocatedFinding[] } {
  const findings: LocatedFinding[] = [];
  return { value: visit(value, '$', undefined, findings, budget), findings };
}

/** Walks the value, collecting findings, and returns its redacted copy. */
function visit(value: unknown, path: string, key: string | undefined, out: LocatedFinding[], budget: ScanBudget): unknown {
  if (typeof value === 'string') {
    const found = scanString(value, key, budget);
    for (const f of found) out.push({ ...f, path });
    return found.length > 0 ? applyRedactions(value, found) : value;
  }
  if (Array.isArray(value)) return value.map((v, i) => visit(v, `${path}[${i}]`, undefined, out, budget));
  if (value !== null && typeof value === 'object') {
    const taken = new Set<string>();
    // fromEntries, not assignment, so a "__proto__" key stays a plain key.
    return Object.fromEntries(
      Object.entries(value).map(([k, v], i) => {
        const inKey = scanText(k, budget);
        // A key with a finding is named by its position, so the path never repeats it.
        const child = inKey.length > 0 ? `${path}.{key ${i}}` : /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`;
        for (const f of inKey) out.push({ ...f, path: `${child} (key)` });
        return [unusedKey(inKey.length > 0 ? applyRedactions(k, inKey) : k, taken), visit(v, child, k, out, budget)];
      }),
    );
  }
  return value;
}

const PLACEHOLDER = /\[REDACTED:[a-z0-9-]+\]/g;

/** Findings in a string, plus the whole string when its key names a secret and it looks like one. */
function scanString(s: string, key: string | undefined, budget: ScanBudget): Finding[] {
  const found = scanText(s, budget);
  if (key === undefined || s.startsWith(MARKER) || found.some((f) => f.kind === 'secret')) return found;
  // Judged without what an earlier pass put in (`0,[REDACTED:user-name]` is as random as `0,`):
  // a placeholder is never content, so redacting again finds nothing new.
  const content = s.replaceAll(PLACEHOLDER, '');
  const rule =
    PASSWORD_NAME.test(key) && content.length >= 4 && looksLikePassword(content) ? 'password' : SECRET_NAME.test(key) && looksRandom(content) ? 'secret-assignment' : undefined;
  return rule ? withoutOverlaps([...found, { kind: 'secret', rule, start: 0, end: s.length }]) : found;
}

/** Two redacted keys (two email addresses) must not collapse into one. */
function unusedKey(k: string, taken: Set<string>): string {
  let candidate = k;
  for (let n = 2; taken.has(candidate); n++) candidate = `${k} (${n})`;
  taken.add(candidate);
  return candidate;
}
