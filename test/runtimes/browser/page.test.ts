import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectClasses } from '../../../src/core/data/dataset.js';
import { startTestWasm } from '../../helpers/backend.js';
import { openPage, type OpenPage } from '../../helpers/page.js';
import { encode } from 'fast-png';
import { colourJpeg, inkOnPaper } from '../../helpers/jpeg.js';
import { mnist } from '../../helpers/mnist.js';
import { quickModels } from '../../helpers/models.js';
import { root } from '../../../harness/wrangler.js';

const OUTPUT = path.join(root, 'test-output');

/**
 * Draws a 28x28 digit on the pad with pointer events (a mouse pointer): one
 * stroke per run of ink in each row, dispatched in the page in one go.
 */
async function drawDigit(page: Page, pixels: Uint8Array): Promise<void> {
  await page.click('#clear');
  const runs: Array<[number, number, number]> = [];
  for (let y = 0; y < 28; y++) {
    for (let x = 0; x < 28; ) {
      if (pixels[y * 28 + x] < 128) {
        x++;
        continue;
      }
      const start = x;
      while (x < 28 && pixels[y * 28 + x] >= 128) x++;
      runs.push([start, x - 1, y]);
    }
  }
  await page.evaluate((strokes) => {
    const pad = document.getElementById('pad')!;
    const box = pad.getBoundingClientRect();
    const at = (x: number, y: number) => ({ clientX: box.left + ((x + 0.5) * box.width) / 28, clientY: box.top + ((y + 0.5) * box.height) / 28 });
    const fire = (type: string, x: number, y: number) =>
      pad.dispatchEvent(new PointerEvent(type, { ...at(x, y), pointerId: 1, pointerType: 'mouse', isPrimary: true, bubbles: true, buttons: type === 'pointerup' ? 0 : 1 }));
    for (const [x0, x1, y] of strokes) {
      fire('pointerdown', x0, y);
      fire('pointermove', (x0 + x1) / 2, y);
      fire('pointermove', x1, y);
      fire('pointerup', x1, y);
    }
  }, runs);
}

/** The page's prediction once it has caught up with the last stroke. */
async function prediction(page: Page): Promise<string> {
  await page.waitForSelector('#prediction:not([data-pending])', { timeout: 10_000 });
  return (await page.textContent('#prediction'))!.trim();
}

describe('the web page in Chromium', () => {
  let opened: OpenPage | undefined;
  let server: OpenPage['server'];
  let browser: OpenPage['browser'];
  let page: OpenPage['page'];
  let tokenFile: string;
  let errors: string[];

  beforeAll(async () => {
    await startTestWasm();
    opened = await openPage((await quickModels(29)).out);
    ({ server, browser, page, tokenFile, errors } = opened);
    await mkdir(OUTPUT, { recursive: true });
  });
  afterAll(async () => {
    await opened?.close();
  });

  it('is cross-origin isolated and reports the backend it got, and why', async () => {
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const backend = JSON.parse((await page.locator('#status').getAttribute('data-backend'))!);
    expect(backend.name).toBe('wasm');
    expect(backend.simd).toBe(true);
    expect(backend.kernels).toBe('simd');
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(backend.threads).toBe(Math.max(1, Math.min(8, Math.floor(cores / 2))));
    const text = await page.textContent('#status');
    expect(text).toContain(`wasm · SIMD on · ${backend.threads} thread`);
    if (backend.threads < cores) expect(text).toContain('at most half of the');
  });

  it('recognises real MNIST test digits drawn with the mouse (at least 9 of 10)', async () => {
    const test = selectClasses((await mnist()).test, [0, 1, 2, 3, 4], 10);
    let right = 0;
    for (let i = 0; i < test.count; i++) {
      await drawDigit(page, test.images.subarray(i * 784, (i + 1) * 784));
      if ((await prediction(page)) === String(test.classes[test.labels[i]])) right++;
    }
    expect(right).toBeGreaterThanOrEqual(9);
  });

  it('classifies gallery digits as they are', async () => {
    await page.click('#gallery button:nth-child(2)');
    await expect.poll(() => page.locator('#gallery button:nth-child(2)').getAttribute('data-result')).toBe('2');
  });

  it('trains a head for two new classes from a few drawn examples and predicts them', async () => {
    const data = selectClasses((await mnist()).test, [1, 7]);
    await page.fill('#classes', 'one,seven');
    for (let i = 0; i < 12; i++) {
      await drawDigit(page, data.images.subarray(i * 784, (i + 1) * 784));
      await page.click(`#class-buttons button[data-class="${data.labels[i] === 0 ? 'one' : 'seven'}"]`);
    }
    expect(await page.textContent('#examples')).toMatch(/one: \d+, seven: \d+/);
    await page.click('#train');
    await page.waitForSelector('#train-status[data-done]', { timeout: 120_000 });
    expect(await page.locator('#head').inputValue()).toBe('in page: one/seven');
    // Per-class results of the in-page head, on its 12 training examples and labelled so.
    const table = page.locator('#train-results table');
    expect(await table.locator('caption').textContent()).toContain('On the 12 training examples (none held out)');
    expect(await table.locator('thead th').allTextContents()).toEqual(['true \\ predicted', 'one', 'seven', 'accuracy']);
    expect(await table.locator('tbody th[scope=row]').allTextContents()).toEqual(['one', 'seven']);
    const counts = (await table.locator('tbody td:not(:last-child)').allTextContents()).map(Number);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(12);
    expect(await table.locator('tbody td:last-child').allTextContents()).toEqual([expect.stringMatching(/^\d+% of \d+$/), expect.stringMatching(/^\d+% of \d+$/)]);
    let right = 0;
    for (let i = 100; i < 106; i++) {
      await drawDigit(page, data.images.subarray(i * 784, (i + 1) * 784));
      if ((await prediction(page)) === (data.labels[i] === 0 ? 'one' : 'seven')) right++;
    }
    expect(right).toBeGreaterThanOrEqual(5);
    await page.screenshot({ path: path.join(OUTPUT, 'browser.png'), fullPage: true });
  });

  it('trains the drawn examples on the server and shows per-class results on the held-out quarter', async () => {
    await page.click('#teach summary');
    await page.fill('#token', (await readFile(tokenFile, 'utf8')).trim());
    await page.fill('#upload-name', 'drawn');
    expect(await page.isChecked('#hold-out')).toBe(true);
    await page.click('#upload');
    await page.waitForSelector('#upload-results table', { timeout: 120_000 });
    expect(await page.textContent('#upload-status')).toContain('version 1');
    const table = page.locator('#upload-results table');
    // A quarter of each class's drawings (the first 12 test digits of 1 and 7), rounded.
    const drawn = selectClasses((await mnist()).test, [1, 7]).labels.subarray(0, 12);
    const held = [0, 1].map((c) => Math.round(drawn.filter((l) => l === c).length * 0.25));
    expect(await table.locator('caption').textContent()).toBe(`On the ${held[0] + held[1]} held-out examples (not trained on)`);
    expect(await table.locator('tbody th[scope=row]').allTextContents()).toEqual(['one', 'seven']);
    const rows = await table.locator('tbody tr').all();
    for (const [c, row] of rows.entries()) expect((await row.locator('td:not(:last-child)').allTextContents()).map(Number).reduce((a, b) => a + b, 0)).toBe(held[c]);
    await page.screenshot({ path: path.join(OUTPUT, 'browser-server-train.png'), fullPage: true });
  });

  it('classifies picked and photographed PNG and JPEG files on the server, and adds picked files as examples', async () => {
    const test = selectClasses((await mnist()).test, [0, 1, 2, 3, 4], 6);
    const ink = (i: number) => test.images.subarray(i * 784, (i + 1) * 784);
    const files = Array.from({ length: test.count }, (_, i) =>
      i % 2
        ? { name: `digit-${i}.png`, mimeType: 'image/png', buffer: Buffer.from(encode({ ...inkOnPaper(ink(i), 28, 28, { scale: 2 }), channels: 4, depth: 8 })) }
        : { name: `digit-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(colourJpeg(ink(i), 28, 28, { scale: 2 })) },
    );
    const done = async () => (await page.waitForSelector('#file-status[data-done]', { timeout: 30_000 }), page.locator('#file-results li').allTextContents());
    await page.selectOption('#head', 'finetune');
    await page.setInputFiles('#pick', files);
    const lines = await done();
    // The same bytes sent straight to the server get the same answers.
    const direct = await fetch(`${server.url}/v1/heads/finetune/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ images: files.map((f) => ({ image: f.buffer.toString('base64') })) }),
    });
    const labels = ((await direct.json()) as { predictions: Array<{ label: string }> }).predictions.map((p) => p.label);
    expect(lines).toHaveLength(files.length);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^${files[i].name}: ${labels[i]} \\(\\d+\\.\\d%\\)$`)));
    expect(labels.filter((l, i) => l === String(test.classes[test.labels[i]])).length).toBeGreaterThanOrEqual(4);

    await page.setInputFiles('#camera', files[0]);
    expect(await done()).toEqual([lines[0]]);
    // A photo over the server's per-image limit (2048² here) is scaled down in the page before it is sent.
    const photo = { name: 'photo.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(colourJpeg(ink(0), 28, 28, { scale: 80, quality: 80 })) };
    await page.setInputFiles('#camera', photo);
    expect((await done())[0]).toMatch(new RegExp(`^photo\\.jpg: ${labels[0]} `));
    const cut = { ...files[0], name: 'cut.jpg', buffer: files[0].buffer.subarray(0, files[0].buffer.length - 200) };
    await page.setInputFiles('#pick', cut);
    await expect.poll(() => page.textContent('#file-status')).toMatch(/^Not classified: cut\.jpg: corrupt JPEG \(truncated/);
    // Chromium logs the 422 it was answered; that one was meant.
    errors.splice(0, errors.length, ...errors.filter((e) => !/status of 422/.test(e)));

    // A head trained in the page has no server copy: the page decodes with the same code.
    const ones = selectClasses((await mnist()).test, [1, 7]);
    const sevens = [...ones.labels.keys()].filter((i) => ones.labels[i] === 1).slice(0, 2);
    const jpegOf = (i: number) => ({ name: `seven-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(colourJpeg(ones.images.subarray(i * 784, (i + 1) * 784), 28, 28, { scale: 3 })) });
    await page.selectOption('#head', 'in page: one/seven');
    await page.setInputFiles('#pick', jpegOf(sevens[0]));
    expect((await done())[0]).toMatch(/^seven-\d+\.jpg: (one|seven) /);

    const count = async () => Number(/seven: (\d+)/.exec((await page.textContent('#examples'))!)![1]);
    const before = await count();
    await page.selectOption('#example-class', 'seven');
    await page.setInputFiles('#example-files', sevens.map(jpegOf));
    await expect.poll(count).toBe(before + 2);
  });

  it('fits a phone-sized viewport', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
    phone.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await phone.goto(server.url);
    await phone.waitForSelector('body[data-ready]', { timeout: 60_000 });
    expect(await phone.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
    const pad = (await phone.locator('#pad').boundingBox())!;
    expect(pad.width).toBeGreaterThan(200);
    await phone.screenshot({ path: path.join(OUTPUT, 'browser-phone.png'), fullPage: true });
    await phone.close();
  });

  it('logged no console errors', () => {
    expect(errors).toEqual([]);
  });
});
