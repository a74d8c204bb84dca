// `start`, as a person runs it the first time (npm start): it creates the first sponsor
// and agent, says what the sponsor token is for and where the console is, and that
// console takes the token it printed.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { tempDbPath } from '../support/fixtures.js';
import { CLI } from '../support/processes.js';

/** Runs `start` until it has said where it serves; stop() ends it. */
function start(args: string[]): Promise<{ out: string; stop(): Promise<void> }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, 'start', '--port', '0', ...args], { env: { ...process.env, MARKETPLACE_LOG_LEVEL: 'warn' } });
    let stdout = '';
    const stop = () => new Promise<void>((done) => (child.exitCode !== null ? done() : (child.on('exit', () => done()), child.kill('SIGTERM'))));
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`start said nothing complete:\n${stdout}`))), 15_000);
    child.stdout.on('data', (d) => {
      stdout += d;
      if (stdout.includes('Ctrl-C stops it.')) {
        clearTimeout(timer);
        resolve({ out: stdout, stop });
      }
    });
  });
}

describe('npm start', () => {
  it('on the first start, prints what the sponsor token is for and the console URL, and the console takes that token', async () => {
    const db = tempDbPath();
    const first = await start(['--db', db]);
    const out = first.out;
    const token = /Sponsor sp_\S+ .*\n {2}token: (amsp_\S+)/.exec(out)?.[1];
    expect(token).toBeDefined();
    const consoleUrl = /Sponsor console: (http:\/\/127\.0\.0\.1:\d+\/console)\n/.exec(out)?.[1];
    expect(consoleUrl).toBeDefined();
    expect(out).toContain('Sign in there with the sponsor token printed above.');
    expect(out).toContain("The sponsor token is yours, not your agents'");
    expect(out).toContain('approve or deny what waits for you');
    expect(out).toContain("Never put it in an agent's configuration");
    try {
      const page = await fetch(consoleUrl!);
      expect(await page.text()).toContain('action="/console/login"');
      const signedIn = await fetch(new URL('/console/login', consoleUrl), {
        method: 'POST',
        redirect: 'manual',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ token: token! }).toString(),
      });
      expect(signedIn.status).toBe(303);
      expect(signedIn.headers.get('set-cookie')).toMatch(/^am_session=/);
    } finally {
      await first.stop();
    }

    // A second start on the same database : the same words, and the token is not printed again.
    const second = await start(['--db', db, '--public-url', 'https://market.example/']);
    await second.stop();
    const again = second.out;
    expect(again).not.toContain(token!);
    expect(again).toContain('Sponsor console: https://market.example/console\n');
    expect(again).toContain('your sponsor token (printed when the database was created; `token rotate --sponsor ID` issues a new one)');
  });
});
