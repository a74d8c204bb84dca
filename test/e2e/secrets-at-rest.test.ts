// Secrets the marketplace must use again are sealed under a key kept outside the database:
// a copy of the database file alone gives none of them away, and a server with the wrong
// key, or none, refuses to start rather than lose them.
import fs from 'node:fs';
import { nip19 } from 'nostr-tools';
import { getPublicKey } from 'nostr-tools/pure';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import * as identity from '../../src/db/identity-store.js';
import { setSponsorWebhook } from '../../src/domain/governance/webhook-settings.js';
import { marketplaceNpub, signingKey } from '../../src/domain/data/grants.js';
import { createAgent, createSponsor } from '../../src/domain/identity/registration.js';
import { authorOf } from '../../src/domain/skills/authors.js';
import { ManualClock, tempDbPath } from '../support/fixtures.js';
import { cliJson } from '../support/processes.js';

const clock = new ManualClock();

/** A database with a sponsor (webhook set), an agent and the marketplace's signing key; returns the plain secrets. */
async function populated(dbPath: string) {
  const db = await openDatabase(dbPath);
  const sponsor = await createSponsor(db, clock, { name: 'Acme' });
  const agent = await createAgent(db, clock, { sponsorId: sponsor.id, name: 'Scout' });
  const webhook = (await setSponsorWebhook(db, sponsor.id, 'https://example.com/hooks')).secret!;
  const secrets = {
    agentKey: (await authorOf(db, { id: agent.id, kind: 'agent' })).secretKeyHex!,
    sponsorKey: (await authorOf(db, { id: sponsor.id, kind: 'sponsor' })).secretKeyHex!,
    webhook,
    grantKey: Buffer.from(await signingKey(db, clock)).toString('hex'),
  };
  return { db, sponsor, agent, secrets };
}

const npubOf = (hex: string) => nip19.npubEncode(getPublicKey(Uint8Array.from(Buffer.from(hex, 'hex'))));

describe('secrets at rest', () => {
  it('keeps every secret sealed in the database file and the key beside it, readable by its owner only', async () => {
    const dbPath = tempDbPath();
    const { db, sponsor, agent, secrets } = await populated(dbPath);
    // The secrets are the real ones: each signs as its owner.
    expect(npubOf(secrets.agentKey)).toBe(agent.npub);
    expect(npubOf(secrets.sponsorKey)).toBe(sponsor.npub);
    expect(await marketplaceNpub(db, clock)).toBe(npubOf(secrets.grantKey));
    db.sqlite!.pragma('wal_checkpoint(TRUNCATE)');
    await db.close();

    const bytes = fs.readFileSync(dbPath).toString('latin1');
    for (const secret of Object.values(secrets)) expect(bytes).not.toContain(secret);
    expect(bytes).toContain('sealed:v1:');
    expect(fs.statSync(`${dbPath}.key`).mode & 0o777).toBe(0o600);

    // Opened again with its key, everything is as it was.
    const again = await openDatabase(dbPath);
    expect((await authorOf(again, { id: agent.id, kind: 'agent' })).secretKeyHex).toBe(secrets.agentKey);
    expect(identity.sponsorWebhookSecret(again, (await identity.getSponsor(again, sponsor.id))!)).toBe(secrets.webhook);
    await again.close();
  });

  it('refuses to start with another key or with its key file gone, and makes no new key', async () => {
    const dbPath = tempDbPath();
    const { db } = await populated(dbPath);
    await db.close();
    const other = `${dbPath}.other-key`;
    fs.writeFileSync(other, `${Buffer.alloc(32, 7).toString('base64url')}\n`);

    const wrong = await cliJson(['sponsor', 'create', '--name', 'Second', '--db', dbPath, '--secret-key-file', other]);
    expect(wrong.code).toBe(1);
    expect(wrong.json.error.code).toBe('CONFLICT');
    expect(wrong.json.error.message).toContain(other);

    fs.renameSync(`${dbPath}.key`, `${dbPath}.key.moved`);
    const missing = await cliJson(['sponsor', 'create', '--name', 'Second', '--db', dbPath]);
    expect(missing.code).toBe(1);
    expect(missing.json.error.code).toBe('NOT_FOUND');
    expect(missing.json.error.message).toContain(`${dbPath}.key`);
    expect(fs.existsSync(`${dbPath}.key`)).toBe(false);

    // Pointed at the moved key, the same command works, and nothing was created meanwhile.
    const moved = await cliJson(['sponsor', 'create', '--name', 'Second', '--db', dbPath], { MARKETPLACE_SECRET_KEY_FILE: `${dbPath}.key.moved` });
    expect(moved.code).toBe(0);
    const check = await openDatabase(dbPath, { secretKeyFile: `${dbPath}.key.moved` });
    expect((check.sqlite!.prepare('SELECT count(*) AS n FROM sponsors').get() as { n: number }).n).toBe(2);
    await check.close();
  });

  it('seals in place the secrets of a database from before sealing, keeping every identity', async () => {
    const dbPath = tempDbPath();
    const { db, sponsor, agent, secrets } = await populated(dbPath);
    // Back to how an older version stored them: in the clear, no key, no fingerprint.
    db.sqlite!.prepare('UPDATE agents SET nostr_secret_key = ? WHERE id = ?').run(secrets.agentKey, agent.id);
    db.sqlite!.prepare('UPDATE sponsors SET nostr_secret_key = ?, webhook_secret = ? WHERE id = ?').run(secrets.sponsorKey, secrets.webhook, sponsor.id);
    db.sqlite!.prepare("UPDATE marketplace_settings SET value = ? WHERE key = 'grant_signing_key'").run(secrets.grantKey);
    db.sqlite!.prepare("DELETE FROM marketplace_settings WHERE key = 'secret_key_fingerprint'").run();
    await db.close();
    fs.rmSync(`${dbPath}.key`);

    const upgraded = await openDatabase(dbPath);
    const raw = upgraded.sqlite!.prepare('SELECT nostr_secret_key AS k FROM agents WHERE id = ?').get(agent.id) as { k: string };
    expect(raw.k.startsWith('sealed:v1:')).toBe(true);
    expect((await authorOf(upgraded, { id: agent.id, kind: 'agent' })).secretKeyHex).toBe(secrets.agentKey);
    expect((await authorOf(upgraded, { id: sponsor.id, kind: 'sponsor' })).secretKeyHex).toBe(secrets.sponsorKey);
    expect(identity.sponsorWebhookSecret(upgraded, (await identity.getSponsor(upgraded, sponsor.id))!)).toBe(secrets.webhook);
    expect(await marketplaceNpub(upgraded, clock)).toBe(npubOf(secrets.grantKey));
    expect(fs.existsSync(`${dbPath}.key`)).toBe(true);
    await upgraded.close();
  });

  it('does not open a sealed secret moved into another row', async () => {
    const { db, sponsor } = await populated(tempDbPath());
    const victim = await createAgent(db, clock, { sponsorId: sponsor.id, name: 'Victim' });
    const thief = await createAgent(db, clock, { sponsorId: sponsor.id, name: 'Thief' });
    // Someone with write access to the file copies the victim's sealed key into the thief's row.
    db.sqlite!.prepare('UPDATE agents SET nostr_secret_key = (SELECT nostr_secret_key FROM agents WHERE id = ?) WHERE id = ?').run(victim.id, thief.id);
    await expect(authorOf(db, { id: thief.id, kind: 'agent' })).rejects.toThrow(
      expect.objectContaining({ code: 'INTERNAL', message: expect.stringContaining('altered or moved') }),
    );
    expect(npubOf((await authorOf(db, { id: victim.id, kind: 'agent' })).secretKeyHex!)).toBe(victim.npub);
    await db.close();
  });
});
