// The key secrets are sealed under (see sealing.ts). It lives in a file, by default beside
// the database (`<db>.key`, readable by its owner only); --secret-key-file or
// MARKETPLACE_SECRET_KEY_FILE puts it elsewhere (a secrets mount, a disk the backups do
// not copy). The database remembers the key's fingerprint: a server started with another
// key, or with its key file gone, refuses to start instead of making a new key and
// losing every secret sealed under the old one.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import envPaths from 'env-paths';
import type { Db } from './connection.js';
import { isPostgresUrl, postgresSlug } from './database-url.js';
import { MarketError } from '../core/errors.js';
import { isSealed, keyFingerprint, SECRET_KEY_BYTES, sealer, type Sealer } from './sealing.js';

/** Where each secret is stored: sealed there, and sealed in place when a database from before sealing is opened. */
export const SEALED = {
  agentNostrKey: { table: 'agents', column: 'nostr_secret_key' },
  sponsorNostrKey: { table: 'sponsors', column: 'nostr_secret_key' },
  sponsorWebhookSecret: { table: 'sponsors', column: 'webhook_secret' },
} as const;
export type SealedColumn = (typeof SEALED)[keyof typeof SEALED];

/** Settings (marketplace_settings) whose value is a secret. */
export const GRANT_SIGNING_KEY = 'grant_signing_key';
const SEALED_SETTINGS = [GRANT_SIGNING_KEY];

const FINGERPRINT_SETTING = 'secret_key_fingerprint';

/** What a sealed value is bound to: its table, column and row. */
export const sealContext = (place: { table: string; column: string }, id: string) => `${place.table}.${place.column}:${id}`;
export const settingContext = (key: string) => sealContext({ table: 'marketplace_settings', column: 'value' }, key);

/**
 * Beside the file for SQLite; for PostgreSQL, in the user data directory, one per database.
 * Several servers on one PostgreSQL database need the same key: give each the same file
 * (--secret-key-file), or the first unseals and the others refuse to start.
 */
export const defaultSecretKeyFile = (database: string) =>
  isPostgresUrl(database) ? path.join(envPaths('agent-marketplace', { suffix: '' }).data, `postgres-${postgresSlug(database)}.key`) : `${path.resolve(database)}.key`;

/**
 * The sealer for this database, under its write lock (two servers starting on a new
 * database agree on one key). Null keyFile: a throwaway key (an in-memory database).
 */
export async function unlockSecrets(db: Db, keyFile: string | null, now: () => string): Promise<Sealer> {
  if (keyFile === null) return sealer(randomBytes(SECRET_KEY_BYTES));
  const setting = db.prepare<[string], { value: string }>('SELECT value FROM marketplace_settings WHERE key = ?');
  const known = (await setting.get(FINGERPRINT_SETTING))?.value;
  if (known !== undefined) {
    const key = readKey(keyFile);
    if (key === null) {
      throw new MarketError(
        'NOT_FOUND',
        `This database's secrets are sealed under the key in ${keyFile}, which is missing. Restore that file, or point --secret-key-file (MARKETPLACE_SECRET_KEY_FILE) at it.`,
        {
          key_file: keyFile,
          expected_fingerprint: known,
        },
      );
    }
    if (keyFingerprint(key) !== known) {
      throw new MarketError('CONFLICT', `${keyFile} holds another key (fingerprint ${keyFingerprint(key)}) than the one this database's secrets are sealed under (${known}).`, {
        key_file: keyFile,
        expected_fingerprint: known,
      });
    }
    return sealer(key);
  }
  // A new database, or one from before secrets were sealed: take the key (making it if
  // need be), remember it, and seal what is stored in the clear.
  const s = sealer(readKey(keyFile) ?? createKey(keyFile));
  await db.prepare('INSERT INTO marketplace_settings (key, value, created_at) VALUES (?, ?, ?)').run(FINGERPRINT_SETTING, s.fingerprint, now());
  for (const place of Object.values(SEALED)) {
    const update = db.prepare(`UPDATE ${place.table} SET ${place.column} = ? WHERE id = ?`);
    for (const row of await db.prepare<[], { id: string; value: string }>(`SELECT id, ${place.column} AS value FROM ${place.table} WHERE ${place.column} IS NOT NULL`).all()) {
      if (!isSealed(row.value)) await update.run(s.seal(row.value, sealContext(place, row.id)), row.id);
    }
  }
  const update = db.prepare('UPDATE marketplace_settings SET value = ? WHERE key = ?');
  for (const key of SEALED_SETTINGS) {
    const row = await setting.get(key);
    if (row && !isSealed(row.value)) await update.run(s.seal(row.value, settingContext(key)), key);
  }
  return s;
}

function readKey(file: string): Buffer | null {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8').trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new MarketError('INVALID_INPUT', `Cannot read the secret key file ${file}: ${(error as Error).message}`);
  }
  const key = /^[0-9a-f]{64}$/i.test(text) ? Buffer.from(text, 'hex') : Buffer.from(text, 'base64url');
  if (key.length !== SECRET_KEY_BYTES) {
    throw new MarketError('INVALID_INPUT', `${file} is not a secret key: it should hold ${SECRET_KEY_BYTES} random bytes, in base64url or hex.`);
  }
  return key;
}

function createKey(file: string): Buffer {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const key = randomBytes(SECRET_KEY_BYTES);
  // Written whole under another name, then linked into place: whoever reads the file
  // never sees half a key, and a process that made it first wins (link refuses to replace).
  const draft = `${file}.${process.pid}.draft`;
  try {
    fs.writeFileSync(draft, `${key.toString('base64url')}\n`, { mode: 0o600 });
    fs.linkSync(draft, file);
    return key;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return readKey(file)!;
    throw new MarketError('INVALID_INPUT', `Cannot write the secret key file ${file}: ${(error as Error).message}`);
  } finally {
    fs.rmSync(draft, { force: true });
  }
}
