import { readFile } from 'node:fs/promises';
import { Command } from 'commander';
import { classify, type Prediction } from '../../../core/model/classify.js';
import { InputError } from '../../../core/errors.js';
import { decodeIdx, isGzip } from '../../../core/data/idx.js';
import { loadBase, loadHead } from '../../../core/artifacts/loaded.js';
import { decodeImage, sniffImage } from '../../../core/data/image.js';
import { toInput } from '../../../service/images.js';
import { IMAGE, IMAGE_SIZE } from '../../../core/seed.js';
import { startNodeBackend } from '../backend.js';
import { DEFAULT_HEADS_DIR, resolveHead } from '../heads.js';
import { consoleLog, type Log } from '../log.js';
import { layout, loadModelDir } from '../model-files.js';
import { backendOptions, toBackendOptions, type BackendFlags } from '../options.js';
import { DEFAULT_OUT } from './transfer.js';

export interface PredictFlags extends BackendFlags {
  base: string;
  head: string;
  heads: string;
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

/** PNGs and JPEGs (told apart by their bytes, not their names) become one input each; IDX image files give all their images. */
async function readInputs(file: string): Promise<Input[]> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(file);
  } catch (err) {
    throw new InputError(`${file}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (err as Error).message}`);
  }
  if (sniffImage(bytes)) return [{ name: file, pixels: toInput(decodeImage(bytes, file, MAX_FILE_PIXELS)) }];
  if (isGzip(bytes) || (bytes[0] === 0 && bytes[1] === 0)) {
    const idx = await decodeIdx(bytes, file);
    if (idx.dims.length !== 3 || idx.dims[1] !== IMAGE.rows || idx.dims[2] !== IMAGE.cols) {
      throw new InputError(`${file}: IDX images must be N x 28 x 28, got ${idx.dims.join(' x ')}`);
    }
    return Array.from({ length: idx.dims[0] }, (_, i) => ({
      name: `${file}[${i}]`,
      pixels: Float32Array.from(idx.data.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), (v) => v / 255),
    }));
  }
  throw new InputError(`${file}: not a PNG, JPEG or IDX image file`);
}

const BATCH = 512;

export async function runPredict(files: string[], flags: PredictFlags, log: Log = consoleLog): Promise<Prediction[]> {
  const inputs = (await Promise.all(files.map(readInputs))).flat();
  const baseFiles = await loadModelDir(flags.base);
  const headFiles = await resolveHead(flags.head, flags.heads, flags.base);
  await startNodeBackend(toBackendOptions(flags), log.warn);
  const base = await loadBase(baseFiles, flags.base);
  try {
    const head = await loadHead(headFiles.files, base.hash, flags.head);
    try {
      const predictions: Prediction[] = [];
      for (let start = 0; start < inputs.length; start += BATCH) {
        const chunk = inputs.slice(start, start + BATCH);
        const pixels = new Float32Array(chunk.length * IMAGE_SIZE);
        chunk.forEach((input, i) => pixels.set(input.pixels, i * IMAGE_SIZE));
        predictions.push(...(classify(base.model, head.model, head.metadata.labels, pixels, chunk.length)));
      }
      if (flags.json) {
        log.info(JSON.stringify(inputs.map((input, i) => ({ input: input.name, ...predictions[i] })), null, 2));
      } else {
        const width = Math.max(...inputs.map((i) => i.name.length));
        inputs.forEach((input, i) => log.info(`${input.name.padEnd(width)}  ${predictions[i].label}  ${predictions[i].confidence.toFixed(4)}`));
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
    .description('Classify PNG or JPEG images (any size, MNIST-style preprocessing) or IDX image files with the base and a head')
    .argument('<files...>', 'PNG or JPEG files and/or IDX image files (plain or .gz)')
    .option('--base <dir>', 'base model directory', layout(DEFAULT_OUT).base)
    .option('--head <name|dir>', 'head name (head store, then the heads saved by transfer) or head directory', 'finetune')
    .option('--heads <dir>', 'head store directory', DEFAULT_HEADS_DIR)
    .option('--json', 'print predictions with all class probabilities as JSON');
  for (const option of backendOptions()) cmd.addOption(option);
  return cmd.action(async (files: string[], flags: PredictFlags) => {
    await runPredict(files, flags);
  });
};
