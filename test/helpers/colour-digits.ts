import { selectClasses, type ImageSet } from '../../src/core/data/dataset.js';
import { inputSpec, sizeOf } from '../../src/core/data/input-shape.js';
import { fitImage } from '../../src/core/data/preprocess.js';
import { runTransfer, type TransferResult } from '../../src/core/experiment/transfer.js';
import { baselineJpeg, inkOnPaper } from './jpeg.js';
import { mnist } from './mnist.js';
import { saveTransfer } from './models.js';

/** The input the colour tests use: 32x32 RGB, resized. */
export const COLOUR_SPEC = inputSpec({ rows: 32, cols: 32, channels: 3 });

/** An MNIST digit as an RGB picture: ink and paper colours that vary per image (so they say nothing of the class), `scale` times its size. */
export function colourDigit(set: ImageSet, i: number, scale: number) {
  const tints = [[20, 30, 140], [150, 20, 20], [10, 110, 40]];
  const { data, width, height } = inkOnPaper(set.images.subarray(i * 784, (i + 1) * 784), 28, 28, { scale, ink: tints[i % 3], paper: [250, 240, 200 - 60 * (i % 2)] });
  return { width, height, rgb: Uint8Array.from({ length: width * height * 3 }, (_, k) => data[Math.floor(k / 3) * 4 + (k % 3)]) };
}

/** Digit `i` of `set` as a colour JPEG at twice MNIST's size. */
export function colourDigitJpeg(set: ImageSet, i: number): Uint8Array {
  const { width, height, rgb } = colourDigit(set, i, 2);
  return baselineJpeg(rgb, width, height, 3);
}

/** Colour digits at 32x32x3, as a transfer reads them from image folders. */
function colourSet(set: ImageSet): ImageSet {
  const size = sizeOf(COLOUR_SPEC);
  const images = new Uint8Array(set.count * size);
  for (let i = 0; i < set.count; i++) {
    const { width, height, rgb } = colourDigit(set, i, 1);
    const input = fitImage({ width, height, channels: 3, data: Float32Array.from(rgb, (v) => v / 255) }, COLOUR_SPEC);
    images.set(Uint8Array.from(input, (v) => Math.round(v * 255)), i * size);
  }
  return { ...set, images, shape: COLOUR_SPEC };
}

/**
 * A small real 32x32x3 base + heads from colour digits (2 epochs on 3,000
 * images of 5-9, a cached head on 0-4), saved as `edgetune transfer` saves
 * them. The wasm backend must already be started.
 */
export async function colourModels(seed = 4): Promise<{ out: string; result: TransferResult }> {
  const data = await mnist();
  const all = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9];
  const result = await runTransfer(
    { train: colourSet(selectClasses(data.train, all, 8000)), test: colourSet(selectClasses(data.test, all, 1000)) },
    'colour-digits',
    { name: 'wasm', simd: true, threads: 2 },
    { pretrainClasses: [5, 6, 7, 8, 9], finetuneClasses: [0, 1, 2, 3, 4], epochs: 2, finetuneEpochs: 2, batchSize: 128, seed, limit: 3000, finetuneModes: ['cached'] },
    { log: () => {}, progress: () => ({}) },
  );
  return { out: await saveTransfer(result), result };
}
