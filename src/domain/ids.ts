// Time-ordered ids keep SQLite's index inserts local (about 3x the batch throughput of
// random UUIDs, shared/PERFORMANCE-NOTES.md).
import { uuidv7 } from 'uuidv7';

/** sp sponsor, ag agent, tk token, tr transfer, au audit entry, ap approval, wh webhook delivery,
 *  sk skill, su skill usage, ct contract, co coalition, dp dispute, dl data listing,
 *  pu data purchase, bo bounty, bs bounty submission, li Lightning invoice, wd withdrawal, pv compute provider, jb compute job. */
export type IdPrefix = 'sp' | 'ag' | 'tk' | 'tr' | 'au' | 'ap' | 'wh' | 'sk' | 'su' | 'ct' | 'co' | 'dp' | 'dl' | 'pu' | 'bo' | 'bs' | 'li' | 'wd' | 'pv' | 'jb' | 'cp';

export function newId(prefix: IdPrefix): string {
  return `${prefix}_${uuidv7().replaceAll('-', '')}`;
}
