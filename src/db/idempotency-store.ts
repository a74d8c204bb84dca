import { preparedPerConnection, type Db } from './connection.js';
import { readJson } from './json-columns.js';

/** A keyed call's first answer, `T` being what the call answers (the caller, tool and key name the call). */
export interface IdempotencyRecord<T> {
  argsHash: string;
  result: T;
}

// Every keyed call reads its key first: prepared once per connection.
const sql = preparedPerConnection((db: Db) => ({
  find: db.prepare('SELECT args_hash AS "argsHash", result_json AS "resultJson" FROM idempotency_keys WHERE caller_id = ? AND tool = ? AND key = ?'),
  save: db.prepare('INSERT INTO idempotency_keys (caller_id, tool, key, args_hash, result_json, created_at) VALUES (@callerId, @tool, @key, @argsHash, @resultJson, @createdAt)'),
  update: db.prepare('UPDATE idempotency_keys SET result_json = ? WHERE caller_id = ? AND tool = ? AND key = ?'),
}));

export async function findIdempotencyRecord<T>(db: Db, callerId: string, tool: string, key: string): Promise<IdempotencyRecord<T> | undefined> {
  const row = (await sql(db).find.get(callerId, tool, key)) as { argsHash: string; resultJson: string } | undefined;
  return row && { argsHash: row.argsHash, result: readJson<T>(row.resultJson) };
}

export async function saveIdempotencyRecord<T>(
  db: Db,
  { result, ...r }: { callerId: string; tool: string; key: string; argsHash: string; result: T; createdAt: string },
): Promise<void> {
  await sql(db).save.run({ ...r, resultJson: JSON.stringify(result) });
}

/** An approved call's result replaces the pending answer its key first got. */
export async function updateIdempotencyResult(db: Db, callerId: string, tool: string, key: string, result: Record<string, unknown>): Promise<void> {
  await sql(db).update.run(JSON.stringify(result), callerId, tool, key);
}
