// The server under test: the real `agent-marketplace serve --http`, spawned on the
// simulation's database, killed with SIGKILL when the schedule says, restarted on the
// same file (with a moved clock after a jump), and driven by one real MCP client per token.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

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
  }

  async start(clockOffsetMs) {
    // SIM_NODE_FLAGS passes flags to the server's node (e.g. "--cpu-prof --cpu-prof-dir=DIR" to see where its time goes).
    const child = spawn(process.execPath, [...(process.env.SIM_NODE_FLAGS ? process.env.SIM_NODE_FLAGS.split(' ') : []), CLI, 'serve', '--http', '--port', '0', '--db', this.dbPath, ...this.args], {
      env: { ...process.env, ...this.env, MARKETPLACE_CLOCK_OFFSET_MS: String(clockOffsetMs), MARKETPLACE_LOG_LEVEL: 'error' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child = child;
    this.url = await new Promise((resolve, reject) => {
      let stderr = '';
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
    // A server that exits on its own (not killed by the schedule) is a failure the simulation reports.
    child.once('exit', (code, signal) => {
      if (this.child === child && !this.stopping) this.died = `exited on its own (${code ?? signal}):\n${this.errors}`;
    });
    // Anything the server says after start-up is an error worth showing with a failure.
    this.errors = '';
    child.stderr.on('data', (d) => {
      this.errors = (this.errors + d).slice(-20_000);
    });
    return this.url;
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
