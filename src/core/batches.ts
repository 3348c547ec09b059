import * as tf from '@tensorflow/tfjs';
import type { ClassSet } from './dataset.js';
import { IMAGE, IMAGE_SIZE } from './seed.js';

export interface Batch {
  xs: tf.Tensor4D;
  ys: tf.Tensor2D;
  size: number;
}

/**
 * Builds batches straight from the dataset's bytes into reusable typed
 * arrays, then one tensor each: slicing one big tensor on the wasm backend
 * costs ~100 ms per 128-image batch, filling a buffer well under 1 ms.
 */
export class BatchFeeder {
  private readonly pixels: Float32Array;
  private readonly onehot: Float32Array;

  constructor(
    private readonly set: ClassSet,
    readonly batchSize: number,
  ) {
    this.pixels = new Float32Array(batchSize * IMAGE_SIZE);
    this.onehot = new Float32Array(batchSize * set.classes.length);
  }

  get numClasses(): number {
    return this.set.classes.length;
  }

  /** Number of batches needed to cover `count` examples. */
  steps(count = this.set.count): number {
    return Math.ceil(count / this.batchSize);
  }

  /** The batch of examples `indices` (dataset positions); the caller disposes it. */
  batch(indices: ArrayLike<number>): Batch {
    const size = indices.length;
    const k = this.numClasses;
    const { images, labels } = this.set;
    this.onehot.fill(0, 0, size * k);
    for (let b = 0; b < size; b++) {
      const src = indices[b] * IMAGE_SIZE;
      const dst = b * IMAGE_SIZE;
      for (let p = 0; p < IMAGE_SIZE; p++) this.pixels[dst + p] = images[src + p] / 255;
      this.onehot[b * k + labels[indices[b]]] = 1;
    }
    return {
      xs: tf.tensor4d(this.pixels.subarray(0, size * IMAGE_SIZE), [size, IMAGE.rows, IMAGE.cols, IMAGE.channels]),
      ys: tf.tensor2d(this.onehot.subarray(0, size * k), [size, k]),
      size,
    };
  }

  /** Consecutive examples start..start+batchSize (for evaluation, in dataset order). */
  range(start: number): Batch {
    const end = Math.min(start + this.batchSize, this.set.count);
    return this.batch(Array.from({ length: end - start }, (_, i) => start + i));
  }
}
