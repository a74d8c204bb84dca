// A static scan of a skill's files before review. A skill is text an agent will read and
// often follow, so three things matter: secrets the creator leaked into it, shell commands
// that would hurt the machine of whoever runs it, and text that tries to steer the
// installing agent against its user. The scan only reports; the reviewer decides.
// Rules are line-based regexes, chosen to catch the common forms with few false alarms;
// they are a first look, not a guarantee.
import { MarketError } from '../../core/errors.js';
import { MAX_SCAN_MS } from '../redaction/budget.js';
import type { StoredScanFinding } from '../../db/json-columns.js';

/** One finding, as stored with the version. */
export type ScanFinding = StoredScanFinding;
export type ScanCategory = ScanFinding['category'];
export type ScanSeverity = ScanFinding['severity'];

export interface ScannedFile {
  path: string;
  content: string;
}

interface LineRule {
  rule: string;
  category: ScanCategory;
  severity: ScanSeverity;
  /** For secrets, a named group `secret` marks the part masked in every excerpt. */
  pattern: RegExp;
}

export const MAX_EXCERPT_CHARS = 120;

const SHELL = String.raw`(?:sudo\s+)?(?:ba|z|da|k)?sh\b`;
// Skill files come from anyone, so no rule may take time quadratic in a line's length: every
// open-ended stretch is bounded, and a command longer than this before its pipe is not matched.
const REACH = 400;

// Values people write in docs instead of a real secret; flagging them would teach
// reviewers to ignore the secret rules.
const PLACEHOLDER = /^(?:<[^>]*>|\$\{?[\w.]+\}?|\{\{.*\}\}|[x*.]+)$|your|example|placeholder|change[_-]?me|dummy|redacted|xxxx|\*\*\*\*/i;

const SECRET_RULES: readonly LineRule[] = [
  // AWS key ids have a fixed, documented shape; the secret key beside them has none.
  { rule: 'aws_access_key_id', category: 'secret', severity: 'high', pattern: /\b(?:AKIA|ASIA)(?<secret>[0-9A-Z]{16})\b/ },
  // The header alone proves a private key was pasted; the body lines below it are the key.
  { rule: 'private_key_block', category: 'secret', severity: 'high', pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----/ },
  // GitHub's token prefixes (ghp_ personal, gho_ OAuth, ghu_/ghs_ app, ghr_ refresh, github_pat_ fine-grained).
  { rule: 'github_token', category: 'secret', severity: 'high', pattern: /\b(?:gh[pousr]_|github_pat_)(?<secret>[A-Za-z0-9_]{20,})/ },
  { rule: 'slack_token', category: 'secret', severity: 'high', pattern: /\bxox[baprs]-(?<secret>[A-Za-z0-9-]{10,})/ },
  // A Nostr secret key signs as its owner: on this marketplace that is the creator's identity and payouts.
  { rule: 'nostr_secret_key', category: 'secret', severity: 'high', pattern: /\bnsec1(?<secret>[02-9ac-hj-np-z]{58})\b/i },
  // A Nostr Wallet Connect URI with its secret spends from the wallet it names.
  {
    rule: 'nwc_connection_secret',
    category: 'secret',
    severity: 'high',
    pattern: /nostr\+walletconnect:\/\/[^\s"'<>]{0,1000}?[?&]secret=(?<secret>[^\s&"'<>#]+)/i,
  },
  // A quoted, long value assigned to something named like a credential; short or
  // unquoted values are usually prose ("password reset") or references to variables.
  {
    rule: 'hardcoded_secret',
    category: 'secret',
    severity: 'medium',
    pattern: /(?:api[_-]?key|apikey|secret|password|passwd|access[_-]?token|auth[_-]?token)\b["']?\s*[:=]\s*(["'])(?<secret>[^"'\s]{12,})\1/i,
  },
];

const SHELL_RULES: readonly LineRule[] = [
  // Running a script straight off the network skips any review of what it does.
  {
    rule: 'download_piped_to_shell',
    category: 'dangerous_shell',
    severity: 'high',
    pattern: new RegExp(String.raw`\b(?:curl|wget)\b[^|\n]{0,${REACH}}\|\s*${SHELL}|\b(?:ba|z|da|k)?sh\s+(?:-c\s+)?["']?(?:<\(|\$\()\s*(?:curl|wget)\b`, 'i'),
  },
  // Recursive deletion of the filesystem root or the home directory; ./build and /tmp/x are fine.
  {
    rule: 'rm_rf_root_or_home',
    category: 'dangerous_shell',
    severity: 'high',
    pattern: /\brm\s+(?:-[\w-]+\s+){0,8}?(?:-[a-zA-Z]*[rR][a-zA-Z]*|--recursive)\s+(?:-[\w-]+\s+){0,8}["']?(?:\/\*?|~\/?\*?|\$HOME\/?\*?|\$\{HOME\}\/?\*?)["']?(?=$|[\s;&|)`])/,
  },
  { rule: 'chmod_777', category: 'dangerous_shell', severity: 'medium', pattern: /\bchmod\s+(?:-[a-zA-Z]+\s+){0,8}0?777\b/ },
  // Encoding a command hides it from the reader; decoding it into a shell runs it unread.
  {
    rule: 'base64_decoded_to_shell',
    category: 'dangerous_shell',
    severity: 'high',
    pattern: new RegExp(String.raw`\bbase64\s+(?:-d|-D|--decode)\b[^|\n]{0,${REACH}}\|\s*${SHELL}`, 'i'),
  },
  { rule: 'eval_remote_script', category: 'dangerous_shell', severity: 'high', pattern: /\beval\s+["']?\$\(\s*(?:curl|wget)\b/i },
  // Adding a key to authorized_keys gives someone a login to the machine.
  {
    rule: 'authorized_keys_write',
    category: 'dangerous_shell',
    severity: 'high',
    pattern: /(?:>{1,2}|\btee\b[^|\n]{0,200}?|\b(?:cp|mv|install|ln)\b[^|\n]{0,200}?)\s*["']?[^\s"']{0,200}\.ssh\/authorized_keys\b/,
  },
  { rule: 'fork_bomb', category: 'dangerous_shell', severity: 'high', pattern: /:\s*\(\s*\)\s*\{\s*:\s*\|\s*:\s*&\s*\}\s*;\s*:/ },
  // A skill should not need root; only sudo used as a command counts, not the word in prose.
  {
    rule: 'sudo',
    category: 'dangerous_shell',
    severity: 'medium',
    pattern: /(?:^\s*(?:[$#>]\s+)?|[;&|`(]\s*)sudo\s+(?:-\S+\s+){0,8}[\w./$-]/,
  },
];

const INJECTION_RULES: readonly LineRule[] = [
  {
    rule: 'ignore_previous_instructions',
    category: 'prompt_injection',
    severity: 'high',
    pattern:
      /\b(?:ignore|forget|override)\s+(?:all\s+|any\s+)?(?:of\s+)?(?:the\s+|your\s+)?(?:previous|prior|above|earlier|preceding)\s+(?:instructions|prompts?|directions|rules)\b/i,
  },
  {
    rule: 'disregard_system_prompt',
    category: 'prompt_injection',
    severity: 'high',
    pattern: /\bdisregard\s+(?:all\s+)?(?:of\s+)?(?:your|the)\s+(?:system\s+prompt|instructions|rules|guidelines)\b/i,
  },
  // Re-casting the agent's role is how jailbreaks start; medium because READMEs also say
  // "you are now the owner of …".
  {
    rule: 'role_override',
    category: 'prompt_injection',
    severity: 'medium',
    pattern: /\byou\s+are\s+now\s+(?:an?\s+|the\s+|in\s+\w+\s+mode\b|no\s+longer\b|free\s+(?:of|from)\b|unrestricted\b|jailbroken\b|dan\b)/i,
  },
  // The user is who the agent answers to; text asking it to keep secrets from them is hostile.
  {
    rule: 'conceal_from_user',
    category: 'prompt_injection',
    severity: 'high',
    pattern:
      /\b(?:do\s+not|don['’]t|never)\s+(?:tell|inform|alert|notify|show|mention\s+(?:this\s+|it\s+)?to|reveal\s+(?:this\s+|it\s+)?to)\s+(?:the\s+|your\s+)?(?:user|human|operator|sponsor|owner)\b/i,
  },
  // The verb must act on the credential itself: "send the request with your API key" is normal API docs.
  {
    rule: 'send_credentials',
    category: 'prompt_injection',
    severity: 'high',
    pattern:
      /\b(?:send|post|upload|forward|transmit|email|leak|paste)\s+(?:(?:your|the|my|all|any|their|its|every|user'?s)\s+){0,2}(?:[\w-]+\s+)?(?:api[\s_-]?keys?|(?:access\s+|auth\s+|bearer\s+)?tokens?|secrets?|private[\s_-]?keys?|credentials|passwords?|seed\s+phrases?|mnemonics?|nsec)\b/i,
  },
  { rule: 'exfiltrate', category: 'prompt_injection', severity: 'medium', pattern: /\bexfiltrat(?:e|es|ed|ing|ion)\b/i },
  { rule: 'new_instructions', category: 'prompt_injection', severity: 'high', pattern: /\b(?:new|updated|real)\s+instructions\s*:/i },
  // Text a human reviewer cannot see but the agent reads: zero-width characters and Unicode
  // tag characters. Joiners inside emoji sequences and ZWNJ inside words (Persian, Indic
  // scripts) are ordinary writing, not hiding.
  {
    rule: 'hidden_invisible_characters',
    category: 'prompt_injection',
    severity: 'medium',
    pattern:
      // eslint-disable-next-line no-misleading-character-class -- each invisible joiner is matched on its own, on purpose
      /[\u200B\u2060\u180E\u2062-\u2064]|(?<![\p{L}\p{M}])\u200C|(?<![\p{Extended_Pictographic}\u{1F3FB}-\u{1F3FF}\uFE0F])\u200D|\uFEFF|(?<!\u{1F3F4}[\u{E0020}-\u{E007E}]{0,32})[\u{E0000}-\u{E007F}]/u,
  },
];

const LINE_RULES: readonly LineRule[] = [...SECRET_RULES, ...SHELL_RULES, ...INJECTION_RULES];
const RULE_ORDER = new Map<string, number>([...LINE_RULES.map((r, i) => [r.rule, i] as const), ['hidden_html_comment_instructions', LINE_RULES.length]]);

// An HTML comment is invisible in rendered Markdown, so instructions inside one are aimed
// at the agent, not the reader.
/** Enough of a long comment to show the reviewer; the excerpt is cut to 120 characters anyway. */
const MAX_COMMENT_EXCERPT_SOURCE = 1000;
const INSTRUCTION_WORDS =
  /\b(?:ignore|disregard|forget|instructions?|system\s+prompt|you\s+(?:are|must|should|will|need)|(?:do\s+not|don['’]t|never)\s+(?:tell|mention|reveal|show)|(?:assistant|agent|ai|llm|claude|model)\s*[:,]|run\s+(?:the\s+)?(?:following|this|these)|execute|send|upload|exfiltrat)/i;

/** Findings a version keeps: plenty for a reviewer to judge it by; the rest are only counted. */
export const MAX_STORED_FINDINGS = 200;
/**
 * Wall time one version's scan may take: the same budget as any other scan of text from
 * anyone (src/domain/redaction/budget.ts). A call a sponsor approved later scans inside
 * the database's write transaction, so this is also the longest it can hold that lock.
 */
export const MAX_SKILL_SCAN_MS = MAX_SCAN_MS;

export interface VersionScan {
  /** The first MAX_STORED_FINDINGS findings, in file then line order. */
  findings: ScanFinding[];
  /** How many more the scan found and did not keep. */
  omitted: number;
}

/** Every finding in the files, unbounded: for text already known to be small. */
export function scanSkillFiles(files: readonly ScannedFile[]): ScanFinding[] {
  return scanSkillVersion(files, { maxFindings: Infinity, maxMs: Infinity }).findings;
}

/**
 * A version's scan, bounded: findings past maxFindings are counted without building their
 * excerpts, and past maxMs the scan stops and the version is refused, since what was not
 * read cannot be said to be clean.
 */
export function scanSkillVersion(files: readonly ScannedFile[], limits: { maxFindings?: number; maxMs?: number } = {}): VersionScan {
  const maxFindings = limits.maxFindings ?? MAX_STORED_FINDINGS;
  const deadline = new Deadline(limits.maxMs ?? MAX_SKILL_SCAN_MS);
  const findings: ScanFinding[] = [];
  let omitted = 0;
  for (const file of files) {
    for (const hit of hitsIn(file, deadline)) {
      if (findings.length >= maxFindings) {
        omitted++;
        continue;
      }
      deadline.check();
      findings.push(hit.finding());
    }
  }
  return { findings, omitted };
}

class Deadline {
  private readonly at: number;

  constructor(private readonly ms: number) {
    this.at = performance.now() + ms;
  }

  /** Called between pieces of work that are each short (one line, one comment, one excerpt). */
  check(): void {
    if (performance.now() > this.at) {
      throw new MarketError(
        'INVALID_INPUT',
        `Scanning this skill version's files for secrets, dangerous shell and prompt injection took longer than the limit of ${this.ms.toLocaleString('en-US')} ms, so it was not published. Publish fewer, smaller or plainer files.`,
        { limit: 'scan_ms', max: this.ms },
      );
    }
  }
}

/** A place a rule matched; its excerpt is built only if the finding is kept. */
interface Hit {
  rule: string;
  line: number;
  finding: () => ScanFinding;
}

/** A file's hits, at most one per rule and line, by line then rule. */
function hitsIn(file: ScannedFile, deadline: Deadline): Hit[] {
  // A byte-order mark opening a file is an encoding marker, not hidden text.
  const content = file.content.replace(/^\uFEFF/, '');
  const lines = content.split(/\r\n|\r|\n/);
  const hits: Hit[] = [];
  lines.forEach((text, i) => {
    deadline.check();
    for (const rule of LINE_RULES) {
      const at = firstMatch(rule, text);
      if (at !== null) hits.push({ rule: rule.rule, line: i + 1, finding: () => findingAt(rule, file.path, i + 1, text, at) });
    }
  });
  let lastCommentLine = 0;
  for (const comment of instructionComments(content, deadline)) {
    if (comment.line === lastCommentLine) continue; // two comments opening on one line are one finding
    lastCommentLine = comment.line;
    hits.push({
      rule: 'hidden_html_comment_instructions',
      line: comment.line,
      finding: () => ({
        rule: 'hidden_html_comment_instructions',
        category: 'prompt_injection',
        severity: 'high',
        path: file.path,
        line: comment.line,
        excerpt: excerptOf(comment.text.replace(/\s+/g, ' '), 0),
      }),
    });
  }
  return hits.sort((a, b) => a.line - b.line || (RULE_ORDER.get(a.rule) ?? 0) - (RULE_ORDER.get(b.rule) ?? 0));
}

/** Where a rule first matches a line, skipping secrets that are plainly placeholders. */
function firstMatch(rule: LineRule, text: string): number | null {
  // Only secrets need more than the first match (to skip placeholders); for the others one
  // exec says whether and where, without matchAll's iterator and clone.
  if (rule.category !== 'secret') return rule.pattern.exec(text)?.index ?? null;
  // Most lines hold no secret: a plain test says so before the costlier walk.
  if (!rule.pattern.test(text)) return null;
  for (const match of text.matchAll(globalCopy(rule.pattern))) {
    const secret = match.groups?.['secret'];
    if (secret !== undefined && PLACEHOLDER.test(secret)) continue;
    return match.index;
  }
  return null;
}

function findingAt(rule: LineRule, path: string, line: number, text: string, index: number): ScanFinding {
  return { rule: rule.rule, category: rule.category, severity: rule.severity, path, line, excerpt: excerptOf(text, index) };
}

// Found with indexOf rather than a regex: a lazy `<!--[\s\S]*?-->` rescans to the end of
// the file for every unclosed `<!--`, which is quadratic on hostile input.
function instructionComments(content: string, deadline: Deadline): { line: number; text: string }[] {
  const comments: { line: number; text: string }[] = [];
  const lines = new LineCounter(content);
  let from = 0;
  for (;;) {
    deadline.check();
    const open = content.indexOf('<!--', from);
    if (open === -1) break;
    const close = content.indexOf('-->', open + 4);
    if (close === -1) break;
    from = close + 3;
    if (INSTRUCTION_WORDS.test(content.slice(open + 4, close))) {
      comments.push({ line: lines.lineAt(open), text: content.slice(open, Math.min(from, open + MAX_COMMENT_EXCERPT_SOURCE)) });
    }
  }
  return comments;
}

/** Line numbers of increasing offsets in one pass over the text. */
class LineCounter {
  private offset = 0;
  private line = 1;

  constructor(private readonly text: string) {}

  lineAt(offset: number): number {
    const newlines = this.text.slice(this.offset, offset).match(/\r\n|\r|\n/g)?.length ?? 0;
    // Offsets always point at a `<!--`, so no \r\n is ever split between two counts.
    this.line += newlines;
    this.offset = offset;
    return this.line;
  }
}

/**
 * A short, safe view of the line around a match: secrets masked before anything else (so
 * no cut can leave part of one showing), invisible characters spelled out so the reviewer
 * sees them, at most MAX_EXCERPT_CHARS long.
 */
function excerptOf(text: string, index: number): string {
  const masked = maskSecrets(text);
  const start = masked.length <= MAX_EXCERPT_CHARS ? 0 : Math.max(0, Math.min(index - 30, masked.length - MAX_EXCERPT_CHARS));
  const window = (start > 0 ? '…' : '') + masked.slice(start, start + MAX_EXCERPT_CHARS);
  const visible = spellOutInvisibles(window).trim();
  return visible.length <= MAX_EXCERPT_CHARS ? visible : `${visible.slice(0, MAX_EXCERPT_CHARS - 1)}…`;
}

/** Replaces each secret with asterisks of the same length, keeping its recognisable prefix. */
export function maskSecrets(text: string): string {
  let masked = text;
  for (const rule of SECRET_RULES) {
    for (const match of masked.matchAll(globalCopy(rule.pattern, 'd'))) {
      const span = match.indices?.groups?.['secret'];
      if (span === undefined) continue;
      const [from, to] = span;
      masked = masked.slice(0, from) + '*'.repeat(to - from) + masked.slice(to);
    }
  }
  return masked;
}

function spellOutInvisibles(text: string): string {
  return text.replace(/[\u200B-\u200D\u2060\u180E\u2062-\u2064\uFEFF\u{E0000}-\u{E007F}]/gu, (c) => `<U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}>`);
}

function globalCopy(pattern: RegExp, extraFlags = ''): RegExp {
  const flags = new Set([...pattern.flags, 'g', ...extraFlags]);
  return new RegExp(pattern.source, [...flags].join(''));
}
