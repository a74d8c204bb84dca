// `agent-marketplace trajectories` on a contributor's machine, run as the built command
// against Claude Code and Codex session files written into a temporary home in the
// shapes agents write them, with planted secrets, an e-mail, home paths, a passing test
// run and a git repository with two commits.
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreTrajectory } from '../../src/domain/trajectories/quality.js';
import { ContributionStore } from '../../src/trajectories/contribution-store.js';
import { gitRepo, PLANTED, writeClaudeSession, writeCodexSession, type ClaudeFixture, type CodexFixture } from '../support/agent-sessions.js';
import { CLI, cliJson, runCli, startHttpServer, type RunningServer } from '../support/processes.js';

const root = mkdtempSync(path.join(tmpdir(), 'traj-cli-'));
const home = path.join(root, 'home', 'ana');
const repo = path.join(home, 'projects', 'app');
const env = { HOME: home, USER: 'ana', LOGNAME: 'ana', XDG_CONFIG_HOME: '', MARKETPLACE_URL: '', MARKETPLACE_TOKEN: '' };
const T0 = Date.now() - 2 * 86_400_000;
let claude: ClaudeFixture;
let codex: CodexFixture;
let commits: { first: string; second: string };

const traj = (args: string[], extra: Record<string, string> = {}) => cliJson(['trajectories', ...args], { ...env, ...extra });

beforeAll(() => {
  mkdirSync(repo, { recursive: true });
  commits = gitRepo(repo, T0 - 3_600_000, T0 + 10 * 60_000);
  claude = writeClaudeSession(path.join(home, '.claude', 'projects'), { sessionId: '3f1c9a7e-0b2d-4c1e-9f00-1a2b3c4d5e6f', cwd: repo, startAt: T0 });
  codex = writeCodexSession(path.join(home, '.codex', 'sessions'), { sessionId: '0199a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b', cwd: repo, commit: commits.first, startAt: T0 });
});

describe('trajectories scan and preview', () => {
  it('finds both sessions with the counts, quality and reward the shared formula gives what is sent', async () => {
    const scan = await traj(['scan']);
    expect(scan.code).toBe(0);
    const bySource = Object.fromEntries(scan.json.items.map((i: any) => [i.source, i]));
    expect(Object.keys(bySource).sort()).toEqual(['claude', 'codex']);
    for (const [fx, item] of [
      [claude, bySource.claude],
      [codex, bySource.codex],
    ] as const) {
      expect(item).toMatchObject({
        session_id: fx.sessionId,
        cwd: repo,
        messages: fx.expected.messages,
        tool_calls: fx.expected.tool_calls,
        tokens: fx.expected.tokens.input + fx.expected.tokens.output,
        status: 'eligible',
        skipped_lines: 0,
        truncated: false,
      });
      expect(item.started_at).toBe(new Date(T0).toISOString());
      const preview = await traj(['preview', fx.sessionId]);
      expect(preview.code).toBe(0);
      const score = scoreTrajectory(preview.json.trajectory, 0.5);
      expect([item.quality_score, item.estimated_reward_sats]).toEqual([score.quality_score, score.estimated_reward_sats]);
      expect(score.tests_passed).toBe(true);
      expect(preview.json.trajectory).toMatchObject({ initial_commit: commits.first, final_commit: commits.second, cwd: '.' });
    }
    expect(scan.json.notes.join('\n')).toMatch(/Only Claude Code sessions from the last 30 days/);
  });

  it('previews exactly what would be sent: none of the planted values, paths relative, inputs still JSON, a count per rule', async () => {
    for (const id of [claude.sessionId, codex.sessionId]) {
      const json = await traj(['preview', id]);
      const text = await runCli(['trajectories', 'preview', id], env);
      for (const output of [JSON.stringify(json.json), text.stdout]) {
        for (const planted of Object.values(PLANTED)) expect(output).not.toContain(planted);
        expect(output).not.toContain(home);
        expect(output).not.toMatch(/\bana\b/i);
      }
      expect(text.stdout).toContain('This is exactly what would be sent:');
      expect(JSON.parse(text.stdout.slice(text.stdout.indexOf('{')))).toEqual(json.json.trajectory);
      for (const s of json.json.trajectory.steps) if (s.kind === 'tool_call') expect(() => JSON.parse(s.input)).not.toThrow();
    }
    const c = (await traj(['preview', claude.sessionId])).json;
    expect(Object.fromEntries(c.redactions.map((r: any) => [r.rule, r.count]))).toMatchObject({ 'anthropic-key': 2, 'aws-access-key': 1, email: 2, 'home-path': 1 });
    expect(c.trajectory.task).toBe('Fix the failing parser test in src/parser.ts. The API key is [REDACTED:anthropic-key]; mail [REDACTED:email] when done.');
    const x = (await traj(['preview', codex.sessionId])).json;
    // In the task and in the message it came from.
    expect(x.redactions).toContainEqual({ rule: 'github-token', count: 2 });
    // A session id may be shortened to a prefix that names one session.
    expect((await traj(['preview', claude.sessionId.slice(0, 8)])).json.session_id).toBe(claude.sessionId);
    expect((await traj(['preview', 'no-such-session'])).json.error).toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('session files that are broken, huge or missing', () => {
  it('reports a malformed and cut-off file with its skipped lines, and still reads what it can', async () => {
    const dir = path.join(root, 'broken', '-w');
    mkdirSync(dir, { recursive: true });
    const good = { type: 'user', cwd: '/w', timestamp: new Date(T0).toISOString(), sessionId: 'broken', message: { role: 'user', content: 'Fix it' } };
    writeFileSync(
      path.join(dir, 'broken.jsonl'),
      `${JSON.stringify(good)}\n{"type":"assistant","message":{"content":[{"type":"te\n\u0000\u0001garbage\n${JSON.stringify(good).slice(0, 40)}`,
    );
    writeFileSync(path.join(dir, 'empty.jsonl'), '');
    const scan = await traj(['scan', '--claude-dir', path.dirname(dir), '--codex-dir', path.join(root, 'none')]);
    expect(scan.code).toBe(0);
    expect(scan.json.items.find((i: any) => i.session_id === 'broken')).toMatchObject({ messages: 1, skipped_lines: 3 });
    expect(scan.json.notes.join('\n')).toMatch(/broken: 3 line\(s\) skipped/);
    expect(scan.json.notes.join('\n')).toMatch(/empty: .*holds no record/);
    const text = await runCli(['trajectories', 'scan', '--claude-dir', path.dirname(dir), '--codex-dir', path.join(root, 'none')], env);
    expect(text.code).toBe(0);
    expect(text.stderr).toBe('');
  });

  it('reads a 200 MB session file in bounded memory: keeps its start, skips an oversized line, and says so', async () => {
    const dir = path.join(root, 'huge', '-w');
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, 'huge.jsonl');
    const line = (text: string) =>
      `${JSON.stringify({ type: 'user', cwd: '/w', sessionId: 'huge', timestamp: new Date(T0).toISOString(), message: { role: 'user', content: text } })}\n`;
    const fd = openSync(file, 'w');
    const mb = line('lorem ipsum dolor sit amet '.repeat(38_800));
    for (let i = 0; i < 190; i++) writeSync(fd, mb);
    writeSync(fd, line('x'.repeat(10 * 1024 * 1024)));
    closeSync(fd);
    const started = Date.now();
    const scan = await traj(['scan', '--claude-dir', path.dirname(dir), '--codex-dir', path.join(root, 'none')]);
    expect(scan.code).toBe(0);
    expect(scan.json.items).toEqual([expect.objectContaining({ session_id: 'huge', skipped_lines: 1, truncated: true })]);
    expect(scan.json.notes.join('\n')).toMatch(/huge: longer than a contribution may be; only its start is kept/);
    const preview = await traj(['preview', 'huge', '--claude-dir', path.dirname(dir), '--codex-dir', path.join(root, 'none')]);
    expect(preview.code).toBe(0);
    expect(Buffer.byteLength(JSON.stringify(preview.json.trajectory))).toBeLessThan(4 * 1024 * 1024);
    expect(Date.now() - started).toBeLessThan(20_000);
  }, 60_000);

  it('says clearly when there are no sessions at all', async () => {
    const empty = path.join(root, 'empty-dir');
    mkdirSync(empty);
    const scan = await traj(['scan', '--claude-dir', empty, '--codex-dir', path.join(root, 'no-codex')]);
    expect(scan.code).toBe(0);
    expect(scan.json).toEqual({ items: [], notes: [`No Claude Code sessions in ${empty}.`, expect.stringMatching(/^No Codex sessions: .*no-codex does not exist/)] });
    const text = await runCli(['trajectories', 'scan', '--claude-dir', empty, '--codex-dir', path.join(root, 'no-codex')], env);
    expect(text.stdout).toMatch(/^No sessions found\./);
  });
});

describe('settings and consent', () => {
  it('shows the defaults, validates changes (nothing written on a bad one) and keeps them', async () => {
    const file = path.join(root, 'settings', 'trajectories.json');
    expect((await traj(['config', '--config', file])).json).toEqual({ auto: false, min_quality: 0.5, sources: ['claude', 'codex'], lightning_address: null });
    for (const bad of [
      ['--auto', 'yes'],
      ['--min-quality', '1.5'],
      ['--sources', 'claude,cursor'],
      ['--lightning-address', 'not an address'],
    ]) {
      const r = await traj(['config', '--config', file, ...bad]);
      expect(r.code).toBe(2);
      expect(r.json.error.message).toMatch(/Nothing changed/);
    }
    expect(existsSync(file)).toBe(false);
    const set = await traj(['config', '--config', file, '--min-quality', '0.8', '--sources', 'codex', '--lightning-address', 'ana@getalby.com']);
    expect(set.json).toEqual({ auto: false, min_quality: 0.8, sources: ['codex'], lightning_address: 'ana@getalby.com' });
    expect((await traj(['config', '--config', file])).json).toEqual(set.json);
    // The threshold and the sources are the settings' own.
    const scan = await traj(['scan', '--config', file]);
    expect(scan.json.items.map((i: any) => [i.source, i.status])).toEqual([['codex', 'below_threshold']]);
  });

  it('sends nothing without consent: --batch needs auto, --review needs a terminal, and a marketplace must be named', async () => {
    const batch = await traj(['contribute', '--batch', '--bounty', 'bty_1', '--url', 'http://127.0.0.1:9/mcp', '--token', 't']);
    expect(batch.code).toBe(2);
    expect(batch.json.error.message).toContain('config --auto true');
    const review = await traj(['contribute', '--review', '--bounty', 'bty_1', '--url', 'http://127.0.0.1:9/mcp', '--token', 't']);
    expect(review.code).toBe(2);
    expect(review.json.error.message).toMatch(/terminal/);
    expect((await traj(['contribute', claude.sessionId, '--bounty', 'bty_1'])).code).toBe(2);
    expect((await traj(['contribute', claude.sessionId, '--url', 'http://127.0.0.1:9/mcp', '--token', 't'])).code).toBe(2);
    expect((await traj(['contribute', '--bounty', 'bty_1', '--url', 'http://127.0.0.1:9/mcp', '--token', 't'])).code).toBe(2);
    expect((await traj(['status'])).json.items).toEqual([]);
  });
});

describe('contributing to a marketplace', () => {
  let server: RunningServer;
  let token: string;
  const db = path.join(root, 'market', 'marketplace.db');

  beforeAll(async () => {
    mkdirSync(path.dirname(db), { recursive: true });
    token = (await cliJson(['init', '--db', db])).json.agent.token;
    server = await startHttpServer(['--db', db]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('reaches the marketplace over MCP with the agent token; a wrong token or an unreachable one is a clear error', async () => {
    // The marketplace refuses a bounty that does not exist (or, before it offers trajectories, the tool itself): NOT_FOUND either way.
    const sent = await traj(['contribute', claude.sessionId, '--bounty', 'bty_missing'], { MARKETPLACE_URL: server.url, MARKETPLACE_TOKEN: token });
    expect(sent.code).toBe(1);
    expect((sent.json.items?.[0]?.error ?? sent.json.error).code).toBe('NOT_FOUND');
    const wrong = await traj(['contribute', claude.sessionId, '--bounty', 'bty_missing', '--url', server.url, '--token', 'amk_wrong']);
    expect(wrong.json.error).toMatchObject({ code: 'UNAUTHORIZED' });
    const down = await traj(['contribute', claude.sessionId, '--bounty', 'bty_missing', '--url', 'http://127.0.0.1:9/mcp', '--token', token]);
    expect(down.json.error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE' });
    expect(down.json.error.message).toContain('http://127.0.0.1:9/mcp');
  });

  it('is paid exactly the estimate by a trajectory bounty, refused a second time and a planted secret, and status/earnings agree with the ledger', async () => {
    // A buyer of the same sponsor posts a trajectory bounty, its reward held.
    const sponsorId = (await cliJson(['sponsor', 'create', '--name', 'Data buyer', '--db', db])).json.id;
    const buyer = (await cliJson(['agent', 'create', '--sponsor', sponsorId, '--name', 'Buyer', '--db', db])).json;
    expect((await cliJson(['fund', '--agent', buyer.id, '--sats', '20000', '--db', db])).code).toBe(0);
    const buyerClient = await mcpClient(server.url, buyer.token);
    const contributor = await mcpClient(server.url, token);
    try {
      const bounty = await callHttp(buyerClient, 'marketplace_create_bounty', {
        title: 'Sessions with green tests',
        description: 'Coding trajectories',
        reward_sats: 10_000,
        requirements: { min_samples: 10, required_format: 'trajectory' },
      });
      const bountyId = bounty.bounty_id as string;
      const config = path.join(root, 'paid', 'settings.json');
      const scanned = (await traj(['scan', '--config', config])).json.items.find((i: any) => i.session_id === claude.sessionId);
      const market = { MARKETPLACE_URL: server.url, MARKETPLACE_TOKEN: token };

      const sent = await traj(['contribute', claude.sessionId, '--bounty', bountyId, '--config', config], market);
      expect(sent.code).toBe(0);
      expect(sent.json.items[0]).toMatchObject({
        session_id: claude.sessionId,
        status: 'Accepted',
        quality_score: scanned.quality_score,
        reward_sats: scanned.estimated_reward_sats,
      });
      const contributionId = sent.json.items[0].contribution_id;

      // What the buyer receives holds none of the planted values.
      const sample = await callHttp(buyerClient, 'marketplace_get_submission', { submission_id: contributionId });
      const received = JSON.stringify(sample.untrusted_samples);
      for (const planted of Object.values(PLANTED)) expect(received).not.toContain(planted);

      // The same session again: the marketplace's first answer comes back, reported as a duplicate and not paid.
      const again = await traj(['contribute', claude.sessionId, '--bounty', bountyId, '--config', config], market);
      expect(again.code).toBe(1);
      expect(again.json.items[0]).toMatchObject({ status: 'duplicate', contribution_id: contributionId, reward_sats: 0 });

      // A secret the client missed (here: typed straight into the request) is refused by the server.
      const leaked = { ...sample.untrusted_samples[0], session_id: 'leaky-session', task: 'push with GITHUB_TOKEN=ghp_Q9w8E7r6T5y4U3i2O1p0AsDfGhJkLzXcVbNm' };
      const { canonicalHash } = await import('../../src/core/canonical-json.js');
      const refused = await callHttp(contributor, 'marketplace_contribute_trajectory', {
        bounty_id: bountyId,
        trajectory: leaked,
        metadata: { source: 'claude', trajectory_hash: canonicalHash(leaked), quality_score: 0.9 },
      });
      expect(refused.status).toBe('Rejected');
      expect(refused.verification.checks.find((c: any) => c.name === 'secrets').passed).toBe(false);

      // status and earnings, refreshed from the marketplace, agree with the contributor's balance.
      const status = await traj(['status', '--config', config], market);
      expect(status.json.items).toEqual([expect.objectContaining({ contribution_id: contributionId, status: 'Accepted', actual_reward_sats: expect.any(Number) })]);
      const balance = await callHttp(contributor, 'marketplace_check_balance', {});
      const earnings = await traj(['earnings', '--config', config]);
      expect(earnings.json).toMatchObject({ paid_sats: status.json.items[0].actual_reward_sats, pending_sats: 0 });
      expect(earnings.json.paid_sats).toBe(balance.balance_sats);
      // 5% of the reward went to the platform: what was received is the reward less that fee.
      expect(earnings.json.paid_sats).toBe(Math.floor((scanned.estimated_reward_sats * 1000 * 0.95) / 1000));
    } finally {
      await buyerClient.close();
      await contributor.close();
    }
  });
});

describe('status and earnings from the local record', () => {
  it('agree with what was recorded, offline', async () => {
    const file = path.join(root, 'ledger', 'trajectories.json');
    const store = ContributionStore.open(path.join(path.dirname(file), 'trajectory-contributions.db'));
    const base = {
      source: 'claude',
      trajectory_hash: 'h',
      nostr_event_id: null,
      lightning_address: null,
      payment_preimage: null,
      rejection_reason: null,
      updated_at: '2026-11-20T10:00:00.000Z',
    };
    store.save({
      ...base,
      contribution_id: 'bs_1',
      session_id: 's1',
      status: 'Accepted',
      quality_score: 0.9,
      estimated_reward_sats: 700,
      actual_reward_sats: 650,
      submitted_at: '2026-11-20T10:00:00.000Z',
      paid_at: '2026-11-20T10:00:00.000Z',
    });
    store.save({
      ...base,
      contribution_id: 'bs_2',
      session_id: 's2',
      status: 'pending',
      quality_score: 0.7,
      estimated_reward_sats: 300,
      actual_reward_sats: null,
      submitted_at: '2026-11-20T11:00:00.000Z',
      paid_at: null,
    });
    store.save({
      ...base,
      contribution_id: 'bs_3',
      session_id: 's3',
      status: 'Rejected',
      quality_score: 0.6,
      estimated_reward_sats: 200,
      actual_reward_sats: 0,
      submitted_at: '2026-11-20T12:00:00.000Z',
      paid_at: null,
      rejection_reason: 'This session was contributed to this bounty already.',
    });
    store.close();
    const status = await traj(['status', '--config', file]);
    expect(status.json.items.map((i: any) => [i.contribution_id, i.status, i.actual_reward_sats])).toEqual([
      ['bs_3', 'Rejected', 0],
      ['bs_2', 'pending', null],
      ['bs_1', 'Accepted', 650],
    ]);
    expect(Object.keys(status.json.items[0]).sort()).toEqual([
      'actual_reward_sats',
      'contribution_id',
      'estimated_reward_sats',
      'paid_at',
      'quality_score',
      'rejection_reason',
      'session_id',
      'status',
      'submitted_at',
    ]);
    expect(status.json.items[0].rejection_reason).toMatch(/already/);
    const earnings = await traj(['earnings', '--config', file]);
    expect(earnings.json).toMatchObject({ total_sats: 950, paid_sats: 650, pending_sats: 300 });
    expect(earnings.json.items).toHaveLength(3);
    // A marketplace that cannot be reached leaves the record as it was, and says so.
    const offline = await traj(['status', '--config', file, '--url', 'http://127.0.0.1:9/mcp', '--token', 't']);
    expect(offline.json.items).toEqual(status.json.items);
    expect(offline.json.notes[0]).toMatch(/Could not refresh from http:\/\/127\.0\.0\.1:9\/mcp/);
  });
});

describe('contribute --review in a terminal', () => {
  const socket = `traj-${process.pid}`;
  const tmux = (args: string[]) => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
  afterAll(() => {
    try {
      tmux(['kill-server']);
    } catch {
      // already gone
    }
  });

  async function waitFor(what: () => boolean, label: string, ms = 20_000): Promise<void> {
    const until = Date.now() + ms;
    while (!what()) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${label}:\n${tmux(['capture-pane', '-p', '-t', 'review'])}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it.skipIf(!hasTmux())('asks per session, asks again on a wrong answer, skips on n, stops on q and sends on y', async () => {
    const result = path.join(root, 'review.json');
    const done = path.join(root, 'review.done');
    const envs = Object.entries(env)
      .map(([k, v]) => `${k}='${v}'`)
      .join(' ');
    const command = `env ${envs} ${process.execPath} ${CLI} trajectories contribute --review --bounty bty_1 --url http://127.0.0.1:9/mcp --token t --json > ${result}; echo $? > ${done}`;
    tmux(['new-session', '-d', '-s', 'review', '-x', '200', '-y', '50', command]);
    const pane = () => tmux(['capture-pane', '-p', '-J', '-t', 'review', '-S', '-200']);
    await waitFor(() => pane().includes('Contribute this session?'), 'the first question');
    expect(pane()).toMatch(/Redacted: .*\d/);
    expect(pane()).not.toContain(PLANTED.anthropicKey);
    tmux(['send-keys', '-t', 'review', 'maybe', 'Enter']);
    await waitFor(() => pane().includes('Please answer y, n or q'), 'the question asked again');
    tmux(['send-keys', '-t', 'review', 'n', 'Enter']);
    await waitFor(() => pane().split('Contribute this session?').length === 3, 'the second question');
    tmux(['send-keys', '-t', 'review', 'q', 'Enter']);
    await waitFor(() => existsSync(done) && readFileSync(done, 'utf8').trim() !== '', 'the command to end');
    expect(readFileSync(done, 'utf8').trim()).toBe('0');
    const out = JSON.parse(readFileSync(result, 'utf8'));
    expect(out.items).toHaveLength(1);
    expect(out.items[0]).toMatchObject({ status: 'skipped', contribution_id: null });
    expect([claude.sessionId, codex.sessionId]).toContain(out.items[0].session_id);

    // y sends: to a marketplace that is not there, so the command says where it could not reach.
    // (The first run has ended, and its tmux session with it.)
    writeFileSync(done, '');
    tmux(['new-session', '-d', '-s', 'review', '-x', '200', '-y', '50', command]);
    await waitFor(() => pane().includes('Contribute this session?'), 'the first question again');
    tmux(['send-keys', '-t', 'review', 'y', 'Enter']);
    await waitFor(() => existsSync(done) && readFileSync(done, 'utf8').trim() !== '', 'the command to end after y');
    expect(readFileSync(done, 'utf8').trim()).toBe('1');
    expect(JSON.parse(readFileSync(result, 'utf8')).error).toMatchObject({ code: 'UPSTREAM_UNAVAILABLE', message: expect.stringContaining('http://127.0.0.1:9/mcp') });
  });
});

async function mcpClient(url: string, bearer: string): Promise<Client> {
  const client = new Client({ name: 'trajectories-test', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${bearer}` } } }));
  return client;
}

async function callHttp(client: Client, name: string, args: Record<string, unknown>): Promise<any> {
  const result = await client.callTool({ name, arguments: args });
  if (result.isError) throw new Error(`${name}: ${JSON.stringify(result.structuredContent ?? result.content)}`);
  return result.structuredContent;
}

function hasTmux(): boolean {
  try {
    execFileSync('tmux', ['-V']);
    return true;
  } catch {
    return false;
  }
}
