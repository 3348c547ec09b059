import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { dropoutMask, dropoutSeed } from '../../../src/core/ops/dropout.js';
import { seededRandom } from '../../../src/core/data/random.js';
import { forEachKernelPath } from '../../helpers/backend.js';
import { onBackend } from '../../helpers/compare.js';

describe('wasm dropout mask kernel', () => {
  forEachKernelPath(() => {
    // 4 * 25364 + 3 values: SIMD groups (shared among threads) and a JavaScript tail.
    const shape = [71, 1429];
    const mask = (seed: number) => () => dropoutMask(shape, 0.25, dropoutSeed(seededRandom(seed)));

    it('gives the mask the JavaScript generator gives on the cpu backend, value for value', async () => {
      const wasm = await onBackend('wasm', mask(3));
      const cpu = await onBackend('cpu', mask(3));
      expect(Array.from(wasm.values)).toEqual(Array.from(cpu.values));
    });

    it('drops about rate of the values, scales the rest by 1 / (1 - rate), and changes with the seed', async () => {
      const { values } = await onBackend('wasm', mask(3));
      const other = await onBackend('wasm', mask(4));
      const dropped = values.filter((v) => v === 0).length / values.length;
      expect(dropped).toBeGreaterThan(0.23);
      expect(dropped).toBeLessThan(0.27);
      expect(new Set(values)).toEqual(new Set([0, Math.fround(1 / 0.75)]));
      expect(Array.from(other.values)).not.toEqual(Array.from(values));
    });

    it('leaves no tensors behind', () => {
      const before = tf.memory().numTensors;
      tf.tidy(() => {
        tf.mul(tf.ones(shape), dropoutMask(shape, 0.5, dropoutSeed(seededRandom(1))));
      });
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
