// `npm run inspect:schemas`: the MCP Inspector's own schema-portability check (its CLI's
// tools/list lint) against `serve` over stdio, for each role's default tools and for
// --toolsets all. Any finding, error or warning, fails: a schema one client reads
// differently from another is a tool some agent cannot call. Not part of `npm test`: it
// downloads the Inspector (and Node 22, which it needs) from npm.
import { execFile, execFileSync } from 'node:child_process';
import { promisify } from 'node:util';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { node22Dir } from './node22.mjs';

const INSPECTOR = '@modelcontextprotocol/inspector@2.12.0';
const root = fileURLToPath(new URL('..', import.meta.url));
const cli = path.join(root, 'dist', 'cli.js');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-marketplace-inspect-'));
const db = path.join(dir, 'marketplace.db');
const made = JSON.parse(execFileSync(process.execPath, [cli, 'init', '--db', db, '--json'], { encoding: 'utf8' }));
const operator = JSON.parse(execFileSync(process.execPath, [cli, 'operator', 'token', '--db', db, '--json'], { encoding: 'utf8' }));
const tokens = { agent: made.agent.token, sponsor: made.sponsor.token, operator: operator.token };

const bin = node22Dir('the MCP Inspector');
const env = { ...process.env, PATH: `${bin}${path.delimiter}${process.env.PATH}` };
const results = [];
for (const [role, token] of Object.entries(tokens)) {
  for (const toolsets of ['', 'all']) {
    const args = ['-y', INSPECTOR, '--cli', '-e', `MARKETPLACE_TOKEN=${token}`, '-e', `MARKETPLACE_DB=${db}`, '-e', 'MARKETPLACE_LOG_LEVEL=warn'];
    if (toolsets) args.push('-e', `MARKETPLACE_TOOLSETS=${toolsets}`);
    args.push('--method', 'tools/list', '--strict', '--format', 'json', process.execPath, cli, 'serve');
    let out;
    try {
      out = (await promisify(execFile)('npx', args, { env, maxBuffer: 64 << 20 })).stdout;
    } catch (error) {
      out = error.stdout ?? '';
      if (!out) process.stderr.write(`${error.stderr ?? error}\n`);
    }
    let parsed = {};
    try {
      parsed = JSON.parse(out);
    } catch {
      parsed = { unreadable: out.slice(0, 500) };
    }
    const findings = (parsed.schemaFindings ?? []).flatMap((t) => t.findings.map((f) => `${t.toolName} ${f.schema}.${f.path}: ${f.rule}`));
    const tools = (parsed.result?.tools ?? parsed.tools ?? []).length;
    for (const f of findings) process.stderr.write(`${role}${toolsets ? ' (all)' : ''}: ${f}\n`);
    results.push({ role, toolsets: toolsets || 'default', tools, findings: findings.length, status: tools > 0 && findings.length === 0 ? 'pass' : 'FAIL' });
  }
}
console.table(results);
fs.rmSync(dir, { recursive: true, force: true });
process.exitCode = results.every((r) => r.status === 'pass') ? 0 : 1;
