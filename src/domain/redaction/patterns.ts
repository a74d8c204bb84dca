// What counts as a secret, as a table of patterns. secretlint and gitleaks keep the
// well-known rule sets, but secretlint's engine is asynchronous and gitleaks is a Go
// binary, and this check runs inside a SQLite transaction, which cannot wait. So the
// table is ours, written after the providers' documented token formats; phone numbers,
// which no table does well, come from libphonenumber-js (scan.ts).

export type FindingKind = 'secret' | 'pii' | 'path';

export interface Rule {
  rule: string;
  kind: FindingKind;
  /** Global; when it has a group named `value`, only that part is the finding. */
  pattern: RegExp;
  /** Extra test on the matched value (e.g. enough randomness to be a real secret). */
  accept?: (value: string) => boolean;
}

/** Bits per character: keys are random, prose and identifiers are not. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

const looksRandom = (v: string) => v.length >= 12 && /[0-9]/.test(v) && /[A-Za-z]/.test(v) && shannonEntropy(v) >= 3;

export const RULES: readonly Rule[] = [
  { rule: 'private-key', kind: 'secret', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----|$)/g },
  { rule: 'aws-access-key', kind: 'secret', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { rule: 'github-token', kind: 'secret', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { rule: 'slack-token', kind: 'secret', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/g },
  { rule: 'stripe-key', kind: 'secret', pattern: /\b(?:sk|rk|pk)_(?:live|test)_[A-Za-z0-9]{16,}\b/g },
  { rule: 'anthropic-key', kind: 'secret', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,}/g },
  { rule: 'openai-key', kind: 'secret', pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/g, accept: looksRandom },
  { rule: 'google-api-key', kind: 'secret', pattern: /\bAIza[0-9A-Za-z_-]{35}\b/g },
  { rule: 'jwt', kind: 'secret', pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/g },
  { rule: 'bearer-token', kind: 'secret', pattern: /\bBearer\s+(?<value>[A-Za-z0-9._~+/-]{16,}=*)/gi, accept: looksRandom },
  { rule: 'nostr-secret-key', kind: 'secret', pattern: /\bnsec1[02-9ac-hj-np-z]{58}\b/g },
  { rule: 'wallet-connect-secret', kind: 'secret', pattern: /nostr\+walletconnect:\/\/[^\s"'<>]+/gi },
  { rule: 'url-credentials', kind: 'secret', pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s:/@"'<>]+:(?<value>[^\s@/"'<>]+)@/gi },
  { rule: 'password', kind: 'secret', pattern: /\b(?:password|passwd|pwd|passphrase)\b["']?\s*[:=]\s*["']?(?<value>[^\s"',;]{4,})/gi },
  {
    // KEY=value and "secret": "value" forms, including prefixed names (OPENAI_API_KEY=…).
    rule: 'secret-assignment',
    kind: 'secret',
    pattern: /\b[A-Za-z0-9_]*(?:api[_-]?key|secret|token|access[_-]?key|private[_-]?key|credential)[A-Za-z0-9_]*["']?\s*[:=]\s*["']?(?<value>[A-Za-z0-9_\-./+=]{12,})/gi,
    accept: looksRandom,
  },
  { rule: 'email', kind: 'pii', pattern: /\b[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b/g },
  // Home directories name their user.
  { rule: 'home-path', kind: 'path', pattern: /(?:\/home\/|\/Users\/)[A-Za-z0-9._-]+(?:\/[^\s"'<>:;,]*)?|\/root(?:\/[^\s"'<>:;,]*)?(?=$|[\s"'<>:;,])/g },
  { rule: 'windows-home-path', kind: 'path', pattern: /\b[A-Za-z]:\\(?:Users|Documents and Settings)\\[^\\\s"'<>]+(?:\\[^\s"'<>]*)?/gi },
];
