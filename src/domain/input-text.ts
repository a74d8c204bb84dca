/// <reference lib="es2024.string" />
// Text from outside (tool arguments, policy files) must be text the marketplace can store
// and give back unchanged. A lone UTF-16 surrogate is valid JSON ("\ud800") but not
// Unicode: SQLite returns other characters than were sent, so anything hashed or compared
// over it breaks (issue 19: one memo made `ledger verify` report tampering for ever).
// NUL (U+0000) is refused too: no field needs it, C-string consumers (SQLite's length(),
// terminals, log shippers) cut text at it, and PostgreSQL, the planned second backend,
// cannot store it in text or jsonb at all.
import { MarketError } from '../core/errors.js';

/**
 * Arguments nest at most this deep. Free-form JSON fields have their own, lower limit
 * (MAX_JSON_DEPTH in src/tools/fields.ts) a few levels down; this bound sits above them
 * so they keep their own message, and stops everything else before a recursive parser
 * or serialiser can overflow the stack.
 */
export const MAX_INPUT_DEPTH = 100;

export interface InputIssue {
  /** Dotted path to the field, in the form zod's issues use (`policy.counterparties.block.1`). */
  path: string;
  message: string;
}

interface Visit {
  value: unknown;
  depth: number;
  key: string | null;
  parent: Visit | null;
}

/** Why this text cannot be stored as sent, or null when it can. */
export function textProblem(text: string): string | null {
  if (!text.isWellFormed()) {
    // In a /u regex a surrogate class matches only a surrogate without its pair.
    const at = /[\ud800-\udfff]/u.exec(text)!;
    const unit = at[0].charCodeAt(0).toString(16).toUpperCase();
    return `is not well-formed Unicode: a lone UTF-16 surrogate (U+${unit}) at character ${at.index}; send every surrogate in its pair, or encode the text as UTF-8`;
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) return `contains a NUL character (U+0000) at character ${nul}, which the marketplace does not accept in text`;
  return null;
}

/**
 * The first string or key in `value` that cannot be stored as sent, or the first place it
 * nests deeper than maxDepth. Walks with an explicit stack, never recursion, so hostile
 * depth cannot overflow the check itself.
 */
export function findInputIssue(value: unknown, maxDepth = MAX_INPUT_DEPTH): InputIssue | null {
  const pending: Visit[] = [{ value, depth: 0, key: null, parent: null }];
  while (pending.length > 0) {
    const visit = pending.pop()!;
    const keyProblem = visit.key === null ? null : textProblem(visit.key);
    if (keyProblem) return { path: pathOf(visit), message: `key ${keyProblem}` };
    const v = visit.value;
    if (typeof v === 'string') {
      const problem = textProblem(v);
      if (problem) return { path: pathOf(visit), message: `text ${problem}` };
      continue;
    }
    if (v === null || typeof v !== 'object') continue;
    if (visit.depth >= maxDepth) return { path: pathOf(visit), message: `nests deeper than ${maxDepth} levels` };
    const entries = Array.isArray(v) ? v.map((item, i) => [String(i), item] as const) : Object.entries(v);
    // Pushed last to first, so the first bad field in reading order is the one reported.
    for (let i = entries.length - 1; i >= 0; i--) {
      const [key, child] = entries[i]!;
      pending.push({ value: child, depth: visit.depth + 1, key, parent: visit });
    }
  }
  return null;
}

/** Throws INVALID_INPUT naming the field when `value` holds text that cannot be stored as sent. */
export function assertStorableInput(value: unknown, what = 'arguments'): void {
  const issue = findInputIssue(value);
  if (!issue) return;
  throw new MarketError('INVALID_INPUT', `Invalid ${what}: ${issue.path}: ${issue.message}. Fix it and try again.`, { issues: [issue] });
}

function pathOf(visit: Visit): string {
  const keys: string[] = [];
  for (let v: Visit | null = visit; v?.key != null; v = v.parent) keys.push(printable(v.key));
  return keys.reverse().join('.') || '(arguments)';
}

/** A key as it can be shown in a message: escaped as JSON escapes it when it is itself the problem. */
function printable(key: string): string {
  return textProblem(key) ? JSON.stringify(key).slice(1, -1) : key;
}
