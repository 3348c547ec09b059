import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { winogradPays } from '../../../src/backend/kernels/winograd.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { expectLikeCpu, onBackend, randomValues } from '../../helpers/compare.js';

type Case = {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  pad: 'valid' | 'same' | [[0, 0], [number, number], [number, number], [0, 0]];
  strides?: number;
  bias: boolean;
  activation: 'relu' | 'linear';
};

// Winograd with its edges: padding (read as zeros), output sizes that are
// not whole 4x4 tiles, no bias, no ReLU, a last chunk of fewer than 16
// tiles. The single-channel conv (the model's first layer; rows not a whole
// number of 4-pixel blocks, batch 1, no bias, a 5x2 filter, rows shared in
// chunks with a short last one). Then shapes that go to the stock kernel:
// too few tiles (see winogradPays), output channels not in pairs of SIMD
// vectors, odd input channels, stride 2, one channel with padding or rows
// under 4 pixels or 4 output channels.
const cases: Case[] = [
  { name: 'model conv 1', x: [5, 28, 28, 1], filter: [3, 3, 1, 32], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'one channel, batch 1, no bias, no ReLU', x: [1, 28, 28, 1], filter: [3, 3, 1, 32], pad: 'valid', bias: false, activation: 'linear' },
  { name: 'one channel, 5x2 filter, odd sizes', x: [3, 13, 9, 1], filter: [5, 2, 1, 16], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'stock: one channel, same padding', x: [2, 12, 12, 1], filter: [3, 3, 1, 8], pad: 'same', bias: true, activation: 'relu' },
  { name: 'stock: one channel, rows of 3', x: [2, 12, 5, 1], filter: [3, 3, 1, 8], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'stock: one channel, 4 output channels', x: [2, 12, 12, 1], filter: [3, 3, 1, 4], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'model conv 2', x: [5, 26, 26, 32], filter: [3, 3, 32, 32], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'same, odd sizes, no bias', x: [9, 21, 19, 8], filter: [3, 3, 8, 16], pad: 'same', bias: false, activation: 'linear' },
  { name: 'explicit uneven padding', x: [11, 18, 17, 4], filter: [3, 3, 4, 8], pad: [[0, 0], [2, 1], [0, 2], [0, 0]], bias: true, activation: 'relu' },
  { name: 'model conv 2 at batch 1 (on one thread: too small to share)', x: [1, 26, 26, 32], filter: [3, 3, 32, 32], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'stock: 9 tiles', x: [1, 14, 14, 32], filter: [3, 3, 32, 32], pad: 'valid', bias: true, activation: 'relu' },
  { name: 'stock: 4 output channels', x: [9, 21, 19, 8], filter: [3, 3, 8, 4], pad: 'same', bias: true, activation: 'relu' },
  { name: 'stock: odd channels', x: [2, 8, 8, 3], filter: [3, 3, 3, 5], pad: 'same', bias: true, activation: 'relu' },
  { name: 'stock: stride 2', x: [2, 9, 9, 4], filter: [3, 3, 4, 4], pad: 'same', strides: 2, bias: true, activation: 'relu' },
];

describe('wasm FusedConv2D (Winograd for 3x3 stride 1, the single-channel conv) matches the cpu backend', () => {
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
        await expectLikeCpu(run, 1e-5);
      });
    }

    // ReLU is v < 0 ? 0 : v on cpu: a NaN passes it. The direct conv's NaNs
    // are cpu's; Winograd's transforms spread one over its whole tile, so
    // there cpu's NaNs are among them.
    for (const c of [cases[0], cases[6]]) {
      it(`keeps NaN through the ReLU as cpu does: ${c.name}`, async () => {
        const xv = randomValues(tf.util.sizeFromShape(c.x), 1);
        xv[3 * c.x[2] + 5] = NaN;
        const run = () =>
          tf.tidy(() =>
            tf.fused.conv2d({ x: tf.tensor4d(xv, c.x), filter: tf.tensor4d(randomValues(tf.util.sizeFromShape(c.filter), 2), c.filter), strides: 1, pad: 'valid', activation: 'relu' }),
          );
        const [wasm, cpu] = [await onBackend('wasm', run), await onBackend('cpu', run)];
        const nans = (v: Float32Array) => v.reduce((n, x) => n + (Number.isNaN(x) ? 1 : 0), 0);
        expect(nans(cpu.values)).toBeGreaterThan(0);
        cpu.values.forEach((v, i) => {
          if (Number.isNaN(v)) expect(wasm.values[i]).toBeNaN();
        });
        if (c.x[3] === 1) expect(nans(wasm.values)).toBe(nans(cpu.values));
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
  it('takes input channels in whole SIMD vectors, output channels in pairs of them, and enough tiles', () => {
    expect(winogradPays(32, 32, 16 * 32)).toBe(true);
    expect(winogradPays(32, 32, 16 * 31)).toBe(false);
    expect(winogradPays(6, 32, 1e6)).toBe(false);
    expect(winogradPays(32, 12, 1e6)).toBe(false);
  });
});
