import { and, asc, eq, getTableColumns, isNull } from 'drizzle-orm';
import { preparedPerConnection, type Db } from './connection.js';
import { agents, sponsors, tokens } from './schema.js';
import { SEALED, sealContext, type SealedColumn } from './secret-key.js';

export type SponsorRow = typeof sponsors.$inferSelect;
export type AgentRow = typeof agents.$inferSelect;
export type PrincipalKind = 'sponsor' | 'agent' | 'operator';

type WithSecretKey<Row> = Omit<Row, 'nostrSecretKeySealed' | 'webhookSecretSealed'> & { nostrSecretKey: string | null };

const sealIn = (db: Db, place: SealedColumn, id: string, plain: string | null) => (plain === null ? null : db.secrets.seal(plain, sealContext(place, id)));
const openFrom = (db: Db, place: SealedColumn, id: string, sealed: string | null) => (sealed === null ? null : db.secrets.open(sealed, sealContext(place, id)));

export async function insertSponsor(db: Db, { nostrSecretKey, ...row }: WithSecretKey<typeof sponsors.$inferInsert>): Promise<void> {
  await db.orm
    .insert(sponsors)
    .values({ ...row, nostrSecretKeySealed: sealIn(db, SEALED.sponsorNostrKey, row.id, nostrSecretKey) })
    .run();
}

export async function insertAgent(db: Db, { nostrSecretKey, ...row }: WithSecretKey<typeof agents.$inferInsert>): Promise<void> {
  await db.orm
    .insert(agents)
    .values({ ...row, nostrSecretKeySealed: sealIn(db, SEALED.agentNostrKey, row.id, nostrSecretKey) })
    .run();
}

/** The hex Nostr secret key the marketplace holds for this agent; null for an imported npub. */
export const agentSecretKey = (db: Db, agent: AgentRow) => openFrom(db, SEALED.agentNostrKey, agent.id, agent.nostrSecretKeySealed);
export const sponsorSecretKey = (db: Db, sponsor: SponsorRow) => openFrom(db, SEALED.sponsorNostrKey, sponsor.id, sponsor.nostrSecretKeySealed);
export const sponsorWebhookSecret = (db: Db, sponsor: SponsorRow) => openFrom(db, SEALED.sponsorWebhookSecret, sponsor.id, sponsor.webhookSecretSealed);

/**
 * The table's columns named as its row type names them. Every call reads its principal
 * several times, and drizzle's row mapping cost more than the read; these tables have
 * only plain text and integer columns, so a raw row is already the typed row.
 */
function rowColumns(table: typeof agents | typeof sponsors): string {
  return Object.entries(getTableColumns(table))
    .map(([key, column]) => `"${column.name}" AS "${key}"`)
    .join(', ');
}

// Prepared once per connection: every authenticated call reads its principal.
function prepare(db: Db) {
  return {
    sponsor: db.prepare(`SELECT ${rowColumns(sponsors)} FROM sponsors WHERE id = ?`),
    agent: db.prepare(`SELECT ${rowColumns(agents)} FROM agents WHERE id = ?`),
    token: db.prepare('SELECT principal_kind AS "principalKind", principal_id AS "principalId" FROM tokens WHERE token_hash = ? AND revoked_at IS NULL'),
  };
}

const statements = preparedPerConnection(prepare);

export async function getSponsor(db: Db, id: string): Promise<SponsorRow | undefined> {
  return (await statements(db).sponsor.get(id)) as SponsorRow | undefined;
}

export async function getAgent(db: Db, id: string): Promise<AgentRow | undefined> {
  return (await statements(db).agent.get(id)) as AgentRow | undefined;
}

export async function listSponsorAgents(db: Db, sponsorId: string): Promise<AgentRow[]> {
  return db.orm.select().from(agents).where(eq(agents.sponsorId, sponsorId)).orderBy(asc(agents.id)).all();
}

export async function insertToken(db: Db, row: { id: string; principalKind: PrincipalKind; principalId: string; tokenHash: string; createdAt: string }): Promise<void> {
  await db.orm.insert(tokens).values(row).run();
}

export async function revokeTokens(db: Db, principalKind: PrincipalKind, principalId: string, revokedAt: string): Promise<number> {
  return (
    await db.orm
      .update(tokens)
      .set({ revokedAt })
      .where(and(eq(tokens.principalKind, principalKind), eq(tokens.principalId, principalId), isNull(tokens.revokedAt)))
      .run()
  ).changes;
}

/**
 * Changes whenever another connection (another server process, a command) has committed
 * to the database since this connection last looked (SQLite's PRAGMA data_version); this
 * connection's own commits leave it as it is. PostgreSQL has no such counter: there it
 * changes whenever the server's snapshot does (a writing transaction started or ended,
 * anywhere on the server, this process's own included), which is more often, never less.
 */
export async function dataVersion(db: Db): Promise<number> {
  if (db.dialect === 'sqlite') return (await db.prepare<[], { data_version: number }>('PRAGMA data_version').get())!.data_version;
  const { snapshot } = (await db.prepare<[], { snapshot: string }>(PG_SNAPSHOT).get())!;
  const seen = snapshots.get(db);
  if (seen?.snapshot === snapshot) return seen.version;
  const version = (seen?.version ?? 0) + 1;
  snapshots.set(db, { snapshot, version });
  return version;
}

// xmin:xmax:in-progress ids: any transaction that writes takes an id, so its start and its end both show here.
const PG_SNAPSHOT = 'SELECT CAST(pg_current_snapshot() AS TEXT) AS snapshot';
const snapshots = new WeakMap<Db, { snapshot: string; version: number }>();

/** Hot path: every MCP request looks its bearer token up. */
export async function findActiveToken(db: Db, tokenHash: string): Promise<{ principalKind: PrincipalKind; principalId: string } | undefined> {
  return (await statements(db).token.get(tokenHash)) as { principalKind: PrincipalKind; principalId: string } | undefined;
}

export async function updateAgentStatus(db: Db, id: string, status: string, at: string, reason: string): Promise<void> {
  await db.orm.update(agents).set({ status, statusChangedAt: at, statusReason: reason }).where(eq(agents.id, id)).run();
}

export async function updateSponsorWebhook(db: Db, id: string, webhookUrl: string | null, webhookSecret: string | null): Promise<void> {
  await db.orm
    .update(sponsors)
    .set({ webhookUrl, webhookSecretSealed: sealIn(db, SEALED.sponsorWebhookSecret, id, webhookSecret) })
    .where(eq(sponsors.id, id))
    .run();
}

export async function setAgentReputation(db: Db, id: string, reputation: number | null): Promise<void> {
  await db.orm.update(agents).set({ reputation }).where(eq(agents.id, id)).run();
}

export async function updateSponsorDefaultPolicy(db: Db, id: string, defaultPolicy: string): Promise<void> {
  await db.orm.update(sponsors).set({ defaultPolicy }).where(eq(sponsors.id, id)).run();
}
