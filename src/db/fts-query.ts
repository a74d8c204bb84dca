// User text to an SQLite FTS5 MATCH expression. FTS5 has its own query language (column
// filters, NEAR, AND/OR/NOT, *, ^, +, parentheses), and text passed to MATCH raw can
// either fail to parse or query what the user did not mean. Here only word tokens survive,
// each as a quoted string, so nothing the user types is ever read as syntax.

export const MAX_QUERY_TOKENS = 12;
const MIN_TOKEN_CHARS = 2;
/** Shorter prefixes would match most of the catalogue and make the index do the most work. */
const MIN_PREFIX_CHARS = 3;

// A word starts with a letter or digit; combining marks stay with it, so "café" written
// with a separate accent is still one word.
const WORD = /[\p{L}\p{N}][\p{L}\p{M}\p{N}]*/gu;

export function toFtsQuery(text: string): string | null {
  const tokens = wordTokens(text);
  if (tokens.length === 0) return null;
  return tokens.map((token, i) => (i === tokens.length - 1 && charCount(token) >= MIN_PREFIX_CHARS ? `${quoted(token)}*` : quoted(token))).join(' ');
}

function wordTokens(text: string): string[] {
  const seen = new Set<string>();
  for (const [word] of text.normalize('NFC').toLowerCase().matchAll(WORD)) {
    if (charCount(word) >= MIN_TOKEN_CHARS) seen.add(word);
    if (seen.size === MAX_QUERY_TOKENS) break;
  }
  return [...seen];
}

// Tokens hold no quotes today; doubling them keeps the quoting safe if WORD ever widens.
function quoted(token: string): string {
  return `"${token.replaceAll('"', '""')}"`;
}

function charCount(token: string): number {
  return [...token].length;
}
