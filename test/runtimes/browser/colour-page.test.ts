import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectClasses, type ClassSet } from '../../../src/core/data/dataset.js';
import { startTestWasm } from '../../helpers/backend.js';
import { colourDigitJpeg, colourModels } from '../../helpers/colour-digits.js';
import { mnist } from '../../helpers/mnist.js';
import { openPage, type OpenPage } from '../../helpers/page.js';

/** The page on a base of another input shape (32x32x3): what it sends, draws and decodes is fitted to the base's input. */
describe('the web page on a 32x32x3 base, in Chromium', () => {
  let opened: OpenPage | undefined;
  let test: ClassSet;

  beforeAll(async () => {
    await startTestWasm();
    test = selectClasses((await mnist()).test, [0, 1, 2, 3, 4], 12);
    opened = await openPage((await colourModels(8)).out);
  }, 300_000);
  afterAll(async () => {
    await opened?.close();
  });

  it('answers picked colour JPEGs as the server does, and classifies a drawing with the base in the page', async () => {
    const { page, server, errors } = opened!;
    const files = Array.from({ length: test.count }, (_, i) => ({ name: `digit-${i}.jpg`, mimeType: 'image/jpeg', buffer: Buffer.from(colourDigitJpeg(test, i)) }));
    await page.selectOption('#head', 'finetune');
    await page.setInputFiles('#pick', files);
    await page.waitForSelector('#file-status[data-done]', { timeout: 30_000 });
    const lines = await page.locator('#file-results li').allTextContents();
    const direct = await fetch(`${server.url}/v1/heads/finetune/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ images: files.map((f) => ({ image: f.buffer.toString('base64') })) }),
    });
    const labels = ((await direct.json()) as { predictions: Array<{ label: string }> }).predictions.map((p) => p.label);
    lines.forEach((line, i) => expect(line).toMatch(new RegExp(`^${files[i].name}: ${labels[i]} `)));
    expect(labels.filter((l, i) => l === String(test.classes[test.labels[i]])).length).toBeGreaterThanOrEqual(8);

    // A drawing goes through the base in the page, fitted to 32x32x3 like any picture.
    const pad = (await page.locator('#pad').boundingBox())!;
    await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.2);
    await page.mouse.down();
    await page.mouse.move(pad.x + pad.width * 0.5, pad.y + pad.height * 0.8, { steps: 8 });
    await page.mouse.up();
    await page.waitForSelector('#prediction:not([data-pending])', { timeout: 10_000 });
    expect((await page.textContent('#prediction'))!.trim()).toMatch(/^[0-4]/);
    expect(errors).toEqual([]);
  });
});
