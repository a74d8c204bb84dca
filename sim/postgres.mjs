// The simulation on PostgreSQL: a throwaway cluster for `--postgres` (the way
// test/support/postgres.ts starts one for the tests: Debian's postgresql package, a fresh
// data folder, a free loopback port, fsync on, as the postgres user when run as root), and
// a fresh database on a cluster for each seed.
import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';

function pgBinDir() {
  if (process.env.PG_BIN) return process.env.PG_BIN;
  const root = '/usr/lib/postgresql';
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => fs.existsSync(path.join(root, v, 'bin', 'initdb'))) : [];
  if (versions.length === 0)
    throw new Error("No PostgreSQL here: install Debian's postgresql package (apt-get install postgresql) or set PG_BIN to the folder holding initdb and pg_ctl.");
  return path.join(root, versions.sort((a, b) => Number(b) - Number(a))[0], 'bin');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts a cluster; `stop({ keep })` stops it and removes its folder unless `keep` (a
 * failed seed's database stays there to be looked at: `again` is the command that starts
 * the cluster once more on the same port).
 */
export async function startPostgres() {
  const bin = pgBinDir();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'marketplace-sim-pg-'));
  const data = path.join(root, 'data');
  // initdb refuses to run as root.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = (flag) => Number(execFileSync('id', [flag, 'postgres'], { encoding: 'utf8' }).trim());
    fs.chownSync(root, id('-u'), id('-g'));
  }
  const command = (program, args) => (asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(bin, program), ...args]] : [path.join(bin, program), args]);
  const run = (program, args) => execFileSync(...command(program, args), { stdio: 'pipe', encoding: 'utf8' });
  run('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8', '--locale', 'C']);
  const port = await freePort();
  // Several servers' pools (a restart opens a new one before the old connections time out), the simulator's own and the CLI's.
  const start = [
    '-D',
    data,
    '-o',
    `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on -c max_connections=200`,
    '-l',
    path.join(root, 'log'),
    '-w',
    'start',
  ];
  run('pg_ctl', start);
  let stopped = false;
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    root,
    again: command('pg_ctl', start)
      .flat()
      .map((a) => (/\s/.test(a) ? `'${a}'` : a))
      .join(' '),
    stop({ keep = false } = {}) {
      if (stopped) return;
      stopped = true;
      try {
        run('pg_ctl', ['-D', data, '-m', 'fast', '-w', 'stop']);
      } finally {
        if (!keep) fs.rmSync(root, { recursive: true, force: true });
      }
    },
  };
}

/** The URL of database `name` on the cluster `serverUrl` names (any database of it). */
export function databaseUrl(serverUrl, name) {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A fresh, empty database for one seed (the server migrates it when it first opens it); its URL. */
export async function createSeedDatabase(serverUrl, seed) {
  const name = `sim_${seed}_${crypto.randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return databaseUrl(serverUrl, name);
}

/** Drops a seed's database once its seed passed (WITH (FORCE): a killed server's connections may linger a moment). */
export async function dropSeedDatabase(serverUrl, url) {
  const name = new URL(url).pathname.slice(1);
  if (!/^sim_\d+_[0-9a-f]+$/.test(name)) throw new Error(`not a simulation database: ${name}`);
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
