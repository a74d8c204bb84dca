// How a command's result reaches stdout: one JSON object with --json (scripts parse it),
// else the text a person reads.

export function out(flags: { json?: boolean }, json: Record<string, unknown>, text: string): void {
  process.stdout.write(flags.json ? `${JSON.stringify(json)}\n` : `${text}\n`);
}

/** A word as a POSIX shell reads it back unchanged: bare when safe, else single-quoted. */
export function shellWord(word: string): string {
  return /^[\w./:@%+,=-]+$/.test(word) ? word : `'${word.replaceAll("'", "'\\''")}'`;
}

/** The --db option as typed, for a command line the output suggests running next. */
export function dbOption(flags: { db?: string }): string {
  return flags.db ? ` --db ${shellWord(flags.db)}` : '';
}
