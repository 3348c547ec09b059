import type { Dirent } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { checkClassNames } from '../../core/data/classes.js';
import { stratifiedSplit, type ImageSet, type Split } from '../../core/data/dataset.js';
import { decodeImage } from '../../core/data/image.js';
import { describeShape, sizeOf, type InputSpec } from '../../core/data/input-shape.js';
import { fitImage } from '../../core/data/preprocess.js';
import { seededRandom } from '../../core/data/random.js';
import { InputError } from '../../core/errors.js';
import type { Log } from './log.js';

/** Files taken as images, by extension, as Keras's image_dataset_from_directory does. */
const IMAGE_FILE = /\.(png|jpe?g)$/i;
/** Larger pictures are refused: a 64-megapixel decode already takes ~1 GB and seconds. */
export const MAX_FOLDER_IMAGE_PIXELS = 64_000_000;
/** Bad files named in the error; the rest are counted. */
const NAMED_FAILURES = 5;

export interface ReadOptions {
  /** The input shape the images are converted to. */
  shape: InputSpec;
  log: Log;
  /** Called after each image is read, for a progress display. */
  onImage?(done: number, total: number): void;
}

export interface FolderOptions extends ReadOptions {
  /** Fraction of each class held out for testing when there is no test folder. */
  testSplit: number;
  seed: number;
}

interface ClassFolder {
  name: string;
  files: string[];
}

const isDir = async (p: string) => (await stat(p).catch(() => undefined))?.isDirectory() === true;
/** Whether a listed entry is a directory: from the listing itself, with a stat only for a symbolic link (one per entry would be thousands). */
const isDirEntry = async (entry: Dirent, parent: string) => entry.isDirectory() || (entry.isSymbolicLink() && (await isDir(path.join(parent, entry.name))));

async function entries(dir: string) {
  try {
    return await readdir(dir, { withFileTypes: true });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(`${dir}: ${code === 'ENOENT' ? 'no such directory' : code === 'ENOTDIR' ? 'not a directory' : (err as Error).message}`);
  }
}

/** The class folders of `root` (sorted by name) and their image files (sorted); what is skipped is warned about. */
async function classFolders(root: string, log: Log): Promise<ClassFolder[]> {
  const classes: ClassFolder[] = [];
  let strayFiles = 0;
  for (const entry of await entries(root)) {
    if (entry.name.startsWith('.')) continue;
    const dir = path.join(root, entry.name);
    if (!(await isDirEntry(entry, root))) {
      strayFiles++;
      continue;
    }
    const files: string[] = [];
    let skipped = 0;
    for (const file of await entries(dir)) {
      if (file.name.startsWith('.')) continue;
      if (IMAGE_FILE.test(file.name) && !(await isDirEntry(file, dir))) files.push(file.name);
      else skipped++;
    }
    if (skipped) log.warn(`${dir}: skipped ${skipped} entr${skipped === 1 ? 'y' : 'ies'} (not .png, .jpg or .jpeg files)`);
    classes.push({ name: entry.name, files: files.sort() });
  }
  if (strayFiles) log.warn(`${root}: skipped ${strayFiles} file${strayFiles === 1 ? '' : 's'} beside the class folders`);
  classes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  if (classes.length < 2) {
    throw new InputError(`${root}: found ${classes.length} class folder${classes.length === 1 ? '' : 's'}; put each class's images in a folder of its own (${root}/<class>/*.png|jpg), at least two classes`);
  }
  checkClassNames(classes.map((c) => c.name), root);
  const empty = classes.filter((c) => c.files.length === 0);
  if (empty.length) throw new InputError(`${root}: class folder${empty.length > 1 ? 's' : ''} ${empty.map((c) => `"${c.name}"`).join(', ')} hold${empty.length > 1 ? '' : 's'} no .png, .jpg or .jpeg images`);
  return classes;
}

/** Reads, decodes and converts every image of `classes` (labels = positions in `names`); all bad files are reported together. */
async function readImages(root: string, classes: ClassFolder[], names: string[], options: ReadOptions, progress: { done: number; total: number }): Promise<ImageSet> {
  const size = sizeOf(options.shape);
  const count = classes.reduce((n, c) => n + c.files.length, 0);
  const images = new Uint8Array(count * size);
  const labels = new Uint8Array(count);
  const failures: string[] = [];
  let at = 0;
  for (const folder of classes) {
    const label = names.indexOf(folder.name);
    for (const file of folder.files) {
      const where = path.join(root, folder.name, file);
      try {
        const pixels = fitImage(decodeImage(await readFile(where), where, MAX_FOLDER_IMAGE_PIXELS), options.shape);
        for (let p = 0; p < size; p++) images[at * size + p] = Math.round(pixels[p] * 255);
        labels[at] = label;
        at++;
      } catch (err) {
        if (!(err instanceof InputError) && !(err as NodeJS.ErrnoException).code) throw err;
        failures.push(err instanceof InputError ? err.message : `${where}: ${(err as Error).message}`);
      }
      options.onImage?.(++progress.done, progress.total);
    }
  }
  if (failures.length) {
    const more = failures.length - NAMED_FAILURES;
    throw new InputError(
      `${failures.length} image${failures.length === 1 ? '' : 's'} could not be read; fix or remove ${failures.length === 1 ? 'it' : 'them'}:\n  ` +
        failures.slice(0, NAMED_FAILURES).join('\n  ') +
        (more > 0 ? `\n  ... and ${more} more` : ''),
    );
  }
  const { rows, cols, channels } = options.shape;
  return { images, labels, count, shape: { rows, cols, channels }, names };
}

/** Whether `dir` holds a train and a test folder (else it holds the class folders). */
const hasTrainTestFolders = async (dir: string) => (await isDir(path.join(dir, 'train'))) && (await isDir(path.join(dir, 'test')));

/**
 * An image-folder dataset, Keras's convention: `dir/<class>/*.png|jpg`, or
 * `dir/train/<class>` with `dir/test/<class>`. Class names are the folder
 * names, sorted; labels are their positions. Without a test folder each
 * class is split (seeded, stratified) by `testSplit`. Every image is
 * converted to `shape` (preprocess.ts's fitImage) and stored as bytes.
 */
export async function loadImageFolders(dir: string, options: FolderOptions): Promise<Split> {
  const split = await hasTrainTestFolders(dir);
  const trainRoot = split ? path.join(dir, 'train') : dir;
  const train = await classFolders(trainRoot, options.log);
  const names = train.map((c) => c.name);
  let test: ClassFolder[] | undefined;
  if (split) {
    const testRoot = path.join(dir, 'test');
    test = await classFolders(testRoot, options.log);
    const missing = names.filter((n) => !test!.some((c) => c.name === n));
    const extra = test.filter((c) => !names.includes(c.name)).map((c) => c.name);
    if (missing.length || extra.length) {
      throw new InputError(
        `${dir}: train and test must have the same class folders` +
          (missing.length ? `; test lacks ${missing.join(', ')}` : '') +
          (extra.length ? `; test has ${extra.join(', ')} that train does not` : ''),
      );
    }
  }
  const progress = { done: 0, total: [...train, ...(test ?? [])].reduce((n, c) => n + c.files.length, 0) };
  options.log.info(`Reading ${progress.total} images in ${names.length} classes from ${dir} as ${describeShape(options.shape)}`);
  const trainSet = await readImages(trainRoot, train, names, options, progress);
  if (test) return { train: trainSet, test: await readImages(path.join(dir, 'test'), test, names, options, progress) };
  return stratifiedSplit(trainSet, options.testSplit, seededRandom(options.seed), dir);
}

/** The images to evaluate on in an image-folder dataset: its test folder if it has one, else all its images. */
export async function loadImageFolderTest(dir: string, options: ReadOptions): Promise<ImageSet> {
  const root = (await hasTrainTestFolders(dir)) ? path.join(dir, 'test') : dir;
  const classes = await classFolders(root, options.log);
  const progress = { done: 0, total: classes.reduce((n, c) => n + c.files.length, 0) };
  options.log.info(`Reading ${progress.total} images in ${classes.length} classes from ${root} as ${describeShape(options.shape)}`);
  return readImages(root, classes, classes.map((c) => c.name), options, progress);
}
