import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RELU_BIAS_GRAD } from '../../../src/contract/custom-ops.js';
import { fusedConv2d } from '../../../src/core/ops/fused-conv.js';
import { startTestWasm } from '../../helpers/backend.js';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';

const x0 = randomValues(2 * 9 * 9 * 3, 1);
const w0 = randomValues(3 * 3 * 3 * 4, 2);
const b0 = randomValues(4, 3);

/** Loss gradients (x, filter, bias) through the fused op or the same ops apart. */
function gradients(fused: boolean, activation: 'relu' | 'linear', pad: 'valid' | 'same', strides: number) {
  return () =>
    tf.tidy(() => {
      const weights = tf.range(1, 1 + 2 * 9 * 9 * 4).reshape([2, 9, 9, 4]);
      const loss = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
        const y = fused
          ? fusedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, { strides: [strides, strides], pad, activation })
          : tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad), b);
        const out = activation === 'relu' && !fused ? tf.relu(y) : y;
        return tf.sum(tf.mul(out, tf.slice(weights, 0, out.shape as number[])));
      };
      const [dx, dw, db] = tf.grads(loss)([tf.tensor4d(x0, [2, 9, 9, 3]), tf.tensor4d(w0, [3, 3, 3, 4]), tf.tensor1d(b0)]);
      return tf.concat([dx.flatten(), dw.flatten(), db.flatten()]);
    });
}

describe('fused conv + bias + activation for training', () => {
  beforeAll(() => startTestWasm());

  for (const [activation, pad, strides] of [
    ['relu', 'valid', 1],
    ['relu', 'same', 2],
    ['linear', 'same', 1],
  ] as const) {
    it(`gives the gradients of conv2d, add and ${activation} apart (${pad}, stride ${strides}) on wasm and cpu`, async () => {
      const reference = await onBackend('cpu', gradients(false, activation, pad, strides));
      for (const backend of ['wasm', 'cpu']) {
        const fused = await onBackend(backend, gradients(true, activation, pad, strides));
        expect(relativeError(fused.values, reference.values)).toBeLessThanOrEqual(1e-5);
      }
    });
  }

  it('computes only the gradients asked for: none for the input of a first layer', async () => {
    const x = tf.tensor4d(x0, [2, 9, 9, 3]);
    const w = tf.variable(tf.tensor4d(w0, [3, 3, 3, 4]));
    const b = tf.variable(tf.tensor1d(b0));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(fusedConv2d(x, w, b, { strides: [1, 1], pad: 'valid', activation: 'relu' })), [w, b]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const kernels = profile.kernels.map((k) => k.name);
    expect(kernels).toContain('Conv2DBackpropFilter');
    expect(kernels).not.toContain('Conv2DBackpropInput');
    // The bias gradient is summed as the ReLU's gradient is made, not read back by a Sum (the one Sum is the loss).
    expect(kernels).toContain(RELU_BIAS_GRAD);
    expect(kernels.filter((k) => k === 'Sum')).toHaveLength(1);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });
});
