import * as tf from '@tensorflow/tfjs';
import { DROPOUT_MASK, type DropoutMaskAttrs } from '../../contract/custom-ops.js';
import { fillDropoutMask } from '../../contract/dropout-mask.js';

/** A dropout's seed for the mask generator (a uint32), drawn from `random` so --seed repeats a run. */
export const dropoutSeed = (random: () => number): number => Math.floor(random() * 4294967296);

/**
 * The dropout mask of `shape` for `seed` (see dropoutSeed). Made on the
 * backend where it has the kernel: in JavaScript it was 8 ms of every
 * training step of the CNN.
 */
export function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  const attrs: DropoutMaskAttrs = { shape, rate, seed };
  if (tf.getKernel(DROPOUT_MASK, tf.getBackend()) != null) {
    return tf.engine().runKernel(DROPOUT_MASK, {}, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
  }
  const mask = new Float32Array(tf.util.sizeFromShape(shape));
  fillDropoutMask(mask, 0, seed, rate);
  return tf.tensor(mask, shape);
}

/** x with a dropout applied: times its mask for `seed` (the gradient is the same product). */
export const dropout = <T extends tf.Tensor>(x: T, rate: number, seed: number): T => tf.mul(x, dropoutMask(x.shape, rate, seed));
