// Publishing a skill reads, hashes and scans its files: on hostile files (a finding on
// every line) about a second per 256 KiB. That work must neither hold the database's
// write lock nor run without end: it once ran inside the publish call's transaction, and
// a payment by another server process on the same database failed "database is locked".
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_SKILL_SCAN_MS } from '../../src/domain/skills/scanner.js';
import { MAX_SKILL_FILE_BYTES, MAX_SKILL_VERSION_BYTES } from '../../src/domain/skills/skill-md.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { callOnProcess, closeServerProcesses, serverProcess } from '../support/processes.js';

afterEach(async () => {
  await closeServerProcesses();
  await closeContexts();
});
const callOn = callOnProcess;

// A zero-width space on every line: each line is a hidden_invisible_characters finding,
// and the costliest text per byte for the scanner. 4 bytes a line in UTF-8.
const HOSTILE_LINE = '\u200B\n';
const hostileFile = (i: number) => ({ path: `notes/${i}.md`, content: HOSTILE_LINE.repeat(MAX_SKILL_FILE_BYTES / Buffer.byteLength(HOSTILE_LINE)) });
const fields = { name: 'Notes', description: 'Notes.', version: '1.0.0', pricing: { model: 'Free' } };

describe('publishing a skill whose scan is slow', () => {
  it('does not keep a payment by another server process on the same database waiting, and stops at the scan limit', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: bob } = await fundedAgent(ctx, 1_000);
    const alice = await agent(ctx, sponsor.id, 'Alice');
    const db = ctx.db.path;
    await closeContexts();

    const [aliceServer, bobServer] = await Promise.all([serverProcess(db, alice.token), serverProcess(db, bob.token)]);
    // 7 files of 256 KiB: 1,835,008 bytes, within every limit; scanning them takes about a
    // second on an idle machine, and past the limit on a busy one.
    const files = Array.from({ length: 7 }, (_, i) => hostileFile(i));
    const order: string[] = [];
    const published = callOn(aliceServer, 'marketplace_publish_skill', { ...fields, slug: 'slow-notes', files }).then((r) => (order.push('published'), r));
    await new Promise((resolve) => setTimeout(resolve, 200)); // Alice's server is scanning by now
    const paid = await callOn(bobServer, 'marketplace_send_payment', { to_agent_id: alice.id, amount_sats: 10 });
    order.push('paid');
    expect(paid.data).toMatchObject({ amount_sats: 10, status: 'completed' });

    const answer = await published;
    // The payment did not wait for the scan: with the scan inside the write lock it would
    // have been answered only after the publish (or failed "database is locked").
    expect(order).toEqual(['paid', 'published']);
    if (answer.isError) {
      expect(answer.data.error).toMatchObject({ code: 'INVALID_INPUT', details: { limit: 'scan_ms', max: MAX_SKILL_SCAN_MS } });
      expect(answer.data.error.message).toContain(`longer than the limit of ${MAX_SKILL_SCAN_MS.toLocaleString('en-US')} ms`);
      // Nothing of it was kept.
      expect((await callOn(aliceServer, 'marketplace_get_skill', { slug: 'slow-notes' })).data.error.code).toBe('NOT_FOUND');
    } else {
      expect(answer.data).toMatchObject({ slug: 'slow-notes' });
    }
  }, 180_000);

  it('is refused at once, naming the size limit, when its files hold more than a version may', async () => {
    const ctx = await makeContext();
    const { agent: alice } = await fundedAgent(ctx, 0);
    const client = await connect(ctx, alice.token);
    // 8 files of 256 KiB: 2,097,152 bytes, within the file count and the size of each file.
    const files = Array.from({ length: 8 }, (_, i) => ({ path: `notes/${i}.md`, content: 'a\n'.repeat(MAX_SKILL_FILE_BYTES / 2) }));
    const refused = await call(client, 'marketplace_publish_skill', { ...fields, slug: 'big-notes', files });
    expect(refused.isError).toBe(true);
    expect(refused.data.error).toMatchObject({ code: 'INVALID_INPUT', details: { limit: 'version_bytes', max: MAX_SKILL_VERSION_BYTES } });
    expect(refused.data.error.message).toContain(`limited to ${MAX_SKILL_VERSION_BYTES.toLocaleString('en-US')} bytes in all`);
    expect((await call(client, 'marketplace_get_skill', { slug: 'big-notes' })).data.error.code).toBe('NOT_FOUND');
  }, 60_000);
});
