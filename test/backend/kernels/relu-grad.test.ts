import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { RELU_GRAD } from '../../../src/contract/custom-ops.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { randomValues } from '../../helpers/compare.js';

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
