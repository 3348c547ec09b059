import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { RELU_BIAS_GRAD, RELU_CONV_FILTER_GRAD } from '../../../src/contract/custom-ops.js';
import { fusedConv2d } from '../../../src/core/ops/fused-conv.js';
import { startTestWasm } from '../../helpers/backend.js';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';

type Conv = { activation: 'relu' | 'linear'; pad: 'valid' | 'same'; strides: number; C: number; CO: number; dataInput?: boolean };

/** Loss gradients (x, filter, bias) through the fused op or the same ops apart. */
function gradients(fused: boolean, { activation, pad, strides, C, CO, dataInput }: Conv) {
  const [xShape, wShape] = [[2, 9, 9, C], [3, 3, C, CO]] as const;
  const [x0, w0, b0] = [randomValues(2 * 9 * 9 * C, 1), randomValues(9 * C * CO, 2), randomValues(CO, 3)];
  return () =>
    tf.tidy(() => {
      const weights = tf.range(1, 1 + 2 * 9 * 9 * CO).reshape([2, 9, 9, CO]);
      const loss = (x: tf.Tensor, w: tf.Tensor, b: tf.Tensor) => {
        const y = fused
          ? fusedConv2d(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D, { strides: [strides, strides], pad, activation, dataInput })
          : tf.add(tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides, pad), b);
        const out = activation === 'relu' && !fused ? tf.relu(y) : y;
        return tf.sum(tf.mul(out, tf.slice(weights, 0, out.shape as number[])));
      };
      const [dx, dw, db] = tf.grads(loss)([tf.tensor4d(x0, [...xShape]), tf.tensor4d(w0, [...wShape]), tf.tensor1d(b0)]);
      return tf.concat([dx.flatten(), dw.flatten(), db.flatten()]);
    });
}

describe('fused conv + bias + activation for training', () => {
  beforeAll(() => startTestWasm());

  // The last two on the model's input, where the filter and bias gradients
  // come from one kernel (one input channel: its SIMD pass), and the input's
  // is made only because the test asks for it.
  const convs: Conv[] = [
    { activation: 'relu', pad: 'valid', strides: 1, C: 3, CO: 4 },
    { activation: 'relu', pad: 'same', strides: 2, C: 3, CO: 4 },
    { activation: 'linear', pad: 'same', strides: 1, C: 3, CO: 4 },
    { activation: 'relu', pad: 'valid', strides: 1, C: 3, CO: 4, dataInput: true },
    { activation: 'relu', pad: 'valid', strides: 1, C: 1, CO: 8, dataInput: true },
  ];
  for (const conv of convs) {
    const { activation, pad, strides, C, CO, dataInput } = conv;
    it(`gives the gradients of conv2d, add and ${activation} apart (${pad}, stride ${strides}, ${C} to ${CO} channels${dataInput ? ', on the input' : ''}) on wasm and cpu`, async () => {
      const reference = await onBackend('cpu', gradients(false, conv));
      for (const backend of ['wasm', 'cpu']) {
        const fused = await onBackend(backend, gradients(true, conv));
        expect(relativeError(fused.values, reference.values)).toBeLessThanOrEqual(1e-5);
      }
    });
  }

  it('computes only the gradients asked for: none for the input of a first layer', async () => {
    const x = tf.tensor4d(randomValues(2 * 9 * 9 * 3, 1), [2, 9, 9, 3]);
    const w = tf.variable(tf.tensor4d(randomValues(9 * 3 * 4, 2), [3, 3, 3, 4]));
    const b = tf.variable(tf.tensor1d(randomValues(4, 3)));
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

  it("on the model's input, makes the filter and bias gradients in one kernel from dy, without the masked dy", async () => {
    const x = tf.tensor4d(randomValues(2 * 9 * 9, 1), [2, 9, 9, 1]);
    const w = tf.variable(tf.tensor4d(randomValues(9 * 8, 2), [3, 3, 1, 8]));
    const b = tf.variable(tf.tensor1d(randomValues(8, 3)));
    const before = tf.memory().numTensors;
    const profile = await tf.profile(() => {
      const attrs = { strides: [1, 1] as [number, number], pad: 'valid' as const, activation: 'relu' as const, dataInput: true };
      const { value, grads } = tf.variableGrads(() => tf.sum(fusedConv2d(x, w, b, attrs)), [w, b]);
      tf.dispose([value, ...Object.values(grads)]);
    });
    const kernels = profile.kernels.map((k) => k.name);
    expect(kernels).toContain(RELU_CONV_FILTER_GRAD);
    for (const apart of ['Conv2DBackpropFilter', 'Conv2DBackpropInput', RELU_BIAS_GRAD]) expect(kernels).not.toContain(apart);
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, w, b]);
  });
});
