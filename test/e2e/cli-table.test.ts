// The command line read off its one table, run as the built command: the help lists every
// declared command and a command's own flags; a typo is answered with what was meant and
// exit 2, before any database exists; the operator's directory commands (agents list,
// sponsors list, disputes show); a port in use; and the first run's next step, pasted as
// printed, runs.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/commands.js';
import { renderCommandReference } from '../../src/cli/help.js';
import { systemClock } from '../../src/domain/clock.js';
import { agent, call, closeContexts, connect, fundedAgent, makeContext, operatorToken, tempDbPath, tempDir } from '../support/fixtures.js';
import { CLI, cliJson, runCli, type CliResult } from '../support/processes.js';

afterEach(closeContexts);

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** Runs a shell line as a person pastes it, from `cwd`, with nothing of npm's around it. */
function shell(line: string, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('sh', ['-c', line], { cwd, env: { ...process.env, INIT_CWD: '', MARKETPLACE_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The CLI run from another folder than the clone (runCli runs it from the clone). */
function runCliIn(cwd: string, args: string[]): Promise<CliResult> {
  return shell([process.execPath, CLI, ...args].map((a) => `'${a.replaceAll("'", "'\\''")}'`).join(' '), cwd);
}

describe('help from the table', () => {
  it('--help lists every declared command with its summary; help --markdown is the reference', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const c of COMMANDS) {
      expect(help.stdout).toMatch(new RegExp(`^ {2}${c.name}( |$)`, 'm'));
      expect(help.stdout).toContain(c.summary.split('\n')[0]);
    }
    for (const name of ['agents list', 'sponsors list', 'disputes show', 'trajectories scan', 'policy set', 'skills review'])
      expect(help.stdout).toMatch(new RegExp(`^ {2}${name}`, 'm'));
    const markdown = await runCli(['help', '--markdown']);
    expect(markdown.code).toBe(0);
    expect(markdown.stdout).toBe(renderCommandReference());
    for (const c of COMMANDS) expect(markdown.stdout).toContain(`#### \`agent-marketplace ${c.name}`);
    expect(markdown.stdout).toContain('| `--sats N` | how much: a whole number of sats greater than zero (required) |');
  });

  it('fund --help and help fund show the usage line, every flag and the database options; nothing is opened', async () => {
    const db = tempDbPath();
    const flag = await runCli(['fund', '--help', '--db', db]);
    expect(flag.code).toBe(0);
    expect(flag.stdout).toMatch(/^Usage: agent-marketplace fund --agent ID --sats N \[--idempotency-key K\]\n/);
    for (const f of ['--agent ID', '--sats N', '--idempotency-key K', '--db PATH', '--json', '--help, -h']) expect(flag.stdout).toContain(`  ${f}`);
    expect(flag.stdout).toContain('(or MARKETPLACE_DB; default: marketplace.db in the user data directory)');
    expect((await runCli(['help', 'fund'])).stdout).toBe(flag.stdout);
    expect(fs.existsSync(db)).toBe(false);
    // A group alone lists its commands.
    const group = await runCli(['policy']);
    expect(group.code).toBe(0);
    expect(group.stdout).toMatch(/^ {2}policy set --agent ID --file F/m);
  });
});

describe('usage errors', () => {
  it('an unknown flag is named with the one meant, exit 2, and no database is created', async () => {
    const db = tempDbPath();
    const r = await runCli(['fund', '--agent', 'ag_x', '--sat', '100', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('unknown flag --sat; did you mean --sats?');
    expect(r.stderr).toContain('agent-marketplace fund --help');
    expect(fs.existsSync(db)).toBe(false);
    const json = await cliJson(['fund', '--agent', 'ag_x', '--sat', '100', '--db', db]);
    expect(json).toMatchObject({ code: 2, json: { error: { code: 'INVALID_INPUT', message: 'unknown flag --sat; did you mean --sats?' } } });
    // A flag of another command is not one of this command's.
    const other = await runCli(['init', '--name', 'x', '--db', db]);
    expect(other.code).toBe(2);
    expect(other.stderr).toContain('unknown flag --name (init takes --sponsor-name, --agent-name and the database options)');
  });

  it('an unknown command is answered with the one meant', async () => {
    const db = tempDbPath();
    const typo = await runCli(['fnd', '--agent', 'ag_x', '--sats', '5', '--db', db]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown command "fnd"; did you mean fund?');
    expect((await runCli(['agent', 'list', '--db', db])).stderr).toContain('unknown command "agent list"; did you mean agents list?');
    expect((await runCli(['disputes', 'shw', 'dp_1', '--db', db])).stderr).toContain('unknown command "disputes shw"; did you mean disputes show?');
    const far = await runCli(['frobnicate', '--db', db]);
    expect(far.code).toBe(2);
    expect(far.stderr).toMatch(/unknown command "frobnicate"\n/);
    expect(fs.existsSync(db)).toBe(false);
  });

  it('a missing required flag or argument is named, and a value outside the choices is refused with the close one', async () => {
    const db = tempDbPath();
    const missing = await runCli(['fund', '--agent', 'ag_x', '--db', db]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('fund needs --sats N');
    expect((await runCli(['disputes', 'show', '--db', db])).stderr).toContain('disputes show needs ID');
    expect((await runCli(['token', 'rotate', '--db', db])).stderr).toContain('token rotate takes exactly one of --agent ID or --sponsor ID');
    const choice = await runCli(['disputes', 'resolve', 'dp_1', '--resolution', 'norefund', '--db', db]);
    expect(choice.code).toBe(2);
    expect(choice.stderr).toContain('--resolution is one of RefundFull, RefundPartial, NoRefund (got "norefund"); did you mean NoRefund?');
    expect(fs.existsSync(db)).toBe(false);
  });
});

describe('the operator reads who is in the marketplace', () => {
  it("agents list and sponsors list: every agent with sponsor, status and balance, or one sponsor's", async () => {
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: hirer } = await fundedAgent(ctx, 20_000);
    const worker = await agent(ctx, sponsor.id, 'Worker');
    const hirerClient = await connect(ctx, hirer.token);
    await call(hirerClient, 'marketplace_hire_agent', { task: { description: 'x', required_skills: [], max_budget_sats: 2_000 }, agent_id: worker.id });
    const db = ctx.db.path;
    const other = await cliJson(['sponsor', 'create', '--name', 'Other sponsor', '--db', db]);
    const outsider = await cliJson(['agent', 'create', '--sponsor', other.json.id, '--name', 'Outsider', '--db', db]);
    await cliJson(['agent', 'suspend', '--agent', outsider.json.id, '--db', db]);

    const all = await cliJson(['agents', 'list', '--db', db]);
    expect(all.code).toBe(0);
    expect(all.json.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          agent_id: hirer.id,
          name: 'Funded agent',
          sponsor_id: sponsor.id,
          sponsor_name: 'Acme sponsor',
          status: 'Active',
          balance_sats: 20_000,
          held_sats: 2_000,
          available_sats: 18_000,
        }),
        expect.objectContaining({ agent_id: worker.id, sponsor_id: sponsor.id, balance_sats: 0 }),
        expect.objectContaining({ agent_id: outsider.json.id, sponsor_id: other.json.id, sponsor_name: 'Other sponsor', status: 'Suspended' }),
      ]),
    );
    expect(all.json.items).toHaveLength(3);
    // The same wallet the sponsor reads over MCP.
    const sponsorClient = await connect(ctx, sponsor.token);
    const wallets = (await call(sponsorClient, 'marketplace_check_balance')).data.agents;
    for (const w of wallets)
      expect(all.json.items.find((i: any) => i.agent_id === w.agent_id)).toMatchObject({ balance_sats: w.balance_sats, held_sats: w.held_sats, status: w.status });

    const own = await cliJson(['agents', 'list', '--sponsor', other.json.id, '--db', db]);
    expect(own.json.items.map((i: any) => i.agent_id)).toEqual([outsider.json.id]);
    const unknown = await cliJson(['agents', 'list', '--sponsor', 'sp_missing', '--db', db]);
    expect(unknown).toMatchObject({ code: 1, json: { error: { code: 'NOT_FOUND' } } });
    const text = await runCli(['agents', 'list', '--db', db]);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${hirer.id} +Active +20,000 sats +${sponsor.id} +Funded agent$`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^${outsider.json.id} +Suspended +0 sats +${other.json.id} +Outsider$`, 'm'));

    const sponsors = await cliJson(['sponsors', 'list', '--db', db]);
    expect(sponsors.json.items).toHaveLength(2);
    expect(sponsors.json.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ sponsor_id: sponsor.id, name: 'Acme sponsor', agent_count: 2, agents_balance_sats: 20_000, webhook_url: null }),
        expect.objectContaining({ sponsor_id: other.json.id, name: 'Other sponsor', agent_count: 1, agents_balance_sats: 0 }),
      ]),
    );
    const sponsorsText = await runCli(['sponsors', 'list', '--db', db]);
    expect(sponsorsText.stdout).toMatch(new RegExp(`^${sponsor.id} +2 agent\\(s\\) +20,000 sats +Acme sponsor$`, 'm'));
  });

  it('disputes show: parties, amounts, evidence and response (hidden characters spelled out), then the resolution', async () => {
    const ctx = await makeContext({ clock: systemClock });
    const { sponsor, agent: hirer } = await fundedAgent(ctx, 20_000);
    const worker = await agent(ctx, sponsor.id, 'Worker');
    const hirerClient = await connect(ctx, hirer.token);
    const workerClient = await connect(ctx, worker.token);
    const hired = await call(hirerClient, 'marketplace_hire_agent', { task: { description: 'x', required_skills: [], max_budget_sats: 2_000 }, agent_id: worker.id });
    await call(workerClient, 'marketplace_respond_to_contract', { contract_id: hired.data.contract_id, action: 'accept' });
    await call(workerClient, 'marketplace_submit_delivery', { contract_id: hired.data.contract_id, result: 'done' });
    const hash = 'a'.repeat(64);
    const filed = await call(hirerClient, 'marketplace_file_dispute', {
      dispute_type: 'QualityIssue',
      subject: { kind: 'contract', id: hired.data.contract_id },
      amount_sats: 1_500,
      evidence: [{ description: 'The report is empty\u001b[2J', sha256: hash }],
    });
    await call(workerClient, 'marketplace_respond_to_dispute', { dispute_id: filed.data.dispute_id, response: 'It was delivered as asked' });
    const id = filed.data.dispute_id;
    const db = ctx.db.path;

    const shown = await cliJson(['disputes', 'show', id, '--db', db]);
    expect(shown.code).toBe(0);
    expect(shown.json).toMatchObject({
      dispute_id: id,
      status: 'UnderReview',
      dispute_type: 'QualityIssue',
      subject: { kind: 'contract', id: hired.data.contract_id },
      claimant_id: hirer.id,
      respondent_id: worker.id,
      amount_sats: 1_500,
      at_stake_sats: 2_000,
      evidence: [{ untrusted_description: 'The report is empty\u001b[2J', sha256: hash }],
      untrusted_response: 'It was delivered as asked',
      resolution: null,
      parties: { claimant: { agent_id: hirer.id, name: 'Funded agent', sponsor_id: sponsor.id }, respondent: { agent_id: worker.id, name: 'Worker', sponsor_id: sponsor.id } },
    });
    // The operator's MCP tool answers the same dispute, but for the parties added here.
    const operator = await connect(ctx, await operatorToken(ctx));
    const { parties: _parties, ...view } = shown.json;
    expect(view).toEqual((await call(operator, 'marketplace_get_dispute', { dispute_id: id })).data);

    const text = await runCli(['disputes', 'show', id, '--db', db]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`Dispute ${id}: UnderReview, QualityIssue over contract ${hired.data.contract_id}`);
    expect(text.stdout).toContain(`claimant:   ${hirer.id} (Funded agent, sponsor ${sponsor.id})`);
    expect(text.stdout).toContain('claimed 1,500 sats of 2,000 at stake');
    expect(text.stdout).toContain('1. The report is empty\\u{001b}[2J');
    expect(text.stdout).not.toContain('\u001b');
    expect(text.stdout).toContain(`sha256 ${hash}`);
    expect(text.stdout).toContain('It was delivered as asked');
    expect(text.stdout).toContain(`Decide with: agent-marketplace disputes resolve ${id} --resolution RefundFull|RefundPartial|NoRefund [--sats N] [--reason R] --db ${db}`);

    await cliJson(['disputes', 'resolve', id, '--resolution', 'RefundPartial', '--sats', '500', '--reason', 'half done', '--db', db]);
    const resolved = await cliJson(['disputes', 'show', id, '--db', db]);
    expect(resolved.json).toMatchObject({ status: 'Resolved', resolution: 'RefundPartial', refund_sats: 500, resolution_reason: 'half done' });
    const resolvedText = await runCli(['disputes', 'show', id, '--db', db]);
    expect(resolvedText.stdout).toContain('Resolved RefundPartial: 500 sats refunded\n  reason: half done');

    const missing = await cliJson(['disputes', 'show', 'dp_missing', '--db', db]);
    expect(missing).toMatchObject({ code: 1, json: { error: { code: 'NOT_FOUND' } } });
  });
});

describe('a port in use', () => {
  it('serve --http and start say which port is busy and how to choose another, exit 1, no stack trace; start initialises nothing', async () => {
    const holder = net.createServer();
    await new Promise<void>((done) => holder.listen(0, '127.0.0.1', done));
    const port = String((holder.address() as net.AddressInfo).port);
    try {
      const db = tempDbPath();
      await cliJson(['init', '--db', db]);
      const serve = await runCli(['serve', '--http', '--port', port, '--db', db]);
      expect(serve.code).toBe(1);
      expect(serve.stderr).toContain(`Port ${port} on 127.0.0.1 is in use`);
      expect(serve.stderr).toContain('choose another with --port N');
      expect(serve.stderr).toContain('MARKETPLACE_PORT=N');
      expect(serve.stderr).not.toMatch(/^\s+at /m);
      const json = await cliJson(['serve', '--http', '--port', port, '--db', db]);
      expect(json).toMatchObject({ code: 1, json: { error: { code: 'CONFLICT', details: { host: '127.0.0.1', port: Number(port) } } } });

      const fresh = tempDbPath();
      const start = await runCli(['start', '--port', port, '--db', fresh]);
      expect(start.code).toBe(1);
      expect(start.stderr).toContain(`Port ${port} on 127.0.0.1 is in use`);
      expect(start.stderr).not.toMatch(/^\s+at /m);
      expect(start.stdout).not.toContain('token:');
      // Nothing was initialised behind the failed start: the first init still prints the tokens.
      expect((await cliJson(['init', '--db', fresh])).code).toBe(0);
    } finally {
      await new Promise((done) => holder.close(done));
    }
  });
});

describe("the first run's next step runs as printed", () => {
  const printedFund = (stdout: string) => /^Fund the agent \(sandbox, no real money\): (.+)$/m.exec(stdout)?.[1];

  it('from the clone, with npx (npm install puts nothing on PATH); the database path quoted for the shell', async () => {
    const dir = path.join(tempDir(), 'with space');
    fs.mkdirSync(dir);
    const db = path.join(dir, 'marketplace.db');
    const init = await shell([process.execPath, CLI, 'init', '--db', `'${db}'`].join(' '), ROOT);
    expect(init.code).toBe(0);
    const line = printedFund(init.stdout);
    expect(line).toMatch(/^npx agent-marketplace fund --db '.+with space\/marketplace\.db' --agent ag_\S+ --sats 10000$/);
    expect(init.stdout).toContain('`npx agent-marketplace token rotate` issues new ones.');
    const funded = await shell(`${line} --json`, ROOT);
    expect(funded.code).toBe(0);
    expect(JSON.parse(funded.stdout)).toMatchObject({ balance_sats: 10_000 });
  }, 60_000);

  it('from elsewhere, with node and the full path: npx there would fetch whatever the registry holds under the name', async () => {
    const elsewhere = tempDir();
    const db = path.join(elsewhere, 'marketplace.db');
    const init = await runCliIn(elsewhere, ['init', '--db', db]);
    expect(init.code).toBe(0);
    const line = printedFund(init.stdout)!;
    expect(line.startsWith(`${process.execPath} ${fs.realpathSync(CLI)} fund --db ${db} `)).toBe(true);
    const funded = await shell(`${line} --json`, elsewhere);
    expect(JSON.parse(funded.stdout)).toMatchObject({ balance_sats: 10_000 });
  });
});
