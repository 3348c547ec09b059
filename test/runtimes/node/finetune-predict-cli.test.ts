import { cp, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectClasses } from '../../../src/core/data/dataset.js';
import { FileHeadStore } from '../../../src/runtimes/node/file-head-store.js';
import { startTestWasm } from '../../helpers/backend.js';
import { runCli } from '../../helpers/cli.js';
import { encode } from 'fast-png';
import { colourJpeg, inkOnPaper } from '../../helpers/jpeg.js';
import { mnist } from '../../helpers/mnist.js';
import { encodeIdx } from '../../helpers/idx.js';
import { quickModels } from '../../helpers/models.js';

describe('edgetune finetune and predict (CLI)', () => {
  let base: string;
  let heads: string;
  let testIdx: string;
  let testLabels: number[];

  beforeAll(async () => {
    await startTestWasm();
    const { out } = await quickModels(21);
    base = path.join(out, 'base');
    heads = await mkdtemp(path.join(os.tmpdir(), 'edgetune-store-'));
    const test = selectClasses((await mnist()).test, [0, 1, 2, 3, 4]);
    testIdx = path.join(out, 'test-0-4-idx3-ubyte');
    await writeFile(testIdx, encodeIdx([test.count, 28, 28], test.images));
    testLabels = [...test.labels].map((l) => test.classes[l]);
  });

  it('trains a head in one process that predicts identically in another', async () => {
    const trained = await runCli([
      'finetune', '--base', base, '--heads', heads, '--name', 'digits', '--classes', '0,1,2,3,4',
      '--examples', '100', '--epochs', '10', '--seed', '4', '--threads', '2',
    ]);
    expect(trained.stderr).toBe('');
    expect(trained.code).toBe(0);
    expect(trained.stdout).toContain('Extracting features of 500 training images');
    expect(trained.stdout).toContain('Saved head "digits" version 1');
    // The matrix, labelled, a row per class with its accuracy and test examples.
    expect(trained.stdout).toMatch(/Confusion matrix on the test images:\ntrue \\ predicted +0 +1 +2 +3 +4 +accuracy +examples\n([0-4] +(\d+ +){5}[\d.]+% +\d+\n){5}/);
    const record = (await new FileHeadStore(heads).get('digits'))!;
    const meta = record.versions[0].metadata;
    expect(meta).toMatchObject({ labels: ['0', '1', '2', '3', '4'], training: { mode: 'cached', examples: 500, examplesPerClass: 100 } });
    expect(meta.metrics.testSamples).toBe(testLabels.length);
    expect(meta.metrics.testAccuracy).toBeGreaterThan(0.9);

    const predicted = await runCli(['predict', '--base', base, '--heads', heads, '--head', 'digits', '--json', testIdx]);
    expect(predicted.code).toBe(0);
    const rows = JSON.parse(predicted.stdout) as Array<{ input: string; label: string; confidence: number }>;
    expect(rows).toHaveLength(testLabels.length);
    expect(rows[3].input).toBe(`${testIdx}[3]`);
    const correct = rows.filter((r, i) => r.label === String(testLabels[i])).length;
    // Same test images, same accuracy to the last example: the reloaded head predicts as the trained one did.
    expect(correct / rows.length).toBe(meta.metrics.testAccuracy);
  });

  it('prints one line per image, and reads transfer heads saved beside the base', async () => {
    const { code, stdout } = await runCli(['predict', '--base', base, '--heads', heads, '--head', 'pretrain', testIdx.replace(/$/, '')]);
    expect(code).toBe(0);
    expect(stdout.trim().split('\n')).toHaveLength(testLabels.length);
    expect(stdout.split('\n')[0]).toMatch(/\[0\]\s+[5-9]\s+\d\.\d{4}$/);
  });

  it('takes JPEGs as it takes PNGs, told apart by their bytes, not their names', async () => {
    const digits = (await mnist()).test.images;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-jpegs-'));
    const files: string[] = [];
    for (let i = 0; i < 3; i++) {
      const ink = digits.subarray(i * 784, (i + 1) * 784);
      const png = path.join(dir, `digit-${i}.png`);
      await writeFile(png, encode({ ...inkOnPaper(ink, 28, 28, { scale: 2 }), channels: 4, depth: 8 }));
      // A JPEG named .png must be read as the JPEG it is.
      const jpeg = path.join(dir, i === 2 ? `digit-${i}-really-a-jpeg.png` : `digit-${i}.jpg`);
      await writeFile(jpeg, colourJpeg(ink, 28, 28, { scale: 2 }));
      files.push(png, jpeg);
    }
    const { code, stdout, stderr } = await runCli(['predict', '--base', base, '--heads', heads, '--head', 'pretrain', '--json', ...files]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const rows = JSON.parse(stdout) as Array<{ input: string; label: string }>;
    expect(rows.map((r) => r.input)).toEqual(files);
    for (let i = 0; i < 3; i++) expect(rows[2 * i + 1].label, files[2 * i + 1]).toBe(rows[2 * i].label);
  });

  const failures: Array<[string, () => Promise<string[]>, RegExp]> = [
    ['an unknown head', async () => ['predict', '--base', base, '--heads', heads, '--head', 'nope', testIdx], /unknown head "nope"/],
    [
      'a head trained on another base',
      async () => {
        const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-foreign-'));
        await cp(path.join(path.dirname(base), 'heads', 'finetune'), dir, { recursive: true });
        const json = JSON.parse(await readFile(path.join(dir, 'model.json'), 'utf8'));
        json.userDefinedMetadata.edgetune.baseHash = '0123456789ab'.padEnd(64, '0');
        await writeFile(path.join(dir, 'model.json'), JSON.stringify(json));
        return ['predict', '--base', base, '--head', dir, testIdx];
      },
      /was trained on base 0123456789ab, not on the loaded base/,
    ],
    [
      'a PNG that is not an image',
      async () => {
        const bad = path.join(heads, '..', `bad-${Date.now()}.png`);
        await writeFile(bad, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1, 2, 3]));
        return ['predict', '--base', base, '--heads', heads, '--head', 'pretrain', bad];
      },
      /bad-\d+\.png: corrupt PNG/,
    ],
    [
      'a truncated JPEG',
      async () => {
        const cut = path.join(heads, '..', `cut-${Date.now()}.jpg`);
        const jpeg = colourJpeg((await mnist()).test.images.subarray(0, 784), 28, 28);
        await writeFile(cut, jpeg.subarray(0, jpeg.length - 100));
        return ['predict', '--base', base, '--heads', heads, '--head', 'pretrain', cut];
      },
      /cut-\d+\.jpg: corrupt JPEG \(truncated/,
    ],
    ['a text file', async () => ['predict', '--base', base, '--head', 'pretrain', path.join(process.cwd(), 'package.json')], /package.json: not a PNG, JPEG or IDX image file/],
    ['classes that are not in the data', async () => ['finetune', '--base', base, '--heads', heads, '--name', 'x', '--classes', '0,42'], /class 42 is not in the data/],
    ['zero examples per class', async () => ['finetune', '--base', base, '--heads', heads, '--name', 'x', '--examples', '0'], /--examples <n>' argument '0' is invalid/],
    ['a head name with a path in it', async () => ['finetune', '--base', base, '--heads', heads, '--name', '../x'], /--name "..\/x": use 1-64 letters/],
    ['a missing base', async () => ['finetune', '--base', '/nonexistent/base', '--heads', heads, '--name', 'x'], /\/nonexistent\/base: no saved model here/],
  ];
  for (const [name, args, message] of failures) {
    it(`rejects ${name} in one line, exit 1, store untouched`, async () => {
      const before = (await readdir(heads, { recursive: true })).sort();
      const { code, stderr } = await runCli(await args());
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n').filter((l) => !l.startsWith('(run with')).length).toBe(1);
      expect((await readdir(heads, { recursive: true })).sort()).toEqual(before);
    });
  }
});
