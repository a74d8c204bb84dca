import type { Db } from './connection.js';

export interface IdempotencyRecord {
  argsHash: string;
  resultJson: string;
}

export function findIdempotencyRecord(db: Db, callerId: string, tool: string, key: string): IdempotencyRecord | undefined {
  return db.sqlite
    .prepare('SELECT args_hash AS argsHash, result_json AS resultJson FROM idempotency_keys WHERE caller_id = ? AND tool = ? AND key = ?')
    .get(callerId, tool, key) as IdempotencyRecord | undefined;
}

export function saveIdempotencyRecord(
  db: Db,
  r: { callerId: string; tool: string; key: string; argsHash: string; resultJson: string; createdAt: string },
): void {
  db.sqlite
    .prepare(
      'INSERT INTO idempotency_keys (caller_id, tool, key, args_hash, result_json, created_at) VALUES (@callerId, @tool, @key, @argsHash, @resultJson, @createdAt)',
    )
    .run(r);
}

/** An approved call's result replaces the pending answer its key first got. */
export function updateIdempotencyResult(db: Db, callerId: string, tool: string, key: string, resultJson: string): void {
  db.sqlite.prepare('UPDATE idempotency_keys SET result_json = ? WHERE caller_id = ? AND tool = ? AND key = ?').run(resultJson, callerId, tool, key);
}
