// Session files are JSON Lines that agents append to for as long as a session runs: some
// reach hundreds of megabytes, and the last line of a running (or crashed) session may be
// cut off. They are read in chunks, one line at a time, and a line longer than
// MAX_LINE_BYTES is skipped without ever being held whole, so memory stays bounded
// whatever the file holds.
import { createReadStream } from 'node:fs';

/** Longer lines (one huge tool output) are skipped and counted, not parsed. */
export const MAX_LINE_BYTES = 8 * 1024 * 1024;

export interface LineCounts {
  /** Lines that are not a JSON object (malformed, truncated, or a bare value). */
  malformed: number;
  /** Lines longer than MAX_LINE_BYTES, skipped unread. */
  oversized: number;
}

/** Each line that is a JSON object, in order; the rest are counted in `counts`. */
export async function* jsonObjectLines(file: string, counts: LineCounts, maxLineBytes = MAX_LINE_BYTES): AsyncGenerator<Record<string, unknown>> {
  let parts: Buffer[] = [];
  let length = 0;
  let discarding = false;

  const finish = (): Record<string, unknown> | null => {
    const wasDiscarding = discarding;
    const line = wasDiscarding ? '' : Buffer.concat(parts, length).toString('utf8');
    parts = [];
    length = 0;
    discarding = false;
    if (wasDiscarding) {
      counts.oversized++;
      return null;
    }
    if (line.trim() === '') return null;
    try {
      const value: unknown = JSON.parse(line);
      if (value !== null && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
    } catch {
      // counted below
    }
    counts.malformed++;
    return null;
  };

  const take = (piece: Buffer) => {
    if (discarding || piece.length === 0) return;
    if (length + piece.length > maxLineBytes) {
      parts = [];
      length = 0;
      discarding = true;
      return;
    }
    parts.push(piece);
    length += piece.length;
  };

  for await (const chunk of createReadStream(file, { highWaterMark: 1024 * 1024 }) as AsyncIterable<Buffer>) {
    let from = 0;
    for (let nl = chunk.indexOf(10, from); nl !== -1; nl = chunk.indexOf(10, from)) {
      take(chunk.subarray(from, nl));
      from = nl + 1;
      const record = finish();
      if (record) yield record;
    }
    // Copied: the stream may reuse the chunk's memory.
    if (from < chunk.length) take(Buffer.from(chunk.subarray(from)));
  }
  // A last line without its newline: a session still being written, or cut off.
  if (length > 0 || discarding) {
    const record = finish();
    if (record) yield record;
  }
}
