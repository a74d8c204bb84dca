// `npm run conformance`: runs the MCP conformance suite's generic server scenarios
// against `serve --http`. Not part of `npm test`: it downloads the suite (and Node 22,
// which the suite needs) from npm.
//
// The suite's client cannot send an Authorization header, so a small proxy on loopback
// adds the agent's bearer token and passes every other header (Host, Origin) through
// unchanged, which keeps the DNS-rebinding scenario meaningful.
import { execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { node22Dir } from './node22.mjs';

const SUITE = '@modelcontextprotocol/conformance@0.1.16';
const SCENARIOS = ['server-initialize', 'ping', 'tools-list', 'logging-set-level', 'dns-rebinding-protection'];
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist', 'cli.js');

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-marketplace-conformance-'));
const db = path.join(dir, 'marketplace.db');
const { agent } = JSON.parse(execFileSync(process.execPath, [cli, 'init', '--db', db, '--json'], { encoding: 'utf8' }));

// The proxy listens first: the server must know the origin browsers (and the suite) see,
// its --public-url, since an Origin is compared with its port.
let target;
const proxy = http.createServer((req, res) => {
  const upstream = http.request(
    { host: target.hostname, port: target.port, path: req.url, method: req.method, headers: { ...req.headers, authorization: `Bearer ${agent.token}` } },
    (up) => {
      res.writeHead(up.statusCode ?? 502, up.headers);
      up.pipe(res);
    },
  );
  upstream.on('error', () => res.writeHead(502).end());
  req.pipe(upstream);
});
await new Promise((resolve) => proxy.listen(0, '127.0.0.1', resolve));
const publicUrl = `http://127.0.0.1:${proxy.address().port}`;
const url = `${publicUrl}/mcp`;

const server = spawn(process.execPath, [cli, 'serve', '--http', '--port', '0', '--db', db, '--public-url', publicUrl], { stdio: ['ignore', 'inherit', 'pipe'] });
target = await new Promise((resolve, reject) => {
  let stderr = '';
  server.stderr.on('data', (d) => {
    stderr += d;
    const match = /listening on (http:\/\/\S+)\/mcp/.exec(stderr);
    if (match) resolve(new URL(match[1]));
  });
  server.on('exit', (code) => reject(new Error(`server exited with ${code}\n${stderr}`)));
});

const bin = node22Dir('the conformance suite');
const results = [];
for (const scenario of SCENARIOS) {
  let status = 'pass';
  try {
    // Asynchronously: the proxy in this process must keep serving while the suite runs.
    await promisify(execFile)('npx', ['-y', SUITE, 'server', '--url', url, '--scenario', scenario], {
      env: { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` },
      maxBuffer: 16 << 20,
    });
  } catch (error) {
    status = 'FAIL';
    process.stderr.write(`${scenario}:\n${error.stdout ?? ''}${error.stderr ?? ''}\n`);
  }
  results.push({ scenario, status });
}
console.table(results);
proxy.close();
server.kill('SIGTERM');
fs.rmSync(dir, { recursive: true, force: true });
process.exitCode = results.every((r) => r.status === 'pass') ? 0 : 1;
