import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { simdMatMulTakes } from '../../../src/backend/kernels/simd-matmul.js';
import { expectLikeCpu, randomValues } from '../../helpers/compare.js';
import { startTestWasm } from '../../helpers/backend.js';

describe('wasm BatchMatMul with transposed operands matches the cpu backend', () => {
  beforeAll(async () => {
    await startTestWasm();
  });

  // The Dense layer's three products (y = x·W, dx = dy·Wᵀ, dW = xᵀ·dy) and
  // more that edgetune's SIMD matmul takes (rows in 4s, columns in 16s, k in
  // 4s: several chunks of rows, a last chunk cut short, both transposed, a
  // leading batch of 1, short k); then sizes it leaves to the stock path, a·bᵀ both
  // with b the larger operand (computed as (b·aᵀ)ᵀ) and the smaller.
  const cases: Array<{ a: number[]; b: number[]; ta: boolean; tb: boolean }> = [
    { a: [32, 4608], b: [4608, 128], ta: false, tb: false },
    { a: [32, 128], b: [4608, 128], ta: false, tb: true },
    { a: [32, 4608], b: [32, 128], ta: true, tb: false },
    { a: [200, 1024], b: [1024, 48], ta: false, tb: false },
    { a: [1024, 36], b: [32, 1024], ta: true, tb: true },
    { a: [1, 64, 512], b: [1, 512, 64], ta: false, tb: false },
    { a: [64, 4608], b: [4608, 24], ta: false, tb: false },
    { a: [64, 4606], b: [4606, 32], ta: false, tb: false },
    // Short k: the packing takes blocks and panels four at a time, the last item short (9 blocks + 10 panels).
    { a: [36, 512], b: [512, 80], ta: false, tb: false },
    { a: [512, 36], b: [80, 512], ta: true, tb: true },
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
      await expectLikeCpu(run, 1e-5);
    });
  }
});

describe('wasm _FusedMatMul (the Dense layer in inference) matches the cpu backend', () => {
  beforeAll(async () => {
    await startTestWasm();
  });

  // The model's Dense layer at batch 128 and 1 (the stock kernel), no bias,
  // no ReLU, transposed operands; then what the SIMD matmul leaves to the
  // stock kernel: rows not in 4s, a leaky ReLU.
  const cases: Array<{ a: number[]; b: number[]; ta?: boolean; tb?: boolean; bias: number[] | null; activation: 'relu' | 'linear' | 'leakyrelu' }> = [
    { a: [128, 4608], b: [4608, 128], bias: [128], activation: 'relu' },
    { a: [1, 4608], b: [4608, 128], bias: [128], activation: 'relu' },
    { a: [64, 512], b: [512, 32], bias: null, activation: 'linear' },
    { a: [512, 64], b: [32, 512], ta: true, tb: true, bias: [32], activation: 'relu' },
    { a: [63, 512], b: [512, 32], bias: [32], activation: 'relu' },
    { a: [64, 512], b: [512, 32], bias: [32], activation: 'leakyrelu' },
  ];
  for (const c of cases) {
    it(`${c.activation}(a${JSON.stringify(c.a)}${c.ta ? 'ᵀ' : ''} · b${JSON.stringify(c.b)}${c.tb ? 'ᵀ' : ''}${c.bias ? ` + bias${JSON.stringify(c.bias)}` : ''})`, async () => {
      const av = randomValues(tf.util.sizeFromShape(c.a), 13);
      const bv = randomValues(tf.util.sizeFromShape(c.b), 14);
      const biasv = c.bias ? randomValues(tf.util.sizeFromShape(c.bias), 15) : null;
      const run = () =>
        tf.tidy(() =>
          tf.fused.matMul({
            a: tf.tensor2d(av, c.a as [number, number]),
            b: tf.tensor2d(bv, c.b as [number, number]),
            transposeA: c.ta,
            transposeB: c.tb,
            bias: biasv && c.bias ? tf.tensor(biasv, c.bias) : undefined,
            activation: c.activation,
          }),
        );
      await expectLikeCpu(run, 1e-5);
    });
  }
});

describe('which products the SIMD matmul takes', () => {
  it('takes the Dense layer of the CNN at training batch sizes, leaves odd shapes and small products to the stock path', () => {
    expect(simdMatMulTakes({ m: 128, n: 128, k: 4608 })).toBe(true);
    expect(simdMatMulTakes({ m: 128, n: 4608, k: 128 })).toBe(true);
    expect(simdMatMulTakes({ m: 4608, n: 128, k: 128 })).toBe(true);
    expect(simdMatMulTakes({ m: 126, n: 128, k: 4608 })).toBe(false);
    expect(simdMatMulTakes({ m: 128, n: 5, k: 128 })).toBe(false);
    expect(simdMatMulTakes({ m: 128, n: 128, k: 4606 })).toBe(false);
    expect(simdMatMulTakes({ m: 4, n: 16, k: 128 })).toBe(false);
  });
});
