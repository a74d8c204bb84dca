// `agent-marketplace trajectories …`: the contributor's side of trajectory contributions
// (shared/TOOLS.md, "Trajectory contributions"). Everything but `contribute` and a
// refreshing `status` works offline on this machine's own session files; nothing is
// sent without the user's say: per session with --review or by naming it, or with
// --batch only once `config --auto true` opted in.
import os from 'node:os';
import { createInterface } from 'node:readline/promises';
import { MarketError } from '../core/errors.js';
import { scoreTrajectory, type TrajectoryScore } from '../domain/trajectories/quality.js';
import type { RedactionCount } from '../domain/trajectories/redact.js';
import { ContributionStore, type ContributionRecord } from '../trajectories/contribution-store.js';
import { CONTRIBUTE_TOOL, contributionRequest, isPaidStatus, isRefusedStatus, rejectionReason, type ContributionAnswer } from '../trajectories/contribution-request.js';
import { loadSession, prepareContribution, type LocalSession, type PreparedContribution } from '../trajectories/local-session.js';
import { MarketplaceConnection, READ_BACK_TOOL } from '../trajectories/marketplace-client.js';
import { findSessions, type SessionFile } from '../trajectories/session-files.js';
import { applySettingChanges, contributionsDbFile, defaultSettingsFile, readSettings, writeSettings, type Settings } from '../trajectories/settings.js';
import { defineLocalCommand } from './command-spec.js';
import { out } from './output.js';
import { UsageError } from './usage-error.js';

/** Every flag a trajectories command may have been given; each command declares its own below. */
interface Flags {
  json?: boolean;
  'claude-dir'?: string;
  'codex-dir'?: string;
  config?: string;
  url?: string;
  token?: string;
  bounty?: string;
  review?: boolean;
  batch?: boolean;
  auto?: string;
  'min-quality'?: string;
  sources?: string;
  'lightning-address'?: string;
}

interface Env {
  flags: Flags;
  settingsFile: string;
  settings: Settings;
}

/** `~` in a folder typed or defaulted, so the defaults name the user's own home. */
function folder(value: string | undefined, fallback: string): string {
  const dir = value ?? fallback;
  return dir === '~' || dir.startsWith('~/') ? os.homedir() + dir.slice(1) : dir;
}

function sessionDirs(env: Env) {
  return { claudeDir: folder(env.flags['claude-dir'], '~/.claude/projects'), codexDir: folder(env.flags['codex-dir'], '~/.codex/sessions'), sources: env.settings.sources };
}

function environment(flags: Flags): Env {
  const settingsFile = flags.config ?? defaultSettingsFile();
  return { flags, settingsFile, settings: readSettings(settingsFile) };
}

const sessionId = { name: 'SESSION_ID', summary: 'a session id (`trajectories scan` lists them), or its first 6 or more characters' } as const;
const marketplace = {
  url: { type: 'string', value: 'URL', summary: "the marketplace's MCP endpoint", env: 'MARKETPLACE_URL' },
  token: { type: 'string', value: 'T', summary: 'your agent token', env: 'MARKETPLACE_TOKEN' },
} as const;

export const trajectoryCommands = [
  defineLocalCommand({
    name: 'trajectories scan',
    section: 'Trajectories',
    summary: 'the sessions found: counts, quality, estimated reward, status',
    shared: ['sessions'],
    run: ({ flags }) => scan(environment(flags)),
  }),
  defineLocalCommand({
    name: 'trajectories preview',
    section: 'Trajectories',
    summary: 'exactly what would be sent (redacted), with a count per rule',
    args: [sessionId],
    shared: ['sessions'],
    run: ({ flags, args }) => preview(environment(flags), args[0]!),
  }),
  defineLocalCommand({
    name: 'trajectories contribute',
    section: 'Trajectories',
    summary:
      'send sessions to a trajectory bounty: those named; or --review asks per\n' + 'session; or --batch sends all above the threshold once `config --auto true`\n' + 'allows it',
    args: [{ ...sessionId, variadic: true, optional: true }],
    flags: {
      bounty: { type: 'string', value: 'ID', summary: 'the trajectory bounty to contribute to', required: true },
      ...marketplace,
      review: { type: 'boolean', summary: 'ask before each session (in a terminal)' },
      batch: { type: 'boolean', summary: 'send every session above the threshold not sent before, without asking' },
    },
    shared: ['sessions'],
    run: ({ flags, args }) => contribute(environment(flags), args),
  }),
  defineLocalCommand({
    name: 'trajectories status',
    section: 'Trajectories',
    summary: 'your contributions (refreshed from the marketplace when given)',
    flags: marketplace,
    shared: ['sessions'],
    run: ({ flags }) => status(environment(flags)),
  }),
  defineLocalCommand({
    name: 'trajectories earnings',
    section: 'Trajectories',
    summary: 'paid and pending sats',
    shared: ['sessions'],
    run: ({ flags }) => earnings(environment(flags)),
  }),
  defineLocalCommand({
    name: 'trajectories config',
    section: 'Trajectories',
    summary: 'your settings; the flags given change them',
    flags: {
      auto: { type: 'string', value: 'true|false', summary: 'whether contribute --batch may send without asking', defaultText: 'false' },
      'min-quality': { type: 'string', value: 'Q', summary: 'the quality (0 to 1) a session needs to be offered', defaultText: '0.5' },
      sources: { type: 'string', value: 'claude,codex', summary: 'whose sessions to read', defaultText: 'claude,codex' },
      'lightning-address': { type: 'string', value: 'A|none', summary: 'where your rewards are paid' },
    },
    shared: ['sessions'],
    run: ({ flags }) => config(environment(flags)),
  }),
];

function withStore<T>(env: Env, f: (store: ContributionStore) => T): T {
  const store = ContributionStore.open(contributionsDbFile(env.settingsFile));
  try {
    return f(store);
  } finally {
    store.close();
  }
}

async function withStoreAsync<T>(env: Env, f: (store: ContributionStore) => Promise<T>): Promise<T> {
  const store = ContributionStore.open(contributionsDbFile(env.settingsFile));
  try {
    return await f(store);
  } finally {
    store.close();
  }
}

/** A progress bar on stderr while a long scan runs in a terminal; nothing when output is piped. */
class Progress {
  private readonly on = process.stdout.isTTY === true && process.stderr.isTTY === true;
  private readonly started = Date.now();
  private last = 0;
  private shown = false;

  tick(done: number, total: number, what: string): void {
    const now = Date.now();
    if (!this.on || now - this.started < 300 || now - this.last < 100) return;
    this.last = now;
    this.shown = true;
    const filled = Math.round((20 * done) / Math.max(1, total));
    process.stderr.write(`\r\x1b[2K[${'#'.repeat(filled)}${'.'.repeat(20 - filled)}] ${done}/${total} ${what}`);
  }

  done(): void {
    if (this.shown) process.stderr.write('\r\x1b[2K');
  }
}

interface Scanned {
  session: LocalSession;
  score: TrajectoryScore;
}

/** Every session found, read and scored (unredacted: redaction changes nothing the score reads but text length), with what to tell the user. */
async function scanAll(env: Env): Promise<{ scanned: Scanned[]; notes: string[] }> {
  const found = await findSessions(sessionDirs(env));
  const notes = [...found.notes];
  const scanned: Scanned[] = [];
  const progress = new Progress();
  for (const [i, file] of found.files.entries()) {
    progress.tick(i, found.files.length, `${file.source} ${file.sessionId.slice(0, 12)} (${Math.round(file.sizeBytes / 1024).toLocaleString('en-US')} KiB)`);
    try {
      const session = await loadSession(file);
      scanned.push({ session, score: scoreTrajectory(session.trajectory, env.settings.min_quality) });
      notes.push(...sessionNotes(session));
    } catch (error) {
      notes.push(`Could not read ${file.path}: ${(error as Error).message}`);
    }
  }
  progress.done();
  return { scanned, notes };
}

function sessionNotes(s: LocalSession): string[] {
  const notes: string[] = [];
  const id = s.file.sessionId;
  if (s.read.skipped_lines > 0) notes.push(`${id}: ${s.read.skipped_lines} line(s) skipped in ${s.file.path} (malformed, cut off, or longer than a line may be).`);
  if (s.read.truncated)
    notes.push(`${id}: longer than a contribution may be; only its start is kept (about ${Math.round(s.read.trajectory.steps.length).toLocaleString('en-US')} steps).`);
  if (s.trajectory.steps.length === 0 && Object.keys(s.trajectory.subagents).length === 0) notes.push(`${id}: ${s.file.path} holds no record a trajectory can use.`);
  return notes;
}

function sessionStatus(record: ContributionRecord | undefined, qualityScore: number, minQuality: number): string {
  if (record) return record.status;
  return qualityScore >= minQuality ? 'eligible' : 'below_threshold';
}

function noSessionsText(notes: string[]): string {
  return ['No sessions found.', ...notes.map((n) => `- ${n}`)].join('\n');
}

async function scan(env: Env): Promise<number> {
  const { scanned, notes } = await scanAll(env);
  const latest = withStore(env, (store) => store.latestBySession());
  const items = scanned.map(({ session: s, score }) => {
    return {
      session_id: s.trajectory.session_id,
      source: s.trajectory.source,
      cwd: s.trajectory.cwd,
      started_at: s.trajectory.started_at,
      ended_at: s.trajectory.ended_at,
      messages: score.messages,
      tool_calls: score.tool_calls,
      tokens: s.trajectory.tokens.input + s.trajectory.tokens.output,
      quality_score: score.quality_score,
      estimated_reward_sats: score.estimated_reward_sats,
      status: sessionStatus(latest.get(s.trajectory.session_id), score.quality_score, env.settings.min_quality),
      skipped_lines: s.read.skipped_lines,
      truncated: s.read.truncated,
    };
  });
  const table = [
    `${'SESSION'.padEnd(38)} ${'SOURCE'.padEnd(6)} QUALITY  SATS  MSGS  TOOLS  TOKENS     STATUS           CWD`,
    ...items.map((i) =>
      [
        i.session_id.slice(0, 38).padEnd(38),
        i.source.padEnd(6),
        i.quality_score.toFixed(3).padStart(7),
        String(i.estimated_reward_sats).padStart(5),
        String(i.messages).padStart(5),
        String(i.tool_calls).padStart(6),
        i.tokens.toLocaleString('en-US').padStart(10),
        i.status.padEnd(16),
        i.cwd ?? '-',
      ].join(' '),
    ),
  ];
  out(
    env.flags,
    { items, notes },
    items.length === 0
      ? noSessionsText(notes)
      : [
          ...table,
          '',
          `${items.filter((i) => i.status === 'eligible').length} of ${items.length} session(s) at or above the threshold ${env.settings.min_quality}. Estimates before redaction; \`trajectories preview SESSION_ID\` shows what would be sent.`,
          ...notes.map((n) => `- ${n}`),
        ].join('\n'),
  );
  return 0;
}

/** The session of that id (or the one id it begins), else NOT_FOUND saying where it looked. */
async function findOne(env: Env, id: string): Promise<SessionFile> {
  const dirs = sessionDirs(env);
  const found = await findSessions(dirs);
  const exact = found.files.filter((f) => f.sessionId === id);
  const matches = exact.length > 0 ? exact : id.length >= 6 ? found.files.filter((f) => f.sessionId.startsWith(id)) : [];
  if (matches.length === 1) return matches[0]!;
  if (matches.length > 1)
    throw new MarketError(
      'INVALID_INPUT',
      `"${id}" begins ${matches.length} sessions (${matches
        .slice(0, 5)
        .map((f) => f.sessionId)
        .join(', ')}): give more of the id.`,
    );
  throw new MarketError(
    'NOT_FOUND',
    `No session ${id} in ${dirs.sources.map((s) => (s === 'claude' ? dirs.claudeDir : dirs.codexDir)).join(' or ')}. \`agent-marketplace trajectories scan\` lists the sessions found.`,
    {
      notes: found.notes,
    },
  );
}

function redactionText(r: RedactionCount[]): string {
  return r.length === 0 ? 'nothing' : r.map((x) => `${x.rule} ${x.count}`).join(', ');
}

async function preview(env: Env, id: string): Promise<number> {
  const session = await loadSession(await findOne(env, id));
  const p = prepareContribution(session, env.settings.min_quality);
  const notes = sessionNotes(session);
  out(
    env.flags,
    { session_id: p.trajectory.session_id, redactions: p.redactions, trajectory: p.trajectory, notes },
    [summary(p), ...notes.map((n) => `- ${n}`), '', 'This is exactly what would be sent:', JSON.stringify(p.trajectory, null, 2)].join('\n'),
  );
  return 0;
}

/** A few lines about a prepared session: what it is, what it scores, what was redacted. */
function summary(p: PreparedContribution): string {
  const t = p.trajectory;
  const task = (t.task ?? '(no task)').replace(/\s+/g, ' ').slice(0, 160);
  const commits = t.initial_commit ? `commits ${t.initial_commit.slice(0, 10)} → ${t.final_commit?.slice(0, 10) ?? '(none made)'}` : 'no commit known';
  const tests = p.score.tests_passed === null ? 'no test run found' : p.score.tests_passed ? 'tests passed' : 'tests failed';
  return [
    `Session ${t.session_id} (${t.source}), ${t.started_at ?? '?'} → ${t.ended_at ?? '?'}`,
    `Task: ${task}`,
    `${p.score.messages} messages, ${p.score.tool_calls} tool calls, ${(t.tokens.input + t.tokens.output).toLocaleString('en-US')} tokens; ${tests}; ${commits}`,
    `Quality ${p.score.quality_score}, estimated reward ${p.score.estimated_reward_sats} sats`,
    `Redacted: ${redactionText(p.redactions)}`,
  ].join('\n');
}

interface ContributeItem {
  session_id: string;
  contribution_id: string | null;
  status: string;
  quality_score: number;
  reward_sats: number;
  error?: { code: string; message: string };
}

function connectionFlags(flags: Flags): { url: string | undefined; token: string | undefined } {
  return { url: flags.url ?? (process.env.MARKETPLACE_URL || undefined), token: flags.token ?? (process.env.MARKETPLACE_TOKEN || undefined) };
}

async function contribute(env: Env, ids: string[]): Promise<number> {
  const { flags, settings } = env;
  if (flags.batch && flags.review) throw new UsageError('--batch sends without asking and --review asks for each session: choose one');
  if (flags.batch && ids.length > 0) throw new UsageError('--batch sends every session above the threshold: name no sessions with it (or drop --batch)');
  if (!flags.batch && !flags.review && ids.length === 0)
    throw new UsageError('name the sessions to contribute (`trajectories scan` lists them), or use --review to choose one by one');
  // Checked before anything is read or sent: --batch is the one way to send without asking, and it is opt-in.
  if (flags.batch && !settings.auto) {
    throw new UsageError('--batch sends without asking, and that is off: opt in with `agent-marketplace trajectories config --auto true`, or use --review to choose per session');
  }
  if (flags.review && !(process.stdin.isTTY && process.stderr.isTTY)) {
    throw new UsageError(
      '--review asks about each session in a terminal, and this is not one: run it in a terminal, or name the sessions to send after reading `trajectories preview SESSION_ID`',
    );
  }
  // Required in the table: the parser refused the line without it.
  const bounty = flags.bounty!;
  const { url, token } = connectionFlags(flags);
  if (!url || !token) throw new UsageError('--url and --token (or MARKETPLACE_URL and MARKETPLACE_TOKEN) name the marketplace and your agent token');

  return withStoreAsync(env, async (store) => {
    const latest = store.latestBySession();
    // Named sessions are sent as named; otherwise those above the threshold not sent before.
    const files = ids.length > 0 ? await Promise.all(ids.map((id) => findOne(env, id))) : (await findSessions(sessionDirs(env))).files;
    const items: ContributeItem[] = [];
    const notes: string[] = [];
    const ask = flags.review ? asker() : null;
    let connection: MarketplaceConnection | null = null;
    try {
      for (const file of files) {
        const previous = latest.get(file.sessionId);
        if (ids.length === 0 && previous && !isRefusedStatus(previous.status)) continue;
        let p: PreparedContribution;
        try {
          p = prepareContribution(await loadSession(file), settings.min_quality);
        } catch (error) {
          const e = error instanceof MarketError ? error : new MarketError('INTERNAL', (error as Error).message);
          items.push({ session_id: file.sessionId, contribution_id: null, status: 'failed', quality_score: 0, reward_sats: 0, error: { code: e.code, message: e.message } });
          continue;
        }
        const below = p.score.quality_score < settings.min_quality;
        if (below && ids.length === 0) continue;
        if (below) {
          items.push({ session_id: file.sessionId, contribution_id: null, status: 'below_threshold', quality_score: p.score.quality_score, reward_sats: 0 });
          notes.push(`${file.sessionId}: quality ${p.score.quality_score} is below your threshold ${settings.min_quality}; not sent (lower it with \`config --min-quality\`).`);
          continue;
        }
        if (ask) {
          const answer = await ask(`\n${summary(p)}\nFull text: agent-marketplace trajectories preview ${file.sessionId}\nContribute this session? [y]es / [n]o / [q]uit: `);
          if (answer === 'quit') break;
          if (answer === 'no') {
            items.push({ session_id: file.sessionId, contribution_id: null, status: 'skipped', quality_score: p.score.quality_score, reward_sats: 0 });
            continue;
          }
        }
        connection ??= await MarketplaceConnection.open(url, token);
        items.push(await send(store, connection, p, bounty, settings));
      }
    } finally {
      ask?.close();
      await connection?.close();
    }
    const failed = items.filter((i) => i.error).length;
    out(
      flags,
      { items, notes },
      items.length === 0
        ? 'Nothing to contribute: no session above the threshold that was not contributed already (`trajectories scan` shows them).'
        : [
            ...items.map(
              (i) =>
                `${i.session_id}  ${i.status}${i.contribution_id ? `  ${i.contribution_id}` : ''}  quality ${i.quality_score}  ${i.reward_sats} sats${i.error ? `  ${i.error.code}: ${i.error.message}` : ''}`,
            ),
            ...notes.map((n) => `- ${n}`),
          ].join('\n'),
    );
    return failed > 0 ? 1 : 0;
  });
}

/** Asks in the terminal until the answer is yes, no or quit; the end of input is quit. */
function asker(): ((question: string) => Promise<'yes' | 'no' | 'quit'>) & { close(): void } {
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  let closed = false;
  rl.on('close', () => (closed = true));
  const ask = async (question: string): Promise<'yes' | 'no' | 'quit'> => {
    for (;;) {
      if (closed) return 'quit';
      let answer: string;
      try {
        answer = (await rl.question(question)).trim().toLowerCase();
      } catch {
        return 'quit';
      }
      if (answer === 'y' || answer === 'yes') return 'yes';
      if (answer === 'n' || answer === 'no') return 'no';
      if (answer === 'q' || answer === 'quit') return 'quit';
      question = 'Please answer y, n or q: ';
    }
  };
  return Object.assign(ask, { close: () => rl.close() });
}

async function send(store: ContributionStore, connection: MarketplaceConnection, p: PreparedContribution, bountyId: string, settings: Settings): Promise<ContributeItem> {
  const sessionId = p.trajectory.session_id;
  let answer: ContributionAnswer;
  try {
    answer = await connection.contribute(contributionRequest(p, bountyId));
  } catch (error) {
    if (!(error instanceof MarketError)) throw error;
    // The marketplace could not be reached or answered wrongly: stop rather than fail every session the same way.
    if (error.code === 'UPSTREAM_UNAVAILABLE' || error.code === 'UNAUTHORIZED' || error.details?.tool === CONTRIBUTE_TOOL) throw error;
    return {
      session_id: sessionId,
      contribution_id: null,
      status: 'refused',
      quality_score: p.score.quality_score,
      reward_sats: 0,
      error: { code: error.code, message: error.message },
    };
  }
  // The same content again carries the same idempotency key, so the marketplace answers with
  // the first result: say it was contributed already rather than report a second payment.
  const earlier = store.list().find((r) => r.contribution_id === answer.contribution_id);
  if (earlier) {
    return {
      session_id: sessionId,
      contribution_id: answer.contribution_id,
      status: 'duplicate',
      quality_score: answer.quality_score,
      reward_sats: 0,
      error: { code: 'CONFLICT', message: `This session was contributed already (${answer.contribution_id}, ${earlier.status}); it is not paid again.` },
    };
  }
  const now = new Date().toISOString();
  store.save({
    ...recordFields(answer, now),
    session_id: sessionId,
    source: p.trajectory.source,
    trajectory_hash: p.hash,
    estimated_reward_sats: p.score.estimated_reward_sats,
    lightning_address: settings.lightning_address,
    payment_preimage: null,
    submitted_at: now,
  });
  return { session_id: sessionId, contribution_id: answer.contribution_id, status: answer.status, quality_score: answer.quality_score, reward_sats: answer.reward_sats };
}

/** What an answer (to a contribution, or a read-back) says about the record. */
function recordFields(a: ContributionAnswer, now: string) {
  const paid = isPaidStatus(a.status) && a.reward_sats > 0;
  return {
    contribution_id: a.contribution_id,
    status: a.status,
    quality_score: a.quality_score,
    // What the wallet received, net of the platform fee, where the marketplace says.
    actual_reward_sats: isPaidStatus(a.status) ? (a.received_sats ?? a.reward_sats) : isRefusedStatus(a.status) ? 0 : null,
    nostr_event_id: a.nostr_event_id ?? a.receipt?.id ?? null,
    paid_at: paid ? (a.paid_at ?? now) : null,
    rejection_reason: rejectionReason(a),
    updated_at: now,
  };
}

function statusItem(r: ContributionRecord) {
  return {
    contribution_id: r.contribution_id,
    session_id: r.session_id,
    status: r.status,
    quality_score: r.quality_score,
    estimated_reward_sats: r.estimated_reward_sats,
    actual_reward_sats: r.actual_reward_sats,
    submitted_at: r.submitted_at,
    paid_at: r.paid_at,
    rejection_reason: r.rejection_reason,
  };
}

async function status(env: Env): Promise<number> {
  const { url, token } = connectionFlags(env.flags);
  const notes: string[] = [];
  const items = await withStoreAsync(env, async (store) => {
    if (url && token && store.list().length > 0) notes.push(...(await refresh(store, url, token)));
    return store.list().map(statusItem);
  });
  out(
    env.flags,
    { items, notes },
    items.length === 0
      ? 'No contributions yet. `trajectories scan` lists your sessions; `trajectories contribute --review` sends the ones you choose.'
      : [
          ...items.map(
            (i) =>
              `${i.contribution_id}  ${i.session_id}  ${i.status.padEnd(9)}  quality ${i.quality_score}  ${i.actual_reward_sats ?? `~${i.estimated_reward_sats}`} sats  ${i.submitted_at}${i.rejection_reason ? `\n    ${i.rejection_reason}` : ''}`,
          ),
          ...notes.map((n) => `- ${n}`),
        ].join('\n'),
  );
  return 0;
}

/** Brings the local record up to date from the marketplace; a marketplace out of reach leaves it as it was, and says so. */
async function refresh(store: ContributionStore, url: string, token: string): Promise<string[]> {
  let connection: MarketplaceConnection;
  try {
    connection = await MarketplaceConnection.open(url, token);
  } catch (error) {
    return [`Could not refresh from ${url} (${(error as Error).message}); showing the local record.`];
  }
  try {
    for (const r of store.list()) {
      const answer = await connection.readBack(r.contribution_id);
      if (answer === null) return [`The marketplace at ${url} offers no read-back of contributions yet (${READ_BACK_TOOL}); showing the local record.`];
      const fields = recordFields(answer, new Date().toISOString());
      // The first time it was seen paid stays the time it was paid.
      store.save({ ...r, ...fields, paid_at: r.paid_at ?? fields.paid_at });
    }
    return [];
  } catch (error) {
    return [`Could not refresh from ${url} (${(error as Error).message}); showing the local record.`];
  } finally {
    await connection.close();
  }
}

function earnings(env: Env): number {
  const records = withStore(env, (store) => store.list());
  const items = records.map((r) => ({
    contribution_id: r.contribution_id,
    session_id: r.session_id,
    status: r.status,
    reward_sats: r.actual_reward_sats ?? (isRefusedStatus(r.status) ? 0 : r.estimated_reward_sats),
    paid_at: r.paid_at,
  }));
  const paid = records.filter((r) => r.paid_at !== null).reduce((n, r) => n + (r.actual_reward_sats ?? 0), 0);
  const pending = records.filter((r) => r.paid_at === null && !isRefusedStatus(r.status) && !isPaidStatus(r.status)).reduce((n, r) => n + r.estimated_reward_sats, 0);
  out(
    env.flags,
    { total_sats: paid + pending, paid_sats: paid, pending_sats: pending, items },
    [
      `Earned ${paid.toLocaleString('en-US')} sats paid, ${pending.toLocaleString('en-US')} pending (estimated), over ${records.length} contribution(s).`,
      ...items.map((i) => `  ${i.contribution_id}  ${i.status.padEnd(9)}  ${i.reward_sats} sats${i.paid_at ? `  paid ${i.paid_at}` : ''}`),
    ].join('\n'),
  );
  return 0;
}

function config(env: Env): number {
  const { flags } = env;
  const changes = { auto: flags.auto, minQuality: flags['min-quality'], sources: flags.sources, lightningAddress: flags['lightning-address'] };
  let settings = env.settings;
  if (Object.values(changes).some((v) => v !== undefined)) {
    try {
      settings = applySettingChanges(env.settings, changes);
    } catch (error) {
      if (error instanceof MarketError && error.code === 'INVALID_INPUT') throw new UsageError(error.message);
      throw error;
    }
    writeSettings(env.settingsFile, settings);
  }
  out(
    flags,
    { ...settings },
    [
      `Settings (${env.settingsFile}):`,
      `  auto: ${settings.auto}${settings.auto ? ' (contribute --batch sends without asking)' : ' (nothing is sent without asking)'}`,
      `  min_quality: ${settings.min_quality}`,
      `  sources: ${settings.sources.join(',')}`,
      `  lightning_address: ${settings.lightning_address ?? '(none)'}`,
    ].join('\n'),
  );
  return 0;
}
