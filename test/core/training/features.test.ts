import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFromFiles } from '../../../src/core/artifacts/artifacts.js';
import { FeatureFeeder, featureRow, ImageFeeder, span } from '../../../src/core/data/batches.js';
import { InputError } from '../../../src/core/errors.js';
import { infer } from '../../../src/core/model/inference.js';
import { extractFeatures, featureSubset } from '../../../src/core/training/features.js';
import { startTestWasm } from '../../helpers/backend.js';
import { subset } from '../../helpers/mnist.js';
import { quickModels } from '../../helpers/models.js';

describe('cached features', () => {
  let base: tf.Sequential;
  beforeAll(async () => {
    await startTestWasm();
    base = (await modelFromFiles((await quickModels()).result.base)) as tf.Sequential;
  });

  /** The base's features of the images at `indices` of `set`, in one batch, straight from the model. */
  const direct = async (set: Awaited<ReturnType<typeof subset>>['train'], indices: number[]) => {
    const { xs, ys } = new ImageFeeder(set).batch(indices);
    const out = tf.tidy(() => infer(base, xs));
    const values = (await out.data()) as Float32Array;
    tf.dispose([xs, ys, out]);
    return values;
  };

  it('keeps every batch as read, in blocks, and finds each row where it belongs', async () => {
    const { train } = await subset([0, 1, 2, 3, 4], 50);
    const tensors = tf.memory().numTensors;
    // 50 images in batches of 16: blocks of 16, 16, 16 and 2 rows.
    const set = await extractFeatures(base, train, { batchSize: 16 });
    expect(tf.memory().numTensors).toBe(tensors);
    expect(set.blocks.map((b) => b.length / set.dim)).toEqual([16, 16, 16, 2]);
    expect(set.count).toBe(50);
    const rows = [0, 15, 16, 31, 47, 48, 49];
    const expected = await direct(train, rows);
    rows.forEach((row, i) => {
      expect(Array.from(featureRow(set, row))).toEqual(Array.from(expected.subarray(i * set.dim, (i + 1) * set.dim)));
    });

    // A subset and a feeder's batch take rows across blocks.
    const picked = featureSubset(set, [49, 0, 17]);
    expect(picked.blocks).toHaveLength(1);
    expect(Array.from(picked.labels)).toEqual([set.labels[49], set.labels[0], set.labels[17]]);
    expect(Array.from(featureRow(picked, 0))).toEqual(Array.from(featureRow(set, 49)));
    expect(Array.from(featureRow(picked, 2))).toEqual(Array.from(featureRow(set, 17)));
    const { xs, ys } = new FeatureFeeder(set).batch(span(14, 18));
    const batch = (await xs.data()) as Float32Array;
    for (let i = 0; i < 4; i++) expect(Array.from(batch.subarray(i * set.dim, (i + 1) * set.dim))).toEqual(Array.from(featureRow(set, 14 + i)));
    tf.dispose([xs, ys]);
  });

  it('refuses a set whose features would pass the limit, before extracting any', async () => {
    const { train } = await subset([0, 1], 20);
    const tensors = tf.memory().numTensors;
    await expect(extractFeatures(base, train, { maxBytes: 20 * 4608 * 4 - 1 })).rejects.toThrow(InputError);
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
