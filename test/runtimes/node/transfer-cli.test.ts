import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TransferReport } from '../../../src/core/experiment/report.js';
import { runCli } from '../../helpers/cli.js';
import { encodeIdx } from '../../helpers/idx.js';
import { mnist } from '../../helpers/mnist.js';

/** A data dir with the first `n` real train and test images; `mutate` corrupts it per case. */
async function dataDir(n: number, mutate: (files: Record<string, Uint8Array>) => void = () => {}): Promise<string> {
  const data = await mnist();
  const files: Record<string, Uint8Array> = {
    'train-images-idx3-ubyte': encodeIdx([n, 28, 28], data.train.images.subarray(0, n * 784)),
    'train-labels-idx1-ubyte': encodeIdx([n], data.train.labels.subarray(0, n)),
    't10k-images-idx3-ubyte.gz': gzipSync(encodeIdx([n, 28, 28], data.test.images.subarray(0, n * 784))),
    't10k-labels-idx1-ubyte.gz': gzipSync(encodeIdx([n], data.test.labels.subarray(0, n))),
  };
  mutate(files);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-data-'));
  for (const [name, bytes] of Object.entries(files)) await writeFile(path.join(dir, name), bytes);
  return dir;
}

/** An --out dir that already holds a model; errors must leave it exactly as it was. */
async function occupiedOut(): Promise<string> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'edgetune-out-'));
  await mkdir(path.join(out, 'base'));
  await writeFile(path.join(out, 'base', 'model.json'), '{"sentinel":true}');
  return out;
}

const snapshot = async (dir: string) => {
  const entries = await readdir(dir, { recursive: true });
  return Promise.all(entries.sort().map(async (e) => [e, await readFile(path.join(dir, e)).catch(() => 'dir').then(String)]));
};

describe('edgetune transfer (CLI)', () => {
  let smallData: string;
  beforeAll(async () => {
    smallData = await dataDir(600);
  });

  it('documents every flag in --help', async () => {
    const { code, stdout } = await runCli(['transfer', '--help']);
    expect(code).toBe(0);
    for (const flag of [
      '--data', '--test-split', '--input-shape', '--pretrain-classes', '--finetune-classes', '--epochs', '--finetune-epochs', '--batch-size',
      '--seed', '--limit', '--out', '--report', '--backend', '--threads', '--no-simd',
    ]) {
      expect(stdout).toContain(flag);
    }
  });

  const badInput: Array<[string, () => Promise<string[]>, RegExp]> = [
    ['zero epochs', async () => ['--epochs', '0'], /--epochs <n>' argument '0' is invalid/],
    ['non-integer batch size', async () => ['--batch-size', '12.5'], /--batch-size <n>' argument '12.5' is invalid/],
    ['an unknown backend', async () => ['--backend', 'gpu'], /Allowed choices are wasm, cpu, tensorflow/],
    ['a malformed class list', async () => ['--pretrain-classes', '5,six'], /--pretrain-classes: "six" is not a class label/],
    ['a malformed input shape', async () => ['--input-shape', '28x28x2'], /--input-shape.*channels must be 1 \(gray\) or 3 \(RGB\), got 2/],
    ['a test split of 1', async () => ['--test-split', '1'], /--test-split.*between 0 and 1/],
    ['an input shape IDX data does not have', async () => ['--input-shape', '32x32x3'], /IDX images are 28x28x1, but 32x32x3 is needed/],
    ['overlapping classes', async () => ['--pretrain-classes', '3,4,5', '--finetune-classes', '0,4'], /overlap on 4/],
    ['classes not in the data', async () => ['--finetune-classes', '0,42'], /class 42 is not in the data/],
    ['a missing data dir', async () => ['--data', '/nonexistent/edgetune'], /\/nonexistent\/edgetune: no such directory/],
    [
      'an IDX file with bad magic',
      async () => ['--data-dir', await dataDir(50, (f) => (f['train-labels-idx1-ubyte'] = new Uint8Array([9, 9, 9, 9, 0]).fill(7)))],
      /train-labels-idx1-ubyte: not an IDX file \(bad magic number\)/,
    ],
    [
      'a truncated gzipped IDX file',
      async () =>
        ['--data-dir', await dataDir(50, (f) => (f['t10k-images-idx3-ubyte.gz'] = gzipSync(encodeIdx([50, 28, 28], new Uint8Array(49 * 784)).subarray(0, 16 + 49 * 784))))],
      /t10k-images-idx3-ubyte.gz: truncated/,
    ],
    [
      'images and labels that do not pair up',
      async () => ['--data-dir', await dataDir(50, (f) => (f['train-labels-idx1-ubyte'] = encodeIdx([49], new Uint8Array(49))))],
      /50 images but 49 labels/,
    ],
    ['the tensorflow backend when tfjs-node is absent', async () => ['--backend', 'tensorflow', '--data-dir', smallData], /needs @tensorflow\/tfjs-node/],
  ];

  for (const [name, args, message] of badInput) {
    it(`rejects ${name} in one line, exit 1, nothing written`, async () => {
      const out = await occupiedOut();
      const before = await snapshot(out);
      const report = path.join(out, 'report.json');
      const { code, stderr, stdout } = await runCli(['transfer', '--out', out, '--report', report, ...(await args())]);
      expect(code).toBe(1);
      expect(stderr).toMatch(message);
      expect(stderr.trim().split('\n').filter((l) => !l.startsWith('(run with --help')).length).toBe(1);
      expect(stdout).not.toContain('Epoch');
      expect(await snapshot(out)).toEqual(before);
    });
  }

  it('creates no --out directory when the input is bad', async () => {
    const out = path.join(await mkdtemp(path.join(os.tmpdir(), 'edgetune-out-')), 'not', 'yet');
    const { code } = await runCli(['transfer', '--data-dir', smallData, '--pretrain-classes', '1,2', '--finetune-classes', '2,3', '--out', out]);
    expect(code).toBe(1);
    expect(existsSync(path.dirname(out))).toBe(false);
  });

  it('runs end to end on 2 wasm threads, exits by itself, and writes base, heads and report', async () => {
    const out = await occupiedOut();
    const reportFile = path.join(out, 'r.json');
    const { code, stdout, stderr } = await runCli([
      'transfer', '--data-dir', smallData, '--limit', '256', '--epochs', '1', '--finetune-epochs', '1',
      '--batch-size', '64', '--threads', '2', '--seed', '3', '--out', out, '--report', reportFile,
    ]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Backend: wasm (SIMD on, 2 threads)');
    expect(stdout).toMatch(/4\/4 \d+s \d+ms\/step - accuracy: [\d.]+ - loss: [\d.]+ - val_accuracy: [\d.]+ - val_loss: [\d.]+/);
    const report = JSON.parse(await readFile(reportFile, 'utf8')) as TransferReport;
    expect(report.backend).toEqual({ name: 'wasm', simd: true, threads: 2, kernels: 'simd' });
    expect(report.dataset).toMatchObject({ trainSamples: 600, testSamples: 600 });
    expect(report.seed).toBe(3);
    // Per-class results in the written report and on the console.
    for (const phase of [report.pretrain, report.finetune]) {
      expect(phase.confusion.flat().reduce((s, n) => s + n, 0)).toBe(phase.testSamples);
      expect(phase.perClass.map((c) => c.class)).toEqual(phase.classes);
    }
    expect(stdout).toMatch(/Confusion matrix on the test images:\ntrue \\ predicted +0 +1 +2 +3 +4 +accuracy +examples\n/);
    expect(await readFile(path.join(out, 'report.json'), 'utf8')).toBe(await readFile(reportFile, 'utf8'));
    for (const dir of ['base', 'heads/pretrain', 'heads/finetune']) {
      expect((await readdir(path.join(out, dir))).sort()).toEqual(['model.json', 'weights.bin']);
    }
    expect(JSON.parse(await readFile(path.join(out, 'base', 'model.json'), 'utf8')).userDefinedMetadata.edgetune.hash).toBe(report.base.hash);
    // No staging leftovers beside the swapped-in directories.
    expect((await readdir(out)).sort()).toEqual(['base', 'heads', 'r.json', 'report.json']);
  });

  it('falls back to single-threaded SIMD with a one-line warning when threads cannot start', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'edgetune-out-'));
    const { code, stdout, stderr } = await runCli(
      ['transfer', '--data-dir', smallData, '--limit', '128', '--epochs', '1', '--finetune-epochs', '1', '--threads', '2', '--out', out],
      { nodeArgs: ['--import', fileURLToPath(new URL('../../helpers/no-shared-memory.mjs', import.meta.url))] },
    );
    expect(code).toBe(0);
    expect(stderr.trim()).toBe('warning: wasm threads unavailable (SharedArrayBuffer is disabled in this Node process); using 1 thread');
    expect(stdout).toContain('Backend: wasm (SIMD on, 1 thread)');
  });

  it('honours --no-simd', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'edgetune-out-'));
    const { code, stdout } = await runCli([
      'transfer', '--data-dir', smallData, '--limit', '128', '--epochs', '1', '--finetune-epochs', '1', '--no-simd', '--threads', '1', '--out', out,
    ]);
    expect(code).toBe(0);
    expect(stdout).toContain('Backend: wasm (SIMD off, 1 thread)');
  });
});
