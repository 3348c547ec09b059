import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';
import { startTestWasm } from '../../helpers/backend.js';

describe('wasm BatchMatMul with transposed operands matches the cpu backend', () => {
  beforeAll(async () => {
    await startTestWasm();
  });

  // The Dense layers' gradients (dx = dy·Wᵀ, dW = xᵀ·dy) and odd sizes; a·bᵀ
  // both with b the larger operand (computed as (b·aᵀ)ᵀ) and the smaller.
  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
    { a: [32, 128], b: [4608, 128], ta: false, tb: true },
    { a: [32, 4608], b: [32, 128], ta: true, tb: false },
    { a: [17, 5], b: [17, 9], ta: true, tb: false },
    { a: [7, 13], b: [11, 13], ta: false, tb: true },
    { a: [9, 6], b: [2, 6], ta: false, tb: true },
    { a: [1, 3, 8], b: [1, 20, 8], ta: false, tb: true },
    { a: [13, 7], b: [11, 13], ta: true, tb: true },
    { a: [1, 6, 5], b: [1, 4, 6], ta: true, tb: true },
    { a: [3, 6, 5], b: [3, 6, 4], ta: true, tb: false },
  ];

  for (const c of cases) {
    it(`a${JSON.stringify(c.a)}${c.ta ? 'ᵀ' : ''} · b${JSON.stringify(c.b)}${c.tb ? 'ᵀ' : ''}`, async () => {
      const av = randomValues(tf.util.sizeFromShape(c.a), 11);
      const bv = randomValues(tf.util.sizeFromShape(c.b), 12);
      const run = () => tf.tidy(() => tf.matMul(tf.tensor(av, c.a), tf.tensor(bv, c.b), c.ta, c.tb));
      const wasm = await onBackend('wasm', run);
      const cpu = await onBackend('cpu', run);
      expect(wasm.shape).toEqual(cpu.shape);
      expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(1e-5);
    });
  }
});
