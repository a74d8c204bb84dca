// A real browser for the console's tests: Debian's chromium driven by playwright-core
// (`npx playwright install` cannot download here; shared/OFFLINE-PEERS.md). One browser
// per test file, a fresh context (cookie jar) per scenario; screenshots go to a
// temporary folder, named in the test's output.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Nothing outside loopback is reachable on these machines; the switches keep chromium
// from trying (and from waiting on) updates, sync, field trials and QUIC.
const ARGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface TestBrowser {
  browser: Browser;
  /** A new cookie jar: one person at one browser. */
  newContext(): Promise<BrowserContext>;
  /** Saves a PNG of the page under the run's screenshot folder; returns its path. */
  screenshot(page: Page, name: string): Promise<string>;
  screenshotDir: string;
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<TestBrowser> {
  if (!fs.existsSync(CHROMIUM_PATH)) {
    throw new Error(`No chromium at ${CHROMIUM_PATH}: install Debian's chromium (apt-get install chromium) or set CHROMIUM_PATH.`);
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: ARGS, timeout: 20_000 });
  const screenshotDir = fs.mkdtempSync(path.join(os.tmpdir(), 'agent-marketplace-screenshots-'));
  const contexts: BrowserContext[] = [];
  return {
    browser,
    screenshotDir,
    async newContext() {
      const context = await browser.newContext({ viewport: { width: 1100, height: 900 } });
      context.setDefaultTimeout(10_000);
      contexts.push(context);
      return context;
    },
    async screenshot(page, name) {
      const file = path.join(screenshotDir, `${name}.png`);
      await page.screenshot({ path: file, fullPage: true });
      return file;
    },
    async close() {
      await Promise.all(contexts.splice(0).map((c) => c.close().catch(() => undefined)));
      await browser.close();
    },
  };
}
