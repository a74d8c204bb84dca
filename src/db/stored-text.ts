/// <reference lib="es2024.string" />
// What SQLite gives back for a string. better-sqlite3 writes a lone UTF-16 surrogate as
// its three WTF-8 bytes and reads those bytes back as three U+FFFD, so text that is not
// well-formed does not survive a round trip; anything hashed or compared against a stored
// row must use the stored form (the ledger's hash chain over its transfers).
import type { Db } from './connection.js';

/** The text exactly as a TEXT column holding `text` will return it. */
export async function storedText(db: Db, text: string): Promise<string> {
  // Well-formed text (NUL included) is stored as UTF-8 and returned unchanged.
  if (text.isWellFormed()) return text;
  // Asked of the engine itself, not predicted: the driver's encoding is the authority.
  // (Cast: PostgreSQL cannot tell a bare parameter's type.)
  return (await db.prepare<[string], { text: string }>('SELECT CAST(? AS TEXT) AS text').get(text))!.text;
}
