import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { simplify } from '../../../src/backend/kernels/transpose.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { onBackend, randomValues } from '../../helpers/compare.js';

describe('wasm Transpose (JavaScript on the heap) matches the cpu backend exactly', () => {
  forEachKernelPath(() => {

    it('merges adjacent axes and drops unit axes', () => {
      expect(simplify([128, 26, 26, 32], [3, 1, 2, 0])).toEqual({ shape: [128, 676, 32], perm: [2, 1, 0] });
      expect(simplify([1, 5, 7], [0, 2, 1])).toEqual({ shape: [5, 7], perm: [1, 0] });
      expect(simplify([4, 1, 3], [1, 0, 2])).toEqual({ shape: [12], perm: [0] });
    });

    const cases: Array<[number[], number[]]> = [
      [[128, 4608], [1, 0]],
      [[33, 65], [1, 0]],
      [[8, 26, 26, 32], [3, 1, 2, 0]],
      [[8, 24, 24, 32], [1, 2, 0, 3]],
      [[3, 3, 32, 32], [0, 1, 3, 2]],
      [[2, 3, 4, 5, 6], [4, 2, 0, 3, 1]],
      [[1, 6, 5], [0, 2, 1]],
      [[5, 1, 1, 7], [3, 2, 1, 0]],
    ];
    for (const [shape, perm] of cases) {
      for (const dtype of ['float32', 'int32'] as const) {
        it(`${dtype} ${JSON.stringify(shape)} perm ${JSON.stringify(perm)}`, async () => {
          const values = randomValues(tf.util.sizeFromShape(shape), shape.length * 7).map((v) => (dtype === 'int32' ? Math.round(v * 1000) : v));
          const run = () => tf.tidy(() => tf.cast(tf.transpose(tf.tensor(values, shape, dtype), perm), 'float32'));
          const wasm = await onBackend('wasm', run);
          const cpu = await onBackend('cpu', run);
          expect(wasm.shape).toEqual(cpu.shape);
          expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
        });
      }
    }

    it('transposes bool tensors', async () => {
      const run = () => tf.tidy(() => tf.cast(tf.transpose(tf.tensor([true, false, false, true, true, false], [2, 3], 'bool')), 'float32'));
      expect(Array.from((await onBackend('wasm', run)).values)).toEqual(Array.from((await onBackend('cpu', run)).values));
    });
  });
});
