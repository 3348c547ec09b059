import { spawnSync } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startServer, type RunningServer } from '../../src/runtimes/node/server.js';
import { launchChromium } from '../../harness/chromium.js';
import { root } from '../../harness/wrangler.js';

export interface OpenPage {
  server: RunningServer;
  browser: Browser;
  page: Page;
  /** Where the server keeps its write token. */
  tokenFile: string;
  /** Console errors and uncaught exceptions the page logged. */
  errors: string[];
  close(): Promise<void>;
}

/**
 * The web page, built fresh, served by `edgetune serve`'s server on the
 * models in `models`, open in Debian's Chromium and ready. The wasm backend
 * must already be started.
 */
export async function openPage(models: string): Promise<OpenPage> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-page-'));
  const web = path.join(dir, 'web');
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/build-web.js'), '--out', web], { encoding: 'utf8' });
  if (built.status !== 0) throw new Error(`build-web failed: ${built.stderr}`);
  const tokenFile = path.join(dir, 'token');
  const server = await startServer({ models, heads: path.join(dir, 'heads'), web, host: '127.0.0.1', port: 0, tokenFile }, { name: 'wasm', simd: true, threads: 2 }, { info: () => {}, warn: () => {} });
  const browser = await launchChromium();
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors: string[] = [];
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(server.url);
  await page.waitForSelector('body[data-ready]', { timeout: 60_000 });
  return {
    server,
    browser,
    page,
    tokenFile,
    errors,
    close: async () => {
      await browser.close();
      await server.close();
    },
  };
}
