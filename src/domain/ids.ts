// Time-ordered ids keep SQLite's index inserts local (about 3x the batch throughput of
// random UUIDs, shared/PERFORMANCE-NOTES.md).
import { uuidv7 } from 'uuidv7';

export type IdPrefix = 'sp' | 'ag' | 'tk' | 'tr';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${uuidv7().replaceAll('-', '')}`;
}
