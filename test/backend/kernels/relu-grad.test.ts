import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RELU_BIAS_GRAD, RELU_GRAD } from '../../../src/contract/custom-ops.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { randomValues, relativeError } from '../../helpers/compare.js';

describe('wasm ReLU gradient kernel', () => {
  forEachKernelPath(() => {
    // 4 * 7 + 3 values: SIMD groups and a JavaScript tail; exact zeros in y count as inactive.
    it('passes dy where y > 0 and gives 0 elsewhere, like dy * step(y)', () => {
      const y = randomValues(31, 3).map((v, i) => (i % 5 === 0 ? 0 : v));
      const dy = randomValues(31, 4);
      const got = tf.tidy(() => (tf.engine().runKernel(RELU_GRAD, { dy: tf.tensor(dy), y: tf.tensor(y) }) as tf.Tensor).arraySync());
      expect(got).toEqual(Array.from(dy, (g, i) => (y[i] > 0 ? g : 0)));
    });

    it('gives the same on a tensor large enough to be shared among threads', () => {
      const n = 4 * 24 * 24 * 32 + 3;
      const y = randomValues(n, 5);
      const dy = randomValues(n, 6);
      const got = tf.tidy(() => (tf.engine().runKernel(RELU_GRAD, { dy: tf.tensor(dy), y: tf.tensor(y) }) as tf.Tensor).dataSync());
      expect(Array.from(got)).toEqual(Array.from(dy, (g, i) => (y[i] > 0 ? g : 0)));
    });
  });
});

describe('wasm ReLU + bias gradient kernel', () => {
  /** dy where y > 0, and its sums per channel (the last axis), in float64. */
  function reference(dy: Float32Array, y: Float32Array, C: number) {
    const dz = Array.from(dy, (g, i) => (y[i] > 0 ? g : 0));
    const db = new Float64Array(C);
    dz.forEach((g, i) => (db[i % C] += g));
    return { dz, db: Array.from(db) };
  }
  const run = (dy: Float32Array, y: Float32Array, shape: number[], keepGrad: boolean) =>
    tf.tidy(() => {
      const out = tf.engine().runKernel(RELU_BIAS_GRAD, { dy: tf.tensor(dy, shape), y: tf.tensor(y, shape) }, { keepGrad }) as unknown as tf.Tensor[];
      return out.map((t) => ({ shape: t.shape, values: Array.from(t.dataSync()) }));
    });

  forEachKernelPath(() => {
    // Channels in SIMD vectors (8), not (5: JavaScript), and enough rows to be shared among threads (32 channels).
    for (const shape of [[2, 3, 3, 8], [2, 3, 3, 5], [8, 24, 24, 32]]) {
      it(`masks dy where y > 0 and sums it per channel, with and without the masked gradient: ${JSON.stringify(shape)}`, () => {
        const n = shape.reduce((a, b) => a * b);
        const C = shape[3];
        // Exact zeros in y count as inactive.
        const y = randomValues(n, 7).map((v, i) => (i % 7 === 0 ? 0 : v));
        const dy = randomValues(n, 8);
        const want = reference(dy, y, C);
        const before = tf.memory().numTensors;
        const [db, dz] = run(dy, y, shape, true);
        expect(db.shape).toEqual([C]);
        expect(dz.shape).toEqual(shape);
        expect(dz.values).toEqual(want.dz);
        expect(relativeError(Float32Array.from(db.values), Float32Array.from(want.db))).toBeLessThanOrEqual(1e-6);
        const alone = run(dy, y, shape, false);
        expect(alone).toHaveLength(1);
        expect(alone[0].values).toEqual(db.values);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
});

