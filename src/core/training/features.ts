import * as tf from '@tensorflow/tfjs';
import { featureRow, featureSet, ImageFeeder, span, type FeatureSet } from '../data/batches.js';
import type { ClassSet } from '../data/dataset.js';
import { InputError } from '../errors.js';
import { infer } from '../model/inference.js';
import { outputSize } from '../model/model.js';
import { TrainingStopped } from './train.js';

/** Default bound on cached features: 2 GiB holds all 60k MNIST images' 4608-d features (1.1 GB). */
export const DEFAULT_MAX_FEATURE_BYTES = 2 * 1024 ** 3;

export interface ExtractOptions {
  batchSize?: number;
  maxBytes?: number;
  onProgress?(done: number, total: number): void;
  /** Stops extraction (TrainingStopped) between batches. */
  signal?: AbortSignal;
  /** Awaited between batches, so a service answers other requests meanwhile. */
  pause?: () => Promise<void>;
}

/**
 * Runs the frozen base once over `set` in inference mode (feature Dropout
 * off) and keeps the features in plain Float32Arrays, one per batch as read
 * off the backend, not in tensors: tens of thousands of 4608-d rows would
 * crowd the wasm heap, while training only ever needs one batch of them at
 * a time on the backend.
 */
export async function extractFeatures(base: tf.LayersModel, set: ClassSet, options: ExtractOptions = {}): Promise<FeatureSet> {
  const batchSize = options.batchSize ?? 256;
  const dim = outputSize(base);
  const bytes = set.count * dim * 4;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_FEATURE_BYTES;
  if (bytes > maxBytes) {
    throw new InputError(
      `caching features of ${set.count} images needs ${(bytes / 2 ** 20).toFixed(0)} MiB, over the limit of ` +
        `${(maxBytes / 2 ** 20).toFixed(0)} MiB; use fewer examples or raise the limit`,
    );
  }
  const blocks: Float32Array[] = [];
  const images = new ImageFeeder(set);
  for (let start = 0; start < set.count; start += batchSize) {
    if (options.signal?.aborted) throw new TrainingStopped('training stopped');
    const end = Math.min(start + batchSize, set.count);
    const { xs, ys } = images.batch(span(start, end));
    const out = tf.tidy(() => infer(base, xs));
    // data() is a copy on every backend but cpu, whose array it is anyway once out is disposed.
    blocks.push((await out.data()) as Float32Array);
    tf.dispose([xs, ys, out]);
    options.onProgress?.(end, set.count);
    await options.pause?.();
  }
  return { blocks, blockRows: batchSize, labels: set.labels, count: set.count, dim, classes: set.classes };
}

/** The rows of `set` at `indices`, copied. */
export function featureSubset(set: FeatureSet, indices: ArrayLike<number>): FeatureSet {
  const features = new Float32Array(indices.length * set.dim);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    features.set(featureRow(set, indices[i]), i * set.dim);
    labels[i] = set.labels[indices[i]];
  }
  return featureSet(features, labels, set.dim, set.classes);
}
