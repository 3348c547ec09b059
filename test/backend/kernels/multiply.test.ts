import * as tf from '@tensorflow/tfjs';
import { describe, it } from 'vitest';
import { forEachKernelPath } from '../../helpers/backend.js';
import { expectLikeCpu, randomValues } from '../../helpers/compare.js';

describe('wasm Multiply matches the cpu backend', () => {
  forEachKernelPath(() => {
    // Same shapes, large enough to share among threads, with a tail past the
    // last group of 4 (the dropout product's shape, plus 3); then products
    // the stock kernel keeps: small, broadcast, int32.
    const cases: Array<{ name: string; a: number[]; b: number[]; dtype?: 'int32' }> = [
      { name: 'dropout-sized, odd length', a: [4 * 12 * 12 * 32 * 8 + 3], b: [4 * 12 * 12 * 32 * 8 + 3] },
      { name: 'small', a: [7, 5], b: [7, 5] },
      { name: 'broadcast', a: [64, 32, 32], b: [32] },
      { name: 'int32', a: [70000], b: [70000], dtype: 'int32' },
    ];
    for (const c of cases) {
      it(c.name, async () => {
        const [av, bv] = [randomValues(tf.util.sizeFromShape(c.a), 1), randomValues(tf.util.sizeFromShape(c.b), 2)].map((v) =>
          c.dtype === 'int32' ? Int32Array.from(v, (x) => Math.round(x * 100)) : v,
        );
        const run = () => tf.tidy(() => tf.mul(tf.tensor(av, c.a, c.dtype), tf.tensor(bv, c.b, c.dtype)));
        await expectLikeCpu(run, 0);
      });
    }
  });
});
