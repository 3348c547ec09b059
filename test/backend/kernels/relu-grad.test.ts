import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RELU_BIAS_GRAD } from '../../../src/contract/custom-ops.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';

describe('wasm ReLU + bias gradient kernel', () => {
  const run = (dy: Float32Array, y: Float32Array, shape: number[], keepGrad: boolean) =>
    tf.tidy(() => {
      const out = tf.engine().runKernel(RELU_BIAS_GRAD, { dy: tf.tensor(dy, shape), y: tf.tensor(y, shape) }, { keepGrad }) as unknown as tf.Tensor[];
      return out.map((t) => ({ shape: t.shape, values: t.dataSync() as Float32Array }));
    });

  forEachKernelPath(() => {
    // Channels in SIMD vectors (8), not (5: JavaScript), and enough rows to be shared among threads (32 channels).
    for (const shape of [[2, 3, 3, 8], [2, 3, 3, 5], [8, 24, 24, 32]]) {
      it(`gives dy * step(y) and its sum over all but the channels as cpu does, with and without the former: ${JSON.stringify(shape)}`, async () => {
        const n = shape.reduce((a, b) => a * b);
        // Exact zeros in y count as inactive.
        const y = randomValues(n, 7).map((v, i) => (i % 7 === 0 ? 0 : v));
        const dy = randomValues(n, 8);
        const masked = () => tf.mul(tf.tensor(dy, shape), tf.step(tf.tensor(y, shape)));
        const wantDz = await onBackend('cpu', masked);
        const wantDb = await onBackend('cpu', () => tf.sum(masked(), [0, 1, 2]));
        const before = tf.memory().numTensors;
        const [db, dz] = run(dy, y, shape, true);
        expect(dz.shape).toEqual(shape);
        // Exactly (cpu's 0 * -g is -0, the kernel's +0: the same value).
        expect(relativeError(dz.values, wantDz.values)).toBe(0);
        expect(db.shape).toEqual(wantDb.shape);
        expect(relativeError(db.values, wantDb.values)).toBeLessThanOrEqual(1e-5);
        const alone = run(dy, y, shape, false);
        expect(alone).toHaveLength(1);
        expect(relativeError(alone[0].values, db.values)).toBe(0);
        expect(tf.memory().numTensors).toBe(before);
      });
    }
  });
});
