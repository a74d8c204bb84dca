import { preparedPerConnection, type Db } from './connection.js';

export interface IdempotencyRecord {
  argsHash: string;
  resultJson: string;
}

// Every keyed call reads its key first: prepared once per connection.
const sql = preparedPerConnection((db: Db) => ({
  find: db.sqlite.prepare('SELECT args_hash AS argsHash, result_json AS resultJson FROM idempotency_keys WHERE caller_id = ? AND tool = ? AND key = ?'),
  save: db.sqlite.prepare(
    'INSERT INTO idempotency_keys (caller_id, tool, key, args_hash, result_json, created_at) VALUES (@callerId, @tool, @key, @argsHash, @resultJson, @createdAt)',
  ),
  update: db.sqlite.prepare('UPDATE idempotency_keys SET result_json = ? WHERE caller_id = ? AND tool = ? AND key = ?'),
}));

export function findIdempotencyRecord(db: Db, callerId: string, tool: string, key: string): IdempotencyRecord | undefined {
  return sql(db).find.get(callerId, tool, key) as IdempotencyRecord | undefined;
}

export function saveIdempotencyRecord(
  db: Db,
  r: { callerId: string; tool: string; key: string; argsHash: string; resultJson: string; createdAt: string },
): void {
  sql(db).save.run(r);
}

/** An approved call's result replaces the pending answer its key first got. */
export function updateIdempotencyResult(db: Db, callerId: string, tool: string, key: string, resultJson: string): void {
  sql(db).update.run(resultJson, callerId, tool, key);
}
