// Where the sessions are: Claude Code's projects folder (a folder per working directory,
// a file per session, subagent transcripts beside it) and Codex's sessions folder (by
// date) with its archive. Finding them reads names and a few bytes, never whole files.
import { open, readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { TrajectorySource } from '../domain/trajectories/trajectory.js';
import { readClaudeSession, type ClaudeSessionFiles, type ClaudeSubagentFile } from './claude-reader.js';
import { readCodexSession } from './codex-reader.js';
import { obj, str, type SessionRead } from './session-builder.js';

export interface SessionFile {
  source: TrajectorySource;
  sessionId: string;
  path: string;
  modifiedMs: number;
  sizeBytes: number;
  /** Claude Code's subagent transcripts of this session. */
  subagents: ClaudeSubagentFile[];
}

export interface FoundSessions {
  /** Newest first. */
  files: SessionFile[];
  /** What the user should know about what was (not) found. */
  notes: string[];
}

export interface SessionDirs {
  claudeDir: string;
  codexDir: string;
  sources: readonly TrajectorySource[];
}

/** Claude Code's default cleanupPeriodDays. */
export const CLAUDE_RETENTION_DAYS = 30;
const DAY_MS = 86_400_000;
const UUID = /([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\.jsonl$/i;
const AGENT_FILE = /^agent-(.+)\.jsonl$/;

export async function findSessions(dirs: SessionDirs, now = Date.now()): Promise<FoundSessions> {
  const files: SessionFile[] = [];
  const notes: string[] = [];
  if (dirs.sources.includes('claude')) files.push(...(await findClaude(dirs.claudeDir, notes, now)));
  if (dirs.sources.includes('codex')) files.push(...(await findCodex(dirs.codexDir, notes)));
  files.sort((a, b) => b.modifiedMs - a.modifiedMs);
  return { files, notes };
}

export function readSession(f: SessionFile): Promise<SessionRead> {
  return f.source === 'claude' ? readClaudeSession(f satisfies ClaudeSessionFiles) : readCodexSession({ sessionId: f.sessionId, path: f.path });
}

interface Entry {
  dir: string;
  name: string;
  isDir: boolean;
}

/** Entries of a folder, or none (and a note) when it cannot be read. */
async function entries(dir: string, notes: string[]): Promise<Entry[] | null> {
  try {
    return (await readdir(dir, { withFileTypes: true })).map((e) => ({ dir, name: e.name, isDir: e.isDirectory() }));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'ENOENT' && code !== 'ENOTDIR') notes.push(`Could not read ${dir}: ${(error as Error).message}`);
    return null;
  }
}

async function fileInfo(p: string): Promise<{ modifiedMs: number; sizeBytes: number }> {
  try {
    const s = await stat(p);
    return { modifiedMs: s.mtimeMs, sizeBytes: s.size };
  } catch {
    return { modifiedMs: 0, sizeBytes: 0 };
  }
}

async function findClaude(root: string, notes: string[], now: number): Promise<SessionFile[]> {
  const top = await entries(root, notes);
  if (top === null) {
    notes.push(`No Claude Code sessions: ${root} does not exist (Claude Code keeps them in ~/.claude/projects; --claude-dir names another folder).`);
    return [];
  }
  const found: SessionFile[] = [];
  // The projects folder holds a folder per working directory; a project folder itself may be named too.
  const folders = [root, ...top.filter((e) => e.isDir).map((e) => path.join(root, e.name))];
  for (const folder of folders) {
    const list = folder === root ? top : await entries(folder, notes);
    if (!list) continue;
    const flatAgents = list.filter((e) => !e.isDir && AGENT_FILE.test(e.name));
    const agentsBySession =
      flatAgents.length > 0
        ? await flatAgentsBySession(
            folder,
            flatAgents.map((e) => e.name),
          )
        : new Map<string, ClaudeSubagentFile[]>();
    for (const e of list) {
      if (e.isDir || !e.name.endsWith('.jsonl') || AGENT_FILE.test(e.name)) continue;
      const sessionId = e.name.slice(0, -'.jsonl'.length);
      const p = path.join(folder, e.name);
      found.push({
        source: 'claude',
        sessionId,
        path: p,
        ...(await fileInfo(p)),
        subagents: [...(await subagentFiles(path.join(folder, sessionId, 'subagents'))), ...(agentsBySession.get(sessionId) ?? [])],
      });
    }
  }
  if (found.length === 0) notes.push(`No Claude Code sessions in ${root}.`);
  else if (found.every((f) => f.modifiedMs > now - CLAUDE_RETENTION_DAYS * DAY_MS) && (await claudeRetentionDays(root)) <= CLAUDE_RETENTION_DAYS) {
    notes.push(
      `Only Claude Code sessions from the last ${CLAUDE_RETENTION_DAYS} days were found: Claude Code deletes older transcripts (cleanupPeriodDays in ${path.join(path.dirname(root), 'settings.json')}, ${CLAUDE_RETENTION_DAYS} by default). Raise it to keep more.`,
    );
  }
  return found;
}

/** cleanupPeriodDays from Claude Code's settings beside the projects folder, else its default. */
async function claudeRetentionDays(root: string): Promise<number> {
  try {
    const days = obj(JSON.parse(await readFile(path.join(path.dirname(root), 'settings.json'), 'utf8')))?.cleanupPeriodDays;
    return typeof days === 'number' ? days : CLAUDE_RETENTION_DAYS;
  } catch {
    return CLAUDE_RETENTION_DAYS;
  }
}

/** `<session>/subagents/agent-<id>.jsonl`, each linked to its parent call by `agent-<id>.meta.json`. */
async function subagentFiles(dir: string): Promise<ClaudeSubagentFile[]> {
  const list = await entries(dir, []);
  if (!list) return [];
  const subs: ClaudeSubagentFile[] = [];
  for (const e of list) {
    const m = AGENT_FILE.exec(e.name);
    if (e.isDir || !m) continue;
    let toolUseId: string | null = null;
    try {
      toolUseId = str(obj(JSON.parse(await readFile(path.join(dir, `agent-${m[1]}.meta.json`), 'utf8')))?.toolUseId);
    } catch {
      // no meta file: the parent's Task result may still name the agent
    }
    subs.push({ agentId: m[1]!, path: path.join(dir, e.name), toolUseId });
  }
  return subs.sort((a, b) => a.agentId.localeCompare(b.agentId));
}

/** Older versions kept `agent-<id>.jsonl` beside the sessions; their lines name the parent session. */
async function flatAgentsBySession(folder: string, names: string[]): Promise<Map<string, ClaudeSubagentFile[]>> {
  const bySession = new Map<string, ClaudeSubagentFile[]>();
  for (const name of names.sort()) {
    const p = path.join(folder, name);
    const sessionId = await firstSessionId(p);
    if (!sessionId) continue;
    bySession.set(sessionId, [...(bySession.get(sessionId) ?? []), { agentId: AGENT_FILE.exec(name)![1]!, path: p, toolUseId: null }]);
  }
  return bySession;
}

/** The sessionId of the first line that has one, from the file's first 64 KiB. */
async function firstSessionId(p: string): Promise<string | null> {
  let handle;
  try {
    handle = await open(p, 'r');
    const buf = Buffer.alloc(64 * 1024);
    const { bytesRead } = await handle.read(buf, 0, buf.length, 0);
    for (const line of buf.subarray(0, bytesRead).toString('utf8').split('\n')) {
      try {
        const id = str(obj(JSON.parse(line))?.sessionId);
        if (id) return id;
      } catch {
        // a cut-off or malformed line
      }
    }
    return null;
  } catch {
    return null;
  } finally {
    await handle?.close();
  }
}

async function findCodex(root: string, notes: string[]): Promise<SessionFile[]> {
  const byId = new Map<string, SessionFile>();
  const visit = async (dir: string, depth: number): Promise<boolean> => {
    const list = await entries(dir, notes);
    if (!list) return false;
    for (const e of list) {
      const p = path.join(dir, e.name);
      if (e.isDir && depth < 4) await visit(p, depth + 1);
      else if (!e.isDir && e.name.startsWith('rollout-') && e.name.endsWith('.jsonl')) {
        const file: SessionFile = {
          source: 'codex',
          sessionId: UUID.exec(e.name)?.[1]?.toLowerCase() ?? e.name.slice(0, -'.jsonl'.length),
          path: p,
          ...(await fileInfo(p)),
          subagents: [],
        };
        const seen = byId.get(file.sessionId);
        if (!seen || seen.modifiedMs < file.modifiedMs) byId.set(file.sessionId, file);
      }
    }
    return true;
  };
  const exists = await visit(root, 0);
  // archived_sessions/ sits beside sessions/ in CODEX_HOME.
  if (path.basename(root) === 'sessions') await visit(path.join(path.dirname(root), 'archived_sessions'), 3);
  if (!exists) notes.push(`No Codex sessions: ${root} does not exist (Codex keeps them in ~/.codex/sessions; --codex-dir names another folder).`);
  else if (byId.size === 0) notes.push(`No Codex sessions in ${root}.`);
  return [...byId.values()];
}
