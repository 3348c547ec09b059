import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { forEachKernelPath } from '../../helpers/backend.js';
import { POOL_RELU_GRAD } from '../../../src/contract/custom-ops.js';
import { expectLikeCpu, onBackend, randomValues, relativeError } from '../../helpers/compare.js';

describe('wasm MaxPool, MaxPoolGrad and leading-axes Sum match the cpu backend', () => {
  forEachKernelPath(() => {
    // The SIMD pool (2x2 windows tiling the input, channels in 4s: the model's
    // pool, several chunks of rows and a short last one, batch 1), then pools
    // the stock kernel keeps.
    const forward: Array<{ x: [number, number, number, number]; size: number; strides: number; pad: 'valid' | 'same' }> = [
      { x: [11, 24, 24, 32], size: 2, strides: 2, pad: 'valid' },
      { x: [1, 6, 10, 8], size: 2, strides: 2, pad: 'same' },
      { x: [2, 7, 9, 4], size: 2, strides: 2, pad: 'valid' },
      { x: [2, 8, 8, 6], size: 2, strides: 2, pad: 'valid' },
      { x: [2, 9, 9, 4], size: 3, strides: 2, pad: 'same' },
    ];
    for (const p of forward) {
      it(`MaxPool ${JSON.stringify(p)}`, async () => {
        const xv = randomValues(tf.util.sizeFromShape(p.x), 4);
        const run = () => tf.tidy(() => tf.maxPool(tf.tensor4d(xv, p.x), p.size, p.strides, p.pad));
        await expectLikeCpu(run, 0);
      });
    }

    const pools: Array<{ x: [number, number, number, number]; size: number; strides: number; pad: 'valid' | 'same' }> = [
      { x: [4, 24, 24, 32], size: 2, strides: 2, pad: 'valid' },
      { x: [2, 7, 9, 3], size: 3, strides: 2, pad: 'same' },
      { x: [2, 8, 8, 5], size: 3, strides: 1, pad: 'valid' },
    ];
    for (const p of pools) {
      it(`MaxPoolGrad ${JSON.stringify(p)}, with ties like ReLU zeros`, async () => {
        // Half the values clamped to 0, as after a ReLU: whole windows tie.
        const xv = randomValues(tf.util.sizeFromShape(p.x), 5).map((v) => Math.max(0, v));
        const run = () =>
          tf.tidy(() => {
            const x = tf.tensor4d(xv, p.x);
            const g = tf.grad((t: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(t as tf.Tensor4D, p.size, p.strides, p.pad), tf.range(1, 1 + tf.util.sizeFromShape(tf.maxPool(x, p.size, p.strides, p.pad).shape)).reshape(tf.maxPool(x, p.size, p.strides, p.pad).shape))));
            return g(x);
          });
        const wasm = await onBackend('wasm', run);
        const cpu = await onBackend('cpu', run);
        expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
      });
    }

    for (const p of pools) {
      it(`${POOL_RELU_GRAD} ${JSON.stringify(p)}: MaxPoolGrad then the ReLU's gradient, in one pass`, async () => {
        // Pre-activations: about half the pool's inputs are ReLU zeros.
        const zv = randomValues(tf.util.sizeFromShape(p.x), 6);
        const pooled = tf.tidy(() => tf.maxPool(tf.zeros(p.x) as tf.Tensor4D, p.size, p.strides, p.pad).shape);
        // Whole numbers, so overlapping windows sum exactly in any order.
        const dpv = randomValues(tf.util.sizeFromShape(pooled), 7).map((v) => Math.round(100 * v));
        const wasm = await onBackend('wasm', () =>
          tf.tidy(() => {
            const attrs = { filterSize: [p.size, p.size], strides: [p.strides, p.strides], pad: p.pad, dimRoundingMode: undefined as unknown as string };
            return tf.engine().runKernel(POOL_RELU_GRAD, { dy: tf.tensor(dpv, pooled), input: tf.relu(tf.tensor4d(zv, p.x)) }, attrs) as tf.Tensor;
          }),
        );
        const cpu = await onBackend('cpu', () =>
          tf.tidy(() => tf.grad((z: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(tf.relu(z) as tf.Tensor4D, p.size, p.strides, p.pad), tf.tensor(dpv, pooled))))(tf.tensor4d(zv, p.x))),
        );
        expect(relativeError(wasm.values, cpu.values)).toBe(0);
        expect(wasm.values.some((v) => v !== 0)).toBe(true);
      });
    }

    for (const [shape, axis] of [
      [[8, 26, 26, 32], [0, 1, 2]],
      [[100, 7], [0]],
      [[3, 4, 5], [1, 0]],
      [[3, 4, 5], [0, 2]],
    ] as Array<[number[], number[]]>) {
      it(`Sum ${JSON.stringify(shape)} over ${JSON.stringify(axis)}`, async () => {
        const xv = randomValues(tf.util.sizeFromShape(shape), 9);
        for (const keepDims of [false, true]) {
          const run = () => tf.tidy(() => tf.sum(tf.tensor(xv, shape), axis, keepDims));
          await expectLikeCpu(run, 1e-5);
        }
      });
    }
  });
});
