// What counts as a secret, as a table of patterns. secretlint and gitleaks keep the
// well-known rule sets, but secretlint's engine (@secretlint/core's lintSource) is
// asynchronous and gitleaks is a Go binary, and this check runs inside a SQLite
// transaction, which cannot wait; redact-pii has a synchronous redactor but has not been
// released since 2024, pulls in Google's DLP client and knows no token formats. So the
// table is ours, written after the providers' documented token formats and the rule
// lists of gitleaks and secretlint; phone numbers, which no table does well, come from
// libphonenumber-js (scan.ts).
//
// Every quantifier that can run over attacker-sized input is bounded, and every pattern
// that starts with a character class starts only where a run of that class starts (a
// lookbehind): a 2 MB sample of `a.a.a.…` must not take minutes inside the transaction.

export type FindingKind = 'secret' | 'pii' | 'path';

export interface Rule {
  rule: string;
  kind: FindingKind;
  /** Global; when it has a group named `value` (and the `d` flag, for its offsets), only that part is the finding. */
  pattern: RegExp;
  /** Extra test on the match (e.g. enough randomness to be a real secret). */
  accept?: (value: string, match: RegExpMatchArray) => boolean;
}

/** Bits per character: keys are random, prose and identifiers are not. */
export function shannonEntropy(s: string): number {
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / s.length) * Math.log2(n / s.length);
  return bits;
}

/** A generated key mixes letters and digits; 3 bits per character keeps out words and ids like `v1-final-draft`. */
export const looksRandom = (v: string): boolean => v.length >= 12 && /[0-9]/.test(v) && /[A-Za-z]/.test(v) && shannonEntropy(v) >= 3;

/** Values that stand for a password rather than being one: code, types, templates, masks. */
const NOT_A_PASSWORD = new Set([
  'string',
  'str',
  'text',
  'null',
  'none',
  'nil',
  'undefined',
  'true',
  'false',
  'bool',
  'boolean',
  'number',
  'int',
  'required',
  'optional',
  'password',
  'passwd',
  'secret',
  'redacted',
  'hidden',
  'empty',
  'example',
]);

export function looksLikePassword(v: string): boolean {
  if (NOT_A_PASSWORD.has(v.toLowerCase())) return false;
  if (/^(.)\1*$/.test(v)) return false; // ****, xxxx
  if (/[()[\]{}<>$%]/.test(v)) return false; // getpass(), ${DB_PASS}, <password>, %(pw)s
  if (/^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$/.test(v)) return false; // process.env.DB_PASS, self.password
  if (/^(?:\/|~|\.{1,2}\/|[A-Za-z]:\\)/.test(v)) return false; // PWD=/work/main is a directory
  return true;
}

/**
 * Names under which a secret is stored: the name ends with the word, so `tokenizer`,
 * `token_count`, `token_hash` and `secret_santa_id` are not secrets but `GITHUB_TOKEN`,
 * `client_secret` and `aws_secret_access_key` are.
 */
const SECRET_WORD = String.raw`(?:api[_-]?key|apikey|secret(?:[_-]?key)?|token|access[_-]?key|private[_-]?key|credentials?|auth[_-]?key|macaroon)`;
const PASSWORD_WORD = String.raw`(?:password|passwd|pwd|passphrase)`;
export const SECRET_NAME = new RegExp(String.raw`^[A-Za-z0-9_.-]{0,40}?${SECRET_WORD}$`, 'i');
export const PASSWORD_NAME = new RegExp(String.raw`^[A-Za-z0-9_.-]{0,40}?${PASSWORD_WORD}$`, 'i');

/** A name in `NAME=value`, `name: value` or `"name": "value"`, starting where the word starts. */
const assignment = (word: string, value: string) =>
  new RegExp(String.raw`(?<![A-Za-z0-9_-])[A-Za-z0-9_-]{0,40}?${word}["']?[ \t]{0,8}(?<sep>[:=])[ \t]{0,8}(?<quote>["']?)(?<value>${value})`, 'dgi');

/** Credentials of HTTP Basic auth are base64 of `user:password`. */
function decodesToUserPassword(v: string): boolean {
  return /^[^:\s]*:\S+$/.test(Buffer.from(v, 'base64').toString('utf8'));
}

const BECH32 = '[02-9ac-hj-np-z]';

export const RULES: readonly Rule[] = [
  // A key cut off before its END line is still a key: the rest of the text goes with it.
  {
    rule: 'private-key',
    kind: 'secret',
    pattern: /-----BEGIN (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----[\s\S]*?(?:-----END (?:[A-Z0-9]+ ){0,4}PRIVATE KEY(?: BLOCK)?-----|$)/g,
  },
  { rule: 'aws-access-key', kind: 'secret', pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}\b/g },
  { rule: 'github-token', kind: 'secret', pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{22,255})\b/g },
  { rule: 'gitlab-token', kind: 'secret', pattern: /\bglpat-[A-Za-z0-9_-]{20,255}/g },
  { rule: 'npm-token', kind: 'secret', pattern: /\bnpm_[A-Za-z0-9]{36}\b/g },
  { rule: 'huggingface-token', kind: 'secret', pattern: /\bhf_[A-Za-z0-9]{34}\b/g },
  { rule: 'slack-token', kind: 'secret', pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,255}/g },
  // Publishable keys (pk_) are public by design; secret and restricted keys are not, test mode included.
  { rule: 'stripe-key', kind: 'secret', pattern: /\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,255}\b/g },
  { rule: 'anthropic-key', kind: 'secret', pattern: /\bsk-ant-[A-Za-z0-9_-]{20,255}/g },
  { rule: 'openai-key', kind: 'secret', pattern: /\bsk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,255}/g, accept: looksRandom },
  { rule: 'google-api-key', kind: 'secret', pattern: /\bAIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])/g },
  { rule: 'jwt', kind: 'secret', pattern: /\beyJ[A-Za-z0-9_-]{8,4096}\.eyJ[A-Za-z0-9_-]{8,8192}\.[A-Za-z0-9_-]{8,1024}/g },
  { rule: 'bearer-token', kind: 'secret', pattern: /\bBearer[ \t]{1,8}(?<value>[A-Za-z0-9._~+/-]{16,4096}={0,2})/dgi, accept: looksRandom },
  { rule: 'basic-auth', kind: 'secret', pattern: /\bBasic[ \t]{1,8}(?<value>[A-Za-z0-9+/]{8,1024}={0,2})(?![A-Za-z0-9+/=])/dg, accept: decodesToUserPassword },
  // NIP-19: 32 bytes in bech32 are 52 characters, plus 6 of checksum.
  { rule: 'nostr-secret-key', kind: 'secret', pattern: new RegExp(String.raw`\bnsec1${BECH32}{58}\b`, 'g') },
  // NIP-47: the connection string always carries the secret the wallet trusts.
  { rule: 'wallet-connect-secret', kind: 'secret', pattern: /\bnostr\+?walletconnect:(?:\/\/)?[^\s"'<>]{1,4096}/gi },
  { rule: 'url-credentials', kind: 'secret', pattern: /(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}:\/\/[^\s:/@"'<>]{0,256}:(?<value>[^\s@/"'<>]{1,256})@/dg },
  {
    // After `:` an unquoted plain word is prose ("Password: click the link"), not a password.
    rule: 'password',
    kind: 'secret',
    pattern: assignment(PASSWORD_WORD, String.raw`[^\s"',;]{4,256}`),
    accept: (v, m) => looksLikePassword(v) && (m.groups?.sep === '=' || m.groups?.quote !== '' || !/^[A-Za-z]+$/.test(v)),
  },
  { rule: 'secret-assignment', kind: 'secret', pattern: assignment(SECRET_WORD, String.raw`[A-Za-z0-9_\-./+=]{12,4096}`), accept: looksRandom },
  // `git@host:owner/repo` is how git names an SSH remote, not a person.
  { rule: 'email', kind: 'pii', pattern: /(?<![A-Za-z0-9._%+-])(?!git@)[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){0,8}\.[A-Za-z]{2,24}(?![A-Za-z0-9-])/g },
  // Home directories name their user; `/home/` inside a URL's path (example.com/home/about) does not.
  { rule: 'home-path', kind: 'path', pattern: /(?<![\w.~-])\/(?:home|Users)\/[A-Za-z0-9._-]{1,64}(?:\/[^\s"'<>:;,]*)?/g },
  // As written and as escaped inside JSON text (C:\\Users\\…), or with forward slashes.
  { rule: 'windows-home-path', kind: 'path', pattern: /\b[A-Za-z]:(?:\\{1,2}|\/)(?:Users|Documents and Settings)(?:\\{1,2}|\/)[^\\/\s"'<>]{1,64}(?:(?:\\{1,2}|\/)[^\s"'<>]*)?/gi },
];
