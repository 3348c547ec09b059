import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { simdPool } from '../../../src/backend/simd/kernels.js';
import { winogradPays } from '../../../src/backend/kernels/winograd.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';

type Case = {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  pad: 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
  strides?: number;
  bias: boolean;
  activation: 'relu' | 'linear';
};

// Batches large enough for Winograd on every path (≥ 2048 tiles of 4x4
// outputs, see winogradPays) with its edges: padding (read as zeros), output
// sizes that are not whole tiles, no bias, no ReLU. Then shapes that go to
// the stock kernel: the model's conv at a small batch, odd channels, stride 2.
const cases: Case[] = [
  { name: 'valid, whole tiles', x: [32, 34, 34, 4], filter: [3, 3, 4, 8], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'same, odd sizes, no bias', x: [32, 33, 35, 8], filter: [3, 3, 8, 4], pad: 'same', bias: false, activation: 'linear' },
  { name: 'explicit uneven padding', x: [34, 30, 33, 4], filter: [3, 3, 4, 8], pad: [[0, 0], [2, 1], [0, 2], [0, 0]], bias: true, activation: 'relu' },
  { name: 'stock: model conv 2 at batch 3', x: [3, 26, 26, 32], filter: [3, 3, 32, 32], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'stock: odd channels', x: [2, 8, 8, 3], filter: [3, 3, 3, 5], pad: 'same', bias: true, activation: 'relu' },
  { name: 'stock: stride 2', x: [2, 9, 9, 4], filter: [3, 3, 4, 4], pad: 'same', strides: 2, bias: true, activation: 'relu' },
];

describe('wasm FusedConv2D (Winograd for 3x3 stride 1) matches the cpu backend', () => {
  forEachKernelPath(() => {
    for (const c of cases) {
      it(c.name, async () => {
        const [xv, fv, bv] = [randomValues(tf.util.sizeFromShape(c.x), 1), randomValues(tf.util.sizeFromShape(c.filter), 2), randomValues(c.filter[3], 3)];
        const run = () =>
          tf.tidy(() =>
            tf.fused.conv2d({
              x: tf.tensor4d(xv, c.x),
              filter: tf.tensor4d(fv, c.filter),
              bias: c.bias ? tf.tensor1d(bv) : undefined,
              strides: c.strides ?? 1,
              pad: c.pad,
              activation: c.activation,
            }),
          );
        const wasm = await onBackend('wasm', run);
        const cpu = await onBackend('cpu', run);
        expect(wasm.shape).toEqual(cpu.shape);
        expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(1e-5);
      });
    }

    it('leaves no tensors or wasm buffers behind', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => tf.fused.conv2d({ x: tf.ones([2, 10, 10, 8]) as tf.Tensor4D, filter: tf.ones([3, 3, 8, 8]) as tf.Tensor4D, bias: tf.ones([8]), strides: 1, pad: 'same', activation: 'relu' }).dataSync());
      expect(tf.memory().numTensors).toBe(before);
      expect(tf.engine().backend.numDataIds()).toBe(before);
    });
  });
});

describe('winogradPays', () => {
  it('takes whole SIMD vectors of channels and batches large enough for 36 matrix products to pay', () => {
    const withHelpers = simdPool() !== undefined;
    const enough = withHelpers ? 2048 : 256;
    expect(winogradPays(32, 32, 16 * enough)).toBe(true);
    expect(winogradPays(32, 32, 16 * enough - 16)).toBe(false);
    expect(winogradPays(3, 32, 1e6)).toBe(false);
    expect(winogradPays(32, 6, 1e6)).toBe(false);
  });
});
