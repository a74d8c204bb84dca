// SQL for the toolsets a caller chose (one row per caller, read on every tools/list).
import { preparedPerConnection, type Db } from './connection.js';
import { readJson } from './json-columns.js';

const statements = preparedPerConnection((db) => ({
  read: db.prepare<[string], { toolsets: string }>(`SELECT toolsets FROM caller_toolsets WHERE principal_id = ?`),
  write: db.prepare(
    `INSERT INTO caller_toolsets (principal_id, toolsets, updated_at) VALUES (?, ?, ?)
     ON CONFLICT (principal_id) DO UPDATE SET toolsets = excluded.toolsets, updated_at = excluded.updated_at`,
  ),
}));

/** The names stored for this caller, or null when it never chose. */
export async function readCallerToolsets(db: Db, principalId: string): Promise<string[] | null> {
  const row = await statements(db).read.get(principalId);
  return row ? readJson<string[]>(row.toolsets) : null;
}

export async function writeCallerToolsets(db: Db, principalId: string, toolsets: readonly string[], now: string): Promise<void> {
  await statements(db).write.run(principalId, JSON.stringify(toolsets), now);
}
