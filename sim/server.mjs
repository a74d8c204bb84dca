// The server under test: the real `agent-marketplace serve --http`, spawned on the
// simulation's database, killed with SIGKILL when the schedule says, restarted on the
// same database, file or PostgreSQL URL (with a moved clock after a jump), and driven by one real MCP client per token.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import zlib from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Write-lock holds longer than this (ms) are reported one by one by the server (the bound itself is in invariants.mjs). */
export const LOCK_TRACE_THRESHOLD_MS = 100;

/** A call that got no answer because the server died under it. */
export class ServerGone extends Error {}

export class ServerProcess {
  /** `args` and `env`: what the server runs with besides its database (the wallet and relay on the nwc rail). */
  constructor(dbPath, { args = [], env = {} } = {}) {
    this.dbPath = dbPath;
    this.args = args;
    this.env = env;
    this.child = null;
    this.url = null;
    this.starts = 0;
    /** The write lock's longest hold (ms) over every start, and the holds over the trace's threshold (src/db/connection.ts). */
    this.lock = { maxMs: 0, over: [] };
  }

  async start(clockOffsetMs) {
    // SIM_NODE_FLAGS passes flags to the server's node (e.g. "--cpu-prof --cpu-prof-dir=DIR" to see where its time goes).
    const child = spawn(
      process.execPath,
      [...(process.env.SIM_NODE_FLAGS ? process.env.SIM_NODE_FLAGS.split(' ') : []), CLI, 'serve', '--http', '--port', '0', '--db', this.dbPath, ...this.args],
      {
        env: {
          ...process.env,
          ...this.env,
          MARKETPLACE_CLOCK_OFFSET_MS: String(clockOffsetMs),
          MARKETPLACE_LOG_LEVEL: 'error',
          AGENT_MARKETPLACE_LOCK_TRACE: String(LOCK_TRACE_THRESHOLD_MS),
        },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    this.child = child;
    let stderr = '';
    this.url = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 20_000);
      child.stderr.on('data', (d) => {
        stderr += d;
        const match = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve(match[1]);
        }
      });
      child.on('exit', (code, signal) => {
        clearTimeout(timer);
        reject(new Error(`server exited (${code ?? signal}) before listening:\n${stderr}`));
      });
    });
    this.starts++;
    // Start-up's own writes (migrations, the secrets key) are timed too.
    for (const line of stderr.split('\n')) if (line.startsWith('{"lock_trace"')) this.noteLock(JSON.parse(line));
    // A server that exits on its own (not killed by the schedule) is a failure the simulation reports.
    child.once('exit', (code, signal) => {
      if (this.child === child && !this.stopping) this.died = `exited on its own (${code ?? signal}):\n${this.errors}`;
    });
    // Anything the server says after start-up is an error worth showing with a failure, except its lock-trace lines, collected apart.
    this.errors = '';
    let partial = '';
    child.stderr.on('data', (d) => {
      const lines = (partial + d).split('\n');
      partial = lines.pop();
      for (const line of lines) {
        if (line.startsWith('{"lock_trace"')) this.noteLock(JSON.parse(line));
        else this.errors = (this.errors + line + '\n').slice(-20_000);
      }
    });
    return this.url;
  }

  noteLock(entry) {
    this.lock.maxMs = Math.max(this.lock.maxMs, entry.ms);
    if (entry.ms > LOCK_TRACE_THRESHOLD_MS) this.lock.over.push(entry);
  }

  /** SIGKILL: no shutdown handler runs, whatever was in flight is cut off. */
  async kill(signal = 'SIGKILL') {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) {
      this.child = null;
      return;
    }
    this.stopping = true;
    this.cpuSeconds = (this.cpuSeconds ?? 0) + cpuSecondsOf(child.pid);
    await new Promise((resolve) => {
      child.once('exit', resolve);
      child.kill(signal);
    });
    this.stopping = false;
    this.child = null;
  }
}

/** CPU time a live process has used (Linux /proc; 0 elsewhere). */
function cpuSecondsOf(pid) {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/** One MCP client for one token, over Streamable HTTP. */
export async function connectClient(url, token) {
  const client = new Client({ name: 'marketplace-simulation', version: '1.0.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${token}` } } }));
  return client;
}

/**
 * Calls a tool. Returns { ok, data, code, pending } for any answer the server gave
 * (errors included); throws ServerGone when there was no answer.
 */
export async function callTool(client, name, args) {
  let result;
  try {
    result = await client.callTool({ name, arguments: args });
  } catch (error) {
    if (isConnectionError(error)) throw new ServerGone(`${name}: ${error.message}`);
    throw error;
  }
  const data = result.structuredContent ?? {};
  if (result.isError) return { ok: false, data, code: data.error?.code ?? 'UNKNOWN', pending: false };
  return { ok: true, data, code: null, pending: data.status === 'pending_approval' };
}

export function isConnectionError(error) {
  const text = `${error?.message ?? ''} ${error?.cause?.message ?? ''} ${error?.cause?.code ?? ''}`;
  return /fetch failed|ECONNREFUSED|ECONNRESET|socket hang up|other side closed|terminated|UND_ERR/i.test(text);
}

/**
 * POSTs a JSON-RPC batch to the Streamable HTTP endpoint as a raw request (the SDK client
 * sends one message a request), speaking protocol revision `revision`. Returns the HTTP
 * status and the parsed body; throws ServerGone when there was no answer.
 */
export async function postBatch(url, token, messages, revision) {
  let res;
  try {
    res = await fetch(url, {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', Accept: 'application/json, text/event-stream', 'MCP-Protocol-Version': revision },
      body: JSON.stringify(messages),
    });
  } catch (error) {
    if (isConnectionError(error)) throw new ServerGone(`batch: ${error.message}`);
    throw error;
  }
  let text;
  try {
    text = await res.text();
  } catch (error) {
    if (isConnectionError(error)) throw new ServerGone(`batch: ${error.message}`);
    throw error;
  }
  let body = null;
  try {
    body = JSON.parse(text);
  } catch {
    // An SSE stream: one JSON-RPC message per data line.
    const data = text
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)));
    body = data.length > 0 ? data.flat() : text;
  }
  return { status: res.status, body };
}

/** The headers of a plain tools/call from an MCP client (what the direct path takes), before a hostile call changes them. */
export const PLAIN_CALL_HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream', 'mcp-protocol-version': '2025-06-18' };

/**
 * POSTs `body` (a string, sent byte for byte) to the Streamable HTTP endpoint as a raw
 * request, with exactly `headers` (Host and Origin included: fetch would not let them be
 * set), gzip-compressed when asked (which express, not the direct path, reads). A new
 * connection each time, so none is left over from a server the schedule killed. Returns
 * the status, the headers and the JSON-RPC answer (parsed from JSON or from an SSE
 * stream), or the text when it is neither; throws ServerGone when there was no answer.
 */
export function postRaw(url, body, headers, { gzip = false } = {}) {
  const target = new URL(url);
  const payload = gzip ? zlib.gzipSync(Buffer.from(body)) : Buffer.from(body);
  return new Promise((resolve, reject) => {
    const gone = (error) => reject(isConnectionError(error) ? new ServerGone(`raw POST: ${error.message}`) : error);
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname,
        method: 'POST',
        agent: false,
        headers: { ...(gzip ? { 'content-encoding': 'gzip' } : {}), 'content-length': payload.length, ...headers },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('error', gone);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({ status: res.statusCode, headers: res.headers, message: rpcAnswer(text), text });
        });
      },
    );
    req.on('error', gone);
    req.end(payload);
  });
}

function rpcAnswer(text) {
  try {
    return JSON.parse(text);
  } catch {
    const messages = [...text.matchAll(/^data: (.+)$/gm)].flatMap((m) => {
      try {
        return [JSON.parse(m[1])];
      } catch {
        return [];
      }
    });
    return messages.find((m) => 'result' in m || 'error' in m) ?? null;
  }
}
