import type { Db } from '../../db/connection.js';
import * as hiring from '../../db/hiring-store.js';
import { decodeCursor, encodeCursor, toPage } from '../pagination.js';
import { contractView, type ContractStatus } from './contracts.js';

export async function listContractsPage(db: Db, agentId: string, q: { status?: ContractStatus; cursor?: string; limit: number }) {
  const beforeId = q.cursor ? (decodeCursor(q.cursor, { id: 'string' }).id as string) : undefined;
  const rows = await hiring.listContracts(db, agentId, q.status, beforeId, q.limit + 1);
  return toPage(rows, q.limit, contractView, (r) => encodeCursor({ id: r.id }));
}
