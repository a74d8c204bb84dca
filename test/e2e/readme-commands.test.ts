// Every shell command the README shows, run as a new user would run it: in a fresh copy
// of the repository (its files as git sees them, node_modules shared), in a fresh home,
// in the README's order. `npm start` really starts (port 8787, as
// written), the first agent is funded, the Inspector lists the tools, and the
// trajectory walkthrough ends with a session contributed and paid. Placeholders the
// README marks as yours (`<agent id>`, `amag_…`, `bty_…`) are filled with the real
// values; a command this test does not know how to run fails it, so a new command in
// the README is run here or explicitly set aside with its reason.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gitRepo, writeClaudeSession } from '../support/agent-sessions.js';
import { cliJson } from '../support/processes.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const README = readFileSync(path.join(REPO, 'README.md'), 'utf8');

/** Commands the README shows that this test leaves to others, with why. */
const NOT_RUN: [RegExp, string][] = [
  [/^npm (install|ci)$/, 'CI runs npm ci before everything else'],
  [/^npm test$/, 'the suite this test is part of'],
  [/^claude mcp add /, 'Claude Code is not installed on the test machines'],
  // The scale-out section's commands, which need a PostgreSQL: test/postgres/scale-out.test.ts runs three servers on one this way.
  [/^\/usr\/lib\/postgresql\/|^createdb |^DB=postgres:|--database-url \$DB/, 'needs a PostgreSQL; test/postgres/scale-out.test.ts'],
];

/** The README's shell commands in order: code blocks marked sh or bash, continuations joined, comments and `&&` split off. */
function readmeCommands(markdown: string): string[] {
  const commands: string[] = [];
  for (const block of markdown.matchAll(/^( *)```(?:sh|bash)\n([\s\S]*?)^\1```/gm)) {
    const text = block[2]!.replace(/\\\n\s*/g, '');
    for (const raw of text.split('\n')) {
      const line = raw.replace(/\s+#\s.*$/, '').trim();
      if (line === '' || line.startsWith('#')) continue;
      commands.push(...line.split(/\s+&&\s+/));
    }
  }
  return commands;
}

const root = mkdtempSync(path.join(tmpdir(), 'readme-'));
/** The copy the commands run in: its own dist/ and database, so the running suite's are untouched. */
const ROOT = path.join(root, 'agent-marketplace');
const home = path.join(root, 'home', 'ana');
const repo = path.join(home, 'projects', 'app');
const env: Record<string, string> = {
  PATH: process.env.PATH ?? '',
  HOME: home,
  USER: 'ana',
  LOGNAME: 'ana',
  CHROMIUM_PATH: process.env.CHROMIUM_PATH ?? '',
  npm_config_update_notifier: 'false',
  // npm's own cache, where npx finds the Inspector it fetched before (the home here is new).
  npm_config_cache: process.env.npm_config_cache ?? path.join(homedir(), '.npm'),
  MARKETPLACE_LOG_LEVEL: 'warn',
};
const running: ChildProcess[] = [];

beforeAll(() => {
  const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: REPO, encoding: 'utf8' }).split('\0').filter(Boolean);
  for (const f of files) if (existsSync(path.join(REPO, f))) cpSync(path.join(REPO, f), path.join(ROOT, f), { recursive: true });
  symlinkSync(path.join(REPO, 'node_modules'), path.join(ROOT, 'node_modules'));
});

afterAll(async () => {
  for (const child of running) {
    if (child.exitCode === null) {
      const exited = new Promise((done) => child.on('exit', done));
      process.kill(-child.pid!, 'SIGTERM'); // npm, its shell and the server: the whole group
      await exited;
    }
  }
});

/** `npm start` until it says Ctrl-C stops it; what it printed. */
function startServer(command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', `exec ${command}`], { cwd: ROOT, env, detached: true });
    running.push(child);
    let out = '';
    const timer = setTimeout(() => reject(new Error(`${command} did not start:\n${out}`)), 90_000);
    const take = (d: Buffer) => {
      out += d;
      if (out.includes('Ctrl-C stops it.')) {
        clearTimeout(timer);
        resolve(out);
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.on('exit', (code) => reject(new Error(`${command} exited ${code}:\n${out}`)));
  });
}

function run(command: string, extraEnv: Record<string, string>): { code: number; out: string } {
  try {
    // Long enough for npx to fetch the Inspector on a machine that has never run it.
    const out = execFileSync('bash', ['-c', command], { cwd: ROOT, env: { ...env, ...extraEnv }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 180_000 });
    return { code: 0, out };
  } catch (error: any) {
    return { code: error.status ?? -1, out: `${error.stdout ?? ''}${error.stderr ?? ''}` };
  }
}

/** A command that asks in the terminal, run in tmux and answered y at each question. */
async function runAnsweringYes(command: string, extraEnv: Record<string, string>): Promise<{ code: number; out: string }> {
  const socket = `readme-${process.pid}`;
  const tmux = (args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  const done = path.join(root, 'review.done');
  writeFileSync(done, '');
  const envs = Object.entries({ ...env, ...extraEnv })
    .map(([k, v]) => `${k}='${v}'`)
    .join(' ');
  tmux(['new-session', '-d', '-s', 'readme', '-x', '200', '-y', '50', `cd ${ROOT} && env -i ${envs} bash -c "${command.replace(/"/g, '\\"')}"; echo $? > ${done}; sleep 30`]);
  const pane = () => tmux(['capture-pane', '-p', '-J', '-t', 'readme', '-S', '-500']);
  try {
    let answered = 0;
    const until = Date.now() + 60_000;
    while (readFileSync(done, 'utf8').trim() === '') {
      if (Date.now() > until) throw new Error(`timed out:\n${tmux(['capture-pane', '-p', '-t', 'readme'])}`);
      const asked = pane().split('Contribute this session?').length - 1;
      if (asked > answered) {
        tmux(['send-keys', '-t', 'readme', 'y', 'Enter']);
        answered = asked;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    return { code: Number(readFileSync(done, 'utf8').trim()), out: pane() };
  } finally {
    try {
      tmux(['kill-server']);
    } catch {
      // ended with its command
    }
  }
}

async function mcp(url: string, token: string): Promise<Client> {
  const client = new Client({ name: 'readme-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

describe('the README', () => {
  it('finds the commands a reader is shown', () => {
    const commands = readmeCommands(README);
    expect(commands).toContain('npm start');
    expect(commands.some((c) => c.startsWith('npx agent-marketplace fund'))).toBe(true);
    expect(commands.some((c) => c.startsWith('npx agent-marketplace trajectories contribute'))).toBe(true);
  });

  it('runs every command as written, on a fresh home, in order', { timeout: 480_000 }, async () => {
    const T0 = Date.now() - 2 * 86_400_000;
    mkdirSync(repo, { recursive: true });
    gitRepo(repo, T0 - 3_600_000, T0 + 10 * 60_000);
    // The session the walkthrough previews by its id's first characters.
    writeClaudeSession(path.join(home, '.claude', 'projects'), { sessionId: '3f1c9a7e-0b2d-4c1e-9f00-1a2b3c4d5e6f', cwd: repo, startAt: T0 });

    const values: Record<string, string> = {};
    /** What the README's `export` lines set, for the commands after them (as a shell keeps it). */
    const exported: Record<string, string> = {};
    const fill = (command: string) =>
      command.replace(/<agent id>|amag_…|bty_…/g, (p) => {
        const v = { '<agent id>': values.agentId, 'amag_…': values.agentToken, 'bty_…': values.bountyId }[p];
        if (!v) throw new Error(`no value yet for ${p} in: ${command}`);
        return v;
      });

    const ran: string[] = [];
    for (const written of readmeCommands(README)) {
      const aside = NOT_RUN.find(([pattern]) => pattern.test(written));
      if (aside) continue;
      if (written === 'npm start') {
        const out = await startServer(written);
        values.agentId = /Agent +(ag_\w+)/.exec(out)![1]!;
        values.agentToken = /Agent [^\n]*\n {2}token: (amag_\S+)/.exec(out)![1]!;
        // A buyer on the same marketplace posts the trajectory bounty the walkthrough contributes to.
        const sponsorId = /Sponsor (sp_\w+)/.exec(out)![1]!;
        const buyer = await cliJson(['agent', 'create', '--sponsor', sponsorId, '--name', 'Buyer'], env);
        await cliJson(['fund', '--agent', buyer.json.id, '--sats', '5000'], env);
        const client = await mcp('http://127.0.0.1:8787/mcp', buyer.json.token);
        const bounty = await client.callTool({
          name: 'marketplace_create_bounty',
          arguments: { title: 'Coding sessions', description: 'Real sessions', reward_sats: 4000, requirements: { min_samples: 5, required_format: 'trajectory' } },
        });
        values.bountyId = (bounty.structuredContent as any).bounty_id;
        await client.close();
        ran.push(written);
        continue;
      }
      if (written.startsWith('export ')) {
        for (const [, k, v] of fill(written).matchAll(/(\w+)=(\S+)/g)) exported[k!] = v!;
        ran.push(written);
        continue;
      }
      const runnable = written.startsWith('npx agent-marketplace ') || written.startsWith('npx @modelcontextprotocol/inspector');
      expect(runnable, `the README shows a command this test does not run: ${written}`).toBe(true);
      const command = fill(written);
      const result = written.includes('--review') ? await runAnsweringYes(command, exported) : run(command, exported);
      expect(result.code, `${written}\n${result.out}`).toBe(0);
      ran.push(written);
    }

    // What the reader was promised: a funded agent, and a contribution paid into its wallet.
    expect(ran).toContain('npm start');
    const status = await cliJson(['trajectories', 'status'], env);
    expect(status.json.items).toEqual([expect.objectContaining({ session_id: '3f1c9a7e-0b2d-4c1e-9f00-1a2b3c4d5e6f', status: 'Accepted' })]);
    const client = await mcp('http://127.0.0.1:8787/mcp', values.agentToken!);
    const balance = (await client.callTool({ name: 'marketplace_check_balance', arguments: {} })).structuredContent as any;
    await client.close();
    expect(balance.balance_sats).toBe(10_000 + status.json.items[0].actual_reward_sats);
    expect(existsSync(path.join(home, '.local', 'share', 'agent-marketplace', 'marketplace.db'))).toBe(true);
  });
});
