// The operator's commands, run as a user runs them.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/open.js';
import { authenticate } from '../../src/domain/identity/registration.js';
import { tempDbPath } from '../support/fixtures.js';
import { cliJson, runCli } from '../support/processes.js';

describe('agent-marketplace command line', () => {
  it('init creates a sponsor and an agent once, prints their tokens and client configuration', async () => {
    const db = tempDbPath();
    const text = await runCli(['init', '--db', db]);
    expect(text.code).toBe(0);
    for (const client of ['Claude Desktop', 'Claude Code', 'Cursor', 'VS Code']) expect(text.stdout).toContain(client);
    const token = /Agent .*\n\s+token: (amag_\S+)/.exec(text.stdout)![1]!;
    expect(text.stdout).toContain(`"MARKETPLACE_TOKEN": "${token}"`);

    const again = await cliJson(['init', '--db', db]);
    expect(again.code).toBe(1);
    expect(again.json.error.code).toBe('CONFLICT');
  });

  it('creates sponsors and agents, funds, rotates tokens, and stores tokens only as hashes', async () => {
    const db = tempDbPath();
    const init = await cliJson(['init', '--db', db]);
    expect(init.code).toBe(0);
    expect(init.json).toMatchObject({ sponsor: { id: expect.any(String), token: expect.stringMatching(/^amsp_/) }, agent: { token: expect.stringMatching(/^amag_/) } });

    const sponsor = await cliJson(['sponsor', 'create', '--name', 'Second sponsor', '--db', db]);
    expect(sponsor.json).toEqual({ id: expect.any(String), token: expect.any(String), npub: expect.stringMatching(/^npub1/) });
    const npub = 'npub1540lnuff33un7847lcv0c7v68axq6ln3yvd3m3ktm2wd0hxhh8asmrt4l9';
    const agent = await cliJson(['agent', 'create', '--sponsor', sponsor.json.id, '--name', 'Imported', '--npub', npub, '--lightning-address', 'bob@example.com', '--db', db]);
    expect(agent.json).toEqual({ id: expect.any(String), token: expect.any(String), npub });
    const generated = await cliJson(['agent', 'create', '--sponsor', sponsor.json.id, '--name', 'Generated', '--db', db]);
    expect(generated.json.npub).toMatch(/^npub1/);

    const badAddress = await cliJson(['agent', 'create', '--sponsor', sponsor.json.id, '--name', 'X', '--lightning-address', 'nope', '--db', db]);
    expect(badAddress).toMatchObject({ code: 1, json: { error: { code: 'INVALID_INPUT' } } });
    const noSponsor = await cliJson(['agent', 'create', '--sponsor', 'sp_missing', '--name', 'X', '--db', db]);
    expect(noSponsor).toMatchObject({ code: 1, json: { error: { code: 'NOT_FOUND' } } });

    const fund = await cliJson(['fund', '--agent', agent.json.id, '--sats', '2500', '--db', db]);
    expect(fund.json).toEqual({ transfer_id: expect.any(String), balance_sats: 2500 });
    const usage = await runCli(['fund', '--agent', agent.json.id, '--sats', '-3', '--db', db]);
    expect(usage.code).toBe(2);

    const rotated = await cliJson(['token', 'rotate', '--agent', agent.json.id, '--db', db]);
    expect(rotated.json.token).not.toBe(agent.json.token);

    const handle = await openDatabase(db);
    try {
      expect(await authenticate(handle, agent.json.token)).toBeNull();
      expect(await authenticate(handle, rotated.json.token)).toMatchObject({ role: 'agent', id: agent.json.id });
      expect(await authenticate(handle, sponsor.json.token)).toMatchObject({ role: 'sponsor', id: sponsor.json.id });
    } finally {
      await handle.close();
    }
    const bytes = fs.readFileSync(db).toString('latin1') + (fs.existsSync(`${db}-wal`) ? fs.readFileSync(`${db}-wal`).toString('latin1') : '');
    for (const token of [init.json.sponsor.token, init.json.agent.token, sponsor.json.token, rotated.json.token]) expect(bytes).not.toContain(token);
  });

  it('ledger verify passes on an honest ledger and names the row someone tampered with', async () => {
    const db = tempDbPath();
    const { json } = await cliJson(['init', '--db', db]);
    await cliJson(['fund', '--agent', json.agent.id, '--sats', '1000', '--db', db]);
    await cliJson(['fund', '--agent', json.agent.id, '--sats', '500', '--db', db]);
    const ok = await cliJson(['ledger', 'verify', '--db', db]);
    expect(ok).toMatchObject({ code: 0, json: { ok: true, accounts: 7, transfers: 4 } });

    const handle = await openDatabase(db);
    expect(() => handle.sqlite!.prepare('UPDATE transfers SET amount_msats = 9 WHERE seq = 2').run()).toThrow(/immutable/);
    // An attacker with write access drops the guard and inflates a top-up.
    handle.sqlite!.exec('DROP TRIGGER transfers_no_update');
    const { id } = handle.sqlite!.prepare('SELECT id FROM transfers WHERE seq = 2').get() as { id: string };
    handle.sqlite!.prepare('UPDATE transfers SET amount_msats = 99000000 WHERE seq = 2').run();
    await handle.close();

    const bad = await cliJson(['ledger', 'verify', '--db', db]);
    expect(bad.code).toBe(1);
    expect(bad.json.ok).toBe(false);
    expect(bad.json.problems).toContainEqual(expect.objectContaining({ kind: 'chain', row: expect.objectContaining({ id }) }));
    expect(bad.json.problems.some((p: { kind: string }) => p.kind === 'balance')).toBe(true);
    const text = await runCli(['ledger', 'verify', '--db', db]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(id);
  });

  it('rejects unknown commands and flags with usage help', async () => {
    const db = tempDbPath();
    const r = await runCli(['frobnicate', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command/);
    expect(fs.existsSync(db)).toBe(false); // a typo creates no database
    const flag = await runCli(['init', '--colour', '--db', db]);
    expect(flag.code).toBe(2);
  });

  it('refuses a mistyped toolset, from the flag or the environment, naming the valid ones', async () => {
    const db = tempDbPath();
    const flag = await runCli(['serve', '--toolsets', 'walet', '--db', db]);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/unknown toolset "walet"\. Valid toolsets: context, wallet,/);
    const env = await runCli(['serve', '--db', db], { MARKETPLACE_TOOLSETS: 'wallet,bountys' });
    expect(env.code).toBe(2);
    expect(env.stderr).toMatch(/unknown toolset "bountys"/);
    expect(fs.existsSync(db)).toBe(false);
    const help = await runCli(['--help']);
    expect(help.stdout).toMatch(/groups: context, wallet, approvals, governance, skills, skill_publishing, agents/);
  });
});
