// A creator's files as a reviewer is shown them (`skills show`, the console's review
// page): every character that could move the cursor, recolour, erase or reorder what is
// shown (terminal escapes, carriage returns, bidirectional overrides: "Trojan Source")
// is spelled as a visible escape instead, so the reviewer sees exactly what it approves.

/** The scanner's own line split (scanner.ts), so finding lines match. */
export const LINE_BREAK = /\r\n|\r|\n/;
// C0 controls but tab, DEL, C1 controls; bidi embeddings, overrides and isolates; zero-width and invisible formatting characters; lone surrogates.
const HIDDEN =
  // eslint-disable-next-line no-control-regex -- control characters are exactly what this finds
  /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

export function visible(text: string): string {
  return text.replace(HIDDEN, (c) => `\\u{${c.codePointAt(0)!.toString(16).padStart(4, '0')}}`);
}
