import * as tf from '@tensorflow/tfjs';
import { infer } from './inference.js';
import { sizeOf } from '../data/input-shape.js';
import { inputShapeOf } from './model.js';

export interface Prediction {
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
}

/**
 * Classifies `count` images of the base's input shape (values in [0, 1], row-major, back to back)
 * with base + head, in inference mode. Synchronous (the wasm and cpu
 * backends read results in place), so a batch runs to completion in one turn.
 */
export function classify(
  base: tf.LayersModel,
  head: tf.LayersModel,
  labels: readonly string[],
  pixels: Float32Array,
  count: number,
): Prediction[] {
  const probs = tf.tidy(() => {
    const shape = inputShapeOf(base);
    const xs = tf.tensor4d(pixels.subarray(0, count * sizeOf(shape)), [count, shape.rows, shape.cols, shape.channels]);
    return infer(head, infer(base, xs));
  });
  const values = probs.dataSync() as Float32Array;
  probs.dispose();
  const k = labels.length;
  return Array.from({ length: count }, (_, i) => {
    const row = values.subarray(i * k, (i + 1) * k);
    let best = 0;
    for (let j = 1; j < k; j++) if (row[j] > row[best]) best = j;
    return {
      label: labels[best],
      confidence: row[best],
      probabilities: Object.fromEntries(labels.map((l, j) => [l, row[j]])),
    };
  });
}
