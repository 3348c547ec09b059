import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startTestWasm } from '../../helpers/backend.js';

describe('wasm Identity and same-dtype Cast share the buffer instead of copying it', () => {
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

  it('a cast to its own dtype adds no buffer; a cast to another dtype converts', async () => {
    const x = tf.tensor1d([1.5, -2.25, 3]);
    const buffers = tf.memory().numDataBuffers;
    const same = tf.cast(x, 'float32');
    expect(tf.memory().numDataBuffers).toBe(buffers);
    const ints = tf.cast(x, 'int32');
    expect(tf.memory().numDataBuffers).toBe(buffers + 1);
    x.dispose();
    expect(Array.from(await same.data())).toEqual([1.5, -2.25, 3]);
    expect(ints.dtype).toBe('int32');
    expect(Array.from(await ints.data())).toEqual([1, -2, 3]);
    tf.dispose([same, ints]);
    expect(tf.memory().numDataBuffers).toBe(buffers - 1);
  });

  it('tensors saved for the backward pass still give the right gradient', () => {
    const grad = tf.tidy(() => tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.relu(t), tf.relu(t))))(tf.tensor1d([-1, 2, 3])).arraySync());
    expect(grad).toEqual([0, 4, 6]);
  });
});
