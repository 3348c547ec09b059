import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { infer } from '../../../src/core/model/inference.js';
import { buildModel, disposeModels } from '../../../src/core/model/model.js';
import { startTestWasm } from '../../helpers/backend.js';
import { randomValues, relativeError } from '../../helpers/compare.js';

describe('the compiled inference pass', () => {
  beforeAll(async () => {
    await startTestWasm();
  });

  it('gives what model.predict gives, with fused conv/dense + ReLU, and leaks nothing', () => {
    const model = buildModel(5, 3);
    const x = tf.tensor4d(randomValues(16 * 784, 2).map((v) => Math.abs(v)), [16, 28, 28, 1]);
    const before = tf.memory().numTensors;
    const fast = tf.tidy(() => infer(model, x).dataSync().slice()) as Float32Array;
    const reference = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync().slice()) as Float32Array;
    expect(relativeError(fast, reference)).toBeLessThan(1e-5);
    expect(tf.memory().numTensors).toBe(before);
    // Weights changed after compiling are what the next call uses.
    tf.tidy(() => {
      model.layers[10].weights[1].write(tf.fill([5], 3));
    });
    const changed = tf.tidy(() => infer(model, x).dataSync().slice()) as Float32Array;
    const expected = tf.tidy(() => (model.predict(x) as tf.Tensor).dataSync().slice()) as Float32Array;
    expect(relativeError(changed, expected)).toBeLessThan(1e-5);
    x.dispose();
    disposeModels([model]);
  });
});
