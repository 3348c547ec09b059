import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KERAS_ADADELTA } from '../../../src/contract/custom-ops.js';
import { KerasAdadelta } from '../../../src/core/ops/adadelta.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { randomValues, relativeError } from '../../helpers/compare.js';

/** Three Adadelta steps on one variable; returns its final values. */
async function threeSteps(backend: string): Promise<Float32Array> {
  await tf.setBackend(backend);
  const w = tf.tidy(() => tf.variable(tf.tensor(randomValues(4607 * 17, 1), [4607, 17])));
  const opt = new KerasAdadelta(0.9, 0.95, 1e-7);
  for (let step = 0; step < 3; step++) {
    const g = tf.tensor(randomValues(4607 * 17, 10 + step), [4607, 17]);
    opt.applyGradients({ [w.name]: g });
    g.dispose();
  }
  const values = w.dataSync().slice() as Float32Array;
  opt.dispose();
  w.dispose();
  return values;
}

describe('fused Keras Adadelta kernel on wasm', () => {
  forEachKernelPath(() => {
    beforeAll(async () => {
      // Initialise the cpu backend once, so the tensor count below sees only this test's tensors.
      await tf.setBackend('cpu');
      await tf.setBackend('wasm');
    });

    it('is registered for wasm only; cpu uses the tf-ops update', () => {
      expect(tf.getKernel(KERAS_ADADELTA, 'wasm')).toBeDefined();
      expect(tf.getKernel(KERAS_ADADELTA, 'cpu')).toBeUndefined();
    });

    it('gives the same weights as the op-by-op update on cpu after three steps', async () => {
      const before = tf.memory().numTensors;
      const fused = await threeSteps('wasm');
      const ops = await threeSteps('cpu');
      await tf.setBackend('wasm');
      expect(relativeError(fused, ops)).toBeLessThanOrEqual(1e-6);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
