// Agents retry. The same caller + tool + key + arguments returns the first result and
// does nothing more; the same key with other arguments is refused. The lookup, the
// operation and the saved result share one transaction, so a crash between them
// cannot leave an effect without its record (or a record without its effect).
import type { Db } from '../db/connection.js';
import { findIdempotencyRecord, saveIdempotencyRecord } from '../db/idempotency-store.js';
import { canonicalHash } from '../core/canonical-json.js';
import type { Clock } from './clock.js';
import { MarketError } from '../core/errors.js';

export interface IdempotencyScope {
  callerId: string;
  tool: string;
  key: string;
  /** The call's arguments without the key itself. */
  args: unknown;
}

export async function withIdempotency<T>(db: Db, clock: Clock, scope: IdempotencyScope, run: (tx: Db) => T | Promise<T>): Promise<{ result: T; replayed: boolean }> {
  return db.write(async (tx) => {
    const argsHash = canonicalHash(scope.args);
    // What was stored under this caller, tool and key is what this call answered then.
    const earlier = await findIdempotencyRecord<T>(tx, scope.callerId, scope.tool, scope.key);
    if (earlier) {
      if (earlier.argsHash !== argsHash) {
        throw new MarketError(
          'IDEMPOTENCY_MISMATCH',
          `idempotency_key "${scope.key}" was already used for ${scope.tool} with different arguments. ` +
            'Use a new key for a new request, or repeat the original arguments to get the original result.',
        );
      }
      return { result: earlier.result, replayed: true };
    }
    const result = await run(tx);
    await saveIdempotencyRecord(tx, {
      ...scope,
      argsHash,
      result,
      createdAt: clock.now().toISOString(),
    });
    return { result, replayed: false };
  });
}
