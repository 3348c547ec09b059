import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { dyShape, type ConvCase } from '../../helpers/conv-cases.js';

// Both of the model's convs (small batches: the cpu reference is slow), then
// SAME/VALID x stride 1/2 on odd sizes where windows do not tile the input.
const cases: ConvCase[] = [
  { name: 'model conv 1', x: [8, 28, 28, 1], filter: [3, 3, 1, 32], strides: 1, pad: 'valid' },
  { name: 'model conv 2', x: [3, 26, 26, 32], filter: [3, 3, 32, 32], strides: 1, pad: 'valid' },
  // One input channel: three columns of taps at a time (the model's conv 1 too), or one (5 columns).
  { name: 'valid stride 1, 1 to 16 channels, 2x3 filter', x: [5, 13, 10, 1], filter: [2, 3, 1, 16], strides: 1, pad: 'valid' },
  { name: 'valid stride 1, 1 to 16 channels, 3x5 filter', x: [3, 9, 12, 1], filter: [3, 5, 1, 16], strides: 1, pad: 'valid' },
  { name: 'same stride 1', x: [3, 9, 11, 4], filter: [3, 3, 4, 5], strides: 1, pad: 'same' },
  // Winograd (enough tiles, see winogradPays) for both gradients, with padding and edge tiles on odd sizes
  // (the input gradient as the forward's adjoint, then on images of more than 64 tiles as the transposed conv);
  // then for the filter gradient only (the input gradient's 4 output channels are too few).
  { name: 'same stride 1, 8 to 8 channels', x: [9, 21, 19, 8], filter: [3, 3, 8, 8], strides: 1, pad: 'same' },
  { name: 'same stride 1, 8 to 8 channels, 81 tiles an image', x: [2, 35, 33, 8], filter: [3, 3, 8, 8], strides: 1, pad: 'same' },
  { name: 'valid stride 1, 4 to 16 channels', x: [11, 18, 17, 4], filter: [3, 3, 4, 16], strides: 1, pad: 'valid' },
  { name: 'valid stride 2', x: [3, 10, 9, 4], filter: [3, 3, 4, 5], strides: 2, pad: 'valid' },
  { name: 'same stride 2', x: [2, 9, 10, 3], filter: [3, 2, 3, 6], strides: 2, pad: 'same' },
  { name: 'same stride 2 even kernel', x: [2, 8, 8, 2], filter: [4, 4, 2, 3], strides: 2, pad: 'same' },
];

describe('wasm conv gradient kernels match the cpu backend', () => {
  forEachKernelPath(() => {

    for (const c of cases) {
      it(`Conv2DBackpropFilter: ${c.name}`, async () => {
        const shape = dyShape(c);
        const xv = randomValues(tf.util.sizeFromShape(c.x), 1);
        const dyv = randomValues(tf.util.sizeFromShape(shape), 2);
        const run = () =>
          tf.engine().runKernel(
            'Conv2DBackpropFilter',
            { x: tf.tensor4d(xv, c.x), dy: tf.tensor4d(dyv, shape as never) },
            { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: c.filter },
          ) as tf.Tensor;
        const wasm = await onBackend('wasm', () => tf.tidy(run));
        const cpu = await onBackend('cpu', () => tf.tidy(run));
        expect(wasm.shape).toEqual(c.filter);
        expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(1e-5);
      });

      it(`Conv2DBackpropInput: ${c.name}`, async () => {
        const shape = dyShape(c);
        const fv = randomValues(tf.util.sizeFromShape(c.filter), 3);
        const dyv = randomValues(tf.util.sizeFromShape(shape), 4);
        const run = () =>
          tf.conv2dTranspose(tf.tensor4d(dyv, shape as never), tf.tensor4d(fv, c.filter), c.x, c.strides, c.pad);
        const wasm = await onBackend('wasm', () => tf.tidy(run));
        const cpu = await onBackend('cpu', () => tf.tidy(run));
        expect(wasm.shape).toEqual(c.x);
        expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(1e-5);
      });
    }

    it('the full conv2d gradient (both inputs) on the model shape matches', async () => {
      const c = { ...cases[1], x: [1, 26, 26, 32] as ConvCase['x'] };
      const xv = randomValues(tf.util.sizeFromShape(c.x), 5);
      const fv = randomValues(tf.util.sizeFromShape(c.filter), 6);
      const grads = (which: 0 | 1) => () =>
        tf.tidy(() => {
          const g = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.square(tf.relu(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, 1, 'valid')))));
          return g([tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.filter)])[which];
        });
      for (const which of [0, 1] as const) {
        const wasm = await onBackend('wasm', grads(which));
        const cpu = await onBackend('cpu', grads(which));
        expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(1e-5);
      }
    });

    it('leaves no tensors or wasm buffers behind', async () => {
      const c = cases[1];
      const before = tf.memory().numTensors;
      const bytesBefore = tf.memory().numBytes;
      tf.tidy(() => {
        const g = tf.grads((x: tf.Tensor, f: tf.Tensor) => tf.sum(tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.strides, c.pad)));
        const [dx, df] = g([tf.ones(c.x), tf.ones(c.filter)]);
        dx.dataSync();
        df.dataSync();
      });
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.memory().numBytes).toBe(bytesBefore);
      expect(tf.engine().backend.numDataIds()).toBe(before);
    });
  });
});
