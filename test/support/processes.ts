import fs from 'node:fs';
// Running the real `agent-marketplace` command: one-shot admin commands and servers.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';

export const CLI = fileURLToPath(new URL('../../dist/cli.js', import.meta.url));

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { env: { ...process.env, ...env, MARKETPLACE_LOG_LEVEL: 'warn' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** `--json` output parsed; fails loudly if stdout carried anything but one JSON object. */
export async function cliJson(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; json: any; stderr: string }> {
  const r = await runCli([...args, '--json'], env);
  let json: unknown;
  try {
    json = JSON.parse(r.stdout);
  } catch {
    throw new Error(`stdout is not one JSON object:\n${r.stdout}\nstderr:\n${r.stderr}`);
  }
  return { code: r.code, json, stderr: r.stderr };
}

export interface RunningServer {
  url: string;
  origin: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `serve --http` on a free port and waits until it says where it listens. */
export function startHttpServer(args: string[], env: Record<string, string> = {}): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'serve', '--http', '--port', '0', ...args], { env: { ...process.env, ...env } });
    let stderr = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 15_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      if (process.env.SERVER_STDERR_FILE) fs.appendFileSync(process.env.SERVER_STDERR_FILE, d);
      const match = /listening on (http:\/\/\S+\/mcp)/.exec(stderr);
      if (match) {
        clearTimeout(timer);
        const url = match[1]!;
        resolve({
          url,
          origin: new URL(url).origin,
          process: child,
          stop: () =>
            new Promise((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.on('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${stderr}`));
    });
  });
}

/**
 * A `serve` process of its own on the database file, as the caller holding `token`, with
 * a real MCP client over stdio: what a second server sharing one database looks like.
 * `serveArgs` are further flags for `serve` (--install-dir DIR). Close it with `client.close()`.
 */
export async function stdioServerProcess(db: string, token: string, serveArgs: string[] = []): Promise<Client> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [CLI, 'serve', '--db', db, ...serveArgs],
    env: { ...process.env, MARKETPLACE_TOKEN: token },
    stderr: 'pipe',
  });
  const client = new Client({ name: 'agent-marketplace-test', version: '1.0.0' });
  await client.connect(transport);
  return client;
}

const openProcesses: Client[] = [];

/** stdioServerProcess, closed by closeServerProcesses (call it in afterEach). */
export async function serverProcess(db: string, token: string): Promise<Client> {
  const client = await stdioServerProcess(db, token);
  openProcesses.push(client);
  return client;
}

export async function closeServerProcesses(): Promise<void> {
  await Promise.all(openProcesses.splice(0).map((c) => c.close()));
}

/** A tool call on such a client, waiting up to two minutes; its structured result. */
export async function callOnProcess(client: Client, name: string, args: Record<string, unknown>): Promise<{ isError: boolean; data: any }> {
  const result = (await client.callTool({ name, arguments: args }, undefined, { timeout: 120_000 })) as CallToolResult;
  return { isError: result.isError === true, data: result.structuredContent as any };
}
