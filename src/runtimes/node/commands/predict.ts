import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import type * as tf from '@tensorflow/tfjs';
import { classify, type Prediction } from '../../../core/model/classify.js';
import { InputError } from '../../../core/errors.js';
import { decodeIdx, isGzip } from '../../../core/data/idx.js';
import { declaredInput, loadBase, loadHead } from '../../../core/artifacts/loaded.js';
import { idxImageShape, nameOf, presentLabels, type ImageSet } from '../../../core/data/dataset.js';
import { decodeImage, sniffImage } from '../../../core/data/image.js';
import { describeShape, sameShape, sizeOf, type InputSpec } from '../../../core/data/input-shape.js';
import { fitImage } from '../../../core/data/preprocess.js';
import { emptyConfusion, formatConfusion, matrixAccuracy, perClassResults, tally } from '../../../core/training/confusion.js';
import { startNodeBackend } from '../backend.js';
import { loadTestData } from '../datasets.js';
import { DEFAULT_HEADS_DIR, resolveHead } from '../heads.js';
import { consoleLog, type Log } from '../log.js';
import { layout, loadModelDir } from '../model-files.js';
import { backendOptions, toBackendOptions, type BackendFlags } from '../options.js';
import { DEFAULT_OUT } from './transfer.js';

export interface PredictFlags extends BackendFlags {
  base: string;
  head: string;
  heads: string;
  data?: string;
  json?: boolean;
}

interface Input {
  name: string;
  pixels: Float32Array;
}

/**
 * Pixels a file may declare: what jpeg-js refuses by default. A local file
 * is the user's own, but a header can claim far more than the file holds.
 */
const MAX_FILE_PIXELS = 100_000_000;

/**
 * PNGs and JPEGs (told apart by their bytes, not their names) become one
 * input each, converted to the base's `shape`; IDX image files give all
 * their images, which must be of that shape.
 */
async function readInputs(file: string, shape: InputSpec): Promise<Input[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (sniffImage(bytes)) return [{ name: file, pixels: fitImage(decodeImage(bytes, file, MAX_FILE_PIXELS), shape) }];
  if (isGzip(bytes) || (bytes[0] === 0 && bytes[1] === 0)) {
    const idx = await decodeIdx(bytes, file);
    const found = idxImageShape(idx, file);
    if (!sameShape(found, shape)) throw new InputError(`${file}: IDX images are ${describeShape(found)}, but this base takes ${describeShape(shape)}`);
    const size = sizeOf(shape);
    return Array.from({ length: idx.dims[0] }, (_, i) => ({
      name: `${file}[${i}]`,
      pixels: Float32Array.from(idx.data.subarray(i * size, (i + 1) * size), (v) => v / 255),
    }));
  }
  throw new InputError(`${file}: not a PNG, JPEG or IDX image file`);
}

const BATCH = 512;

/** `count` images from `pixelsOf(i)` through base and head, in batches. */
function classifyAll(base: tf.LayersModel, head: tf.LayersModel, labels: string[], shape: InputSpec, count: number, pixelsOf: (i: number, out: Float32Array) => void): Prediction[] {
  const size = sizeOf(shape);
  const predictions: Prediction[] = [];
  for (let start = 0; start < count; start += BATCH) {
    const n = Math.min(BATCH, count - start);
    const pixels = new Float32Array(n * size);
    for (let i = 0; i < n; i++) pixelsOf(start + i, pixels.subarray(i * size, (i + 1) * size));
    predictions.push(...classify(base, head, labels, pixels, n));
  }
  return predictions;
}

/**
 * The labelled images of `set` whose class the head knows, with the head's
 * index of each; images of other classes are left out, with a warning.
 */
function knownExamples(set: ImageSet, labels: string[], log: Log): { examples: number[]; truth: number[] } {
  const headIndex = presentLabels(set).map((l) => [l, labels.indexOf(nameOf(set, l))] as const);
  const unknown = headIndex.filter(([, i]) => i < 0).map(([l]) => nameOf(set, l));
  if (unknown.length) log.warn(`the head does not know class${unknown.length > 1 ? 'es' : ''} ${unknown.join(', ')} (its classes: ${labels.join(', ')}); those images are left out`);
  const indexOf = new Map(headIndex);
  const examples: number[] = [];
  const truth: number[] = [];
  for (let i = 0; i < set.count; i++) {
    const t = indexOf.get(set.labels[i])!;
    if (t >= 0) {
      examples.push(i);
      truth.push(t);
    }
  }
  if (!examples.length) throw new InputError(`none of the data's classes (${unknown.join(', ')}) is one of the head's (${labels.join(', ')})`);
  return { examples, truth };
}

export async function runPredict(files: string[], flags: PredictFlags, log: Log = consoleLog): Promise<Prediction[]> {
  if (!files.length && !flags.data) throw new InputError('give image files (PNG, JPEG, IDX) to classify, or --data DIR to measure the head on labelled images');
  const baseFiles = await loadModelDir(flags.base);
  const shape = declaredInput(baseFiles, flags.base);
  const headFiles = await resolveHead(flags.head, flags.heads, flags.base);
  const inputs = (await Promise.all(files.map((f) => readInputs(f, shape)))).flat();
  const labelled = flags.data ? await loadTestData(flags.data, shape, log) : undefined;
  await startNodeBackend(toBackendOptions(flags), log.warn);
  const base = await loadBase(baseFiles, flags.base);
  try {
    const head = await loadHead(headFiles.files, base.hash, flags.head);
    try {
      const { labels } = head.metadata;
      const predictions = classifyAll(base.model, head.model, labels, shape, inputs.length, (i, out) => out.set(inputs[i].pixels));
      const rows = inputs.map((input, i) => ({ input: input.name, ...predictions[i] }));
      let measured: object | undefined;
      if (labelled) {
        const { examples, truth } = knownExamples(labelled, labels, log);
        const size = sizeOf(shape);
        const predicted = classifyAll(base.model, head.model, labels, shape, examples.length, (i, out) => {
          const src = labelled.images.subarray(examples[i] * size, (examples[i] + 1) * size);
          for (let p = 0; p < size; p++) out[p] = src[p] / 255;
        });
        const confusion = emptyConfusion(labels.length);
        tally(confusion, truth, predicted.map((p) => labels.indexOf(p.label)));
        const accuracy = matrixAccuracy(confusion);
        measured = { data: flags.data, images: examples.length, accuracy, labels, confusion, perClass: perClassResults(labels, confusion) };
        if (!flags.json) {
          log.info(`Accuracy on ${examples.length} images in ${new Set(truth).size} classes: ${(accuracy * 100).toFixed(2)}% (${describeShape(shape)} input)`);
          log.info(`Confusion matrix:\n${formatConfusion(labels, confusion)}`);
        }
      }
      if (flags.json) {
        log.info(JSON.stringify(measured ? { ...measured, predictions: rows } : rows, null, 2));
      } else if (rows.length) {
        const width = Math.max(...rows.map((r) => r.input.length));
        rows.forEach((r) => log.info(`${r.input.padEnd(width)}  ${r.label}  ${r.confidence.toFixed(4)}`));
      }
      return predictions;
    } finally {
      head.model.dispose();
    }
  } finally {
    base.model.dispose();
  }
}

export const predictCommand = () => {
  const cmd = new Command('predict')
    .description(
      "Classify PNG or JPEG images (any size, converted to the base's input shape) or IDX image files with the base and a head; " +
        'with --data, measure the head on labelled images',
    )
    .argument('[files...]', 'PNG or JPEG files and/or IDX image files (plain or .gz)')
    .option('--data <dir>', "labelled images: image folders (DIR/<class>/*, or DIR/test/<class>) or IDX files (their t10k test set); prints accuracy and the confusion matrix")
    .option('--base <dir>', 'base model directory', layout(DEFAULT_OUT).base)
    .option('--head <name|dir>', 'head name (head store, then the heads saved by transfer) or head directory', 'finetune')
    .option('--heads <dir>', 'head store directory', DEFAULT_HEADS_DIR)
    .option('--json', 'print predictions with all class probabilities (and, with --data, the measurement) as JSON');
  for (const option of backendOptions()) cmd.addOption(option);
  return cmd.action(async (files: string[], flags: PredictFlags) => {
    await runPredict(files, flags);
  });
};
