import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestWasm } from '../../helpers/backend.js';

describe('wasm Identity shares the buffer instead of copying it', () => {
  beforeAll(() => startTestWasm());

  it('a clone adds no buffer and outlives its source', async () => {
    const x = tf.tensor1d([1, 2, 3, 4]);
    const buffers = tf.memory().numDataBuffers;
    const copy = tf.clone(x);
    expect(tf.memory().numDataBuffers).toBe(buffers);
    x.dispose();
    expect(Array.from(await copy.data())).toEqual([1, 2, 3, 4]);
    copy.dispose();
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });

  it('tensors saved for the backward pass still give the right gradient', () => {
    const grad = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.relu(t))))(tf.tensor1d([-1, 2, 3])).arraySync());
    expect(grad).toEqual([0, 4, 6]);
  });
});
