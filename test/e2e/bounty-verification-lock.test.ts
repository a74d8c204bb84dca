// A submission's verification (schema, secrets, personal data) is the contributor's text
// run through costly checks. It must neither hold the database's write lock while it
// runs nor run without end: a megabyte of "+1 415 " once held the lock for tens of
// seconds, and a payment by another server process on the same database failed.
import { afterEach, describe, expect, it } from 'vitest';
import { MAX_PHONE_CANDIDATES } from '../../src/domain/redaction/index.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext } from '../support/fixtures.js';
import { callOnProcess, closeServerProcesses, serverProcess } from '../support/processes.js';

afterEach(async () => {
  await closeServerProcesses();
  await closeContexts();
});
const callOn = callOnProcess;

describe('a huge phone-number-like submission', () => {
  it('is refused, naming the limit it passed, while a payment by another server process on the same database goes through', async () => {
    const ctx = await makeContext();
    const { sponsor, agent: creator } = await fundedAgent(ctx, 1_000);
    const alice = await agent(ctx, sponsor.id, 'Alice');
    const bob = await agent(ctx, sponsor.id, 'Bob');
    const created = await call(await connect(ctx, creator.token), 'marketplace_create_bounty', {
      title: 'Call transcripts',
      description: 'Plain text',
      reward_sats: 100,
      requirements: { min_samples: 1, required_format: 'text' },
    });
    await call(await connect(ctx, creator.token), 'marketplace_send_payment', { to_agent_id: bob.id, amount_sats: 100 });
    const db = ctx.db.path;
    await closeContexts();

    const [aliceServer, bobServer] = await Promise.all([serverProcess(db, alice.token), serverProcess(db, bob.token)]);
    const sample = '+1 415 '.repeat(270_000); // 1.9 MB, under the 2,000,000-character cap of a submission
    const submitted = callOn(aliceServer, 'marketplace_submit_to_bounty', {
      bounty_id: created.data.bounty_id,
      data_samples: [sample],
      metadata: { format: 'text', sample_count: 1 },
    });
    await new Promise((resolve) => setTimeout(resolve, 1_000)); // Alice's server is verifying by now
    const paid = await callOn(bobServer, 'marketplace_send_payment', { to_agent_id: alice.id, amount_sats: 10 });
    expect(paid.data).toMatchObject({ amount_sats: 10, status: 'completed' });

    const refused = await submitted;
    expect(refused.isError).toBe(true);
    expect(refused.data.error).toMatchObject({ code: 'INVALID_INPUT', details: { limit: 'phone_candidates', max: MAX_PHONE_CANDIDATES } });
    expect(refused.data.error.message).toContain(`${MAX_PHONE_CANDIDATES.toLocaleString('en-US')} possible phone numbers per call`);
    // Nothing of it was kept: not even a Rejected submission.
    const seen = await callOn(aliceServer, 'marketplace_get_bounty', { bounty_id: created.data.bounty_id });
    expect(seen.data.submissions).toEqual([]);
  }, 180_000);
});
