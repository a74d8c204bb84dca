// The operator's commands against hostile input: `ledger verify` after an attacker with write
// access hid one forgery behind many others (every kind of problem is counted and shown), and
// a policy file whose escapes spell text that cannot be stored.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { agentAccountId, sponsorAccountId } from '../../src/domain/ledger/accounts.js';
import { postTransfer } from '../../src/domain/ledger/transfers.js';
import { ManualClock, tempDbPath } from '../support/fixtures.js';
import { cliJson, runCli } from '../support/processes.js';

const ALTERED = 150;

describe('ledger verify reports every kind of problem', () => {
  it('a forged balance still shows after more than a full list of altered transfers', async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    await cliJson(['fund', '--agent', json.agent.id, '--sats', '1000', '--db', db]);
    const wallet = agentAccountId(json.agent.id);

    const handle = await openDatabase(db);
    const clock = new ManualClock();
    const target = sponsorAccountId(json.sponsor.id);
    for (let i = 0; i < ALTERED; i++)
      await postTransfer(handle, clock, { debitAccountId: wallet, creditAccountId: target, amountMsats: 1_000, entryType: 'Payment', memo: `note ${i}` });
    // The attacker drops the guard, rewrites every memo, and then forges the wallet's balance.
    handle.sqlite!.exec('DROP TRIGGER transfers_no_update');
    handle.sqlite!.prepare("UPDATE transfers SET memo = 'rewritten' WHERE memo LIKE 'note %'").run();
    handle.sqlite!.prepare('UPDATE accounts SET credits_posted_msats = credits_posted_msats + 5000000000 WHERE id = ?').run(wallet);
    await handle.close();

    const bad = await cliJson(['ledger', 'verify', '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.json.ok).toBe(false);
    expect(bad.json.problem_counts).toEqual({ chain: ALTERED, balance: 1, total: 0, negative: 0, hold: 0, orphan: 0, daily: 0 });
    expect(bad.json.problems).toContainEqual(expect.objectContaining({ kind: 'balance', row: expect.objectContaining({ id: wallet }) }));
    // Each kind's list is capped, so one kind cannot flood the report.
    const chainShown = bad.json.problems.filter((p: { kind: string }) => p.kind === 'chain').length;
    expect(chainShown).toBeGreaterThan(0);
    expect(chainShown).toBeLessThan(ALTERED);

    const text = await runCli(['ledger', 'verify', '--db', db]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`chain: ${ALTERED}`);
    expect(text.stdout).toContain(`account ${wallet}: stored creditsPosted`);
  });
});

describe('policy files', () => {
  it('policy set refuses a file whose JSON escapes spell a lone surrogate, naming the field', async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    const file = path.join(path.dirname(db), 'policy.json');
    fs.writeFileSync(file, '{"level":"Autonomous","counterparties":{"block":["\\ud800"]}}');
    const refused = await cliJson(['policy', 'set', '--agent', json.agent.id, '--file', file, '--db', db]);
    expect(refused).toMatchObject({ code: 1, json: { error: { code: 'INVALID_INPUT', details: { issues: [{ path: 'counterparties.block.0' }] } } } });
    const shown = await cliJson(['policy', 'show', '--agent', json.agent.id, '--db', db]);
    expect(shown.json.version).toBe(1);
  });
});
