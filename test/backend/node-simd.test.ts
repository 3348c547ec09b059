import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeSimdKernels, nodeSimdPool } from '../../src/backend/node-simd.js';
import { pointer, simdKernels, simdPool, startSimdKernels, useSimdKernels, type SimdPool } from '../../src/backend/simd/kernels.js';
import { startTestWasm } from '../helpers/backend.js';
import { onBackend, randomValues, relativeError } from '../helpers/compare.js';

const xShape: [number, number, number, number] = [6, 26, 26, 32];
const dyShape: [number, number, number, number] = [6, 24, 24, 32];
const xv = randomValues(tf.util.sizeFromShape(xShape), 1);
const dyv = randomValues(tf.util.sizeFromShape(dyShape), 2);
const filterGradient = () =>
  tf.engine().runKernel(
    'Conv2DBackpropFilter',
    { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
    { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 32, 32] },
  ) as tf.Tensor;

describe('SIMD helper threads in Node', () => {
  const previous = { kernels: simdKernels(), pool: simdPool() };
  let pool: SimdPool | undefined;
  beforeAll(async () => {
    await startTestWasm();
    const started = await startSimdKernels(tf.backend() as BackendWasm, nodeSimdKernels);
    pool = nodeSimdPool(started, 2);
    useSimdKernels(started.kernels, pool);
  });
  afterAll(() => useSimdKernels(previous.kernels, previous.pool));

  it('give the right filter gradient while the helper starts (main does it all) and once it runs (rows shared)', async () => {
    const cpu = await onBackend('cpu', () => tf.tidy(filterGradient));
    const starting = await onBackend('wasm', () => tf.tidy(filterGradient));
    expect(relativeError(starting.values, cpu.values)).toBeLessThanOrEqual(1e-5);

    // An empty job (no rows) on real buffers, until the helper takes it.
    const backend = tf.backend() as BackendWasm;
    const [dw, next] = [tf.zeros([1, 1, 2, 16]), tf.zeros([1], 'int32')];
    const args = [0, 0, pointer(backend, dw), 1, 1, 2, 1, 1, 16, 0, 2, pointer(backend, next)];
    const probe = () => pool!.parallel('convFilterGradShared', [args, args]);
    const deadline = Date.now() + 10_000;
    while (!probe()[1] && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(probe()).toEqual([true, true]);
    tf.dispose([dw, next]);

    const shared = await onBackend('wasm', () => tf.tidy(filterGradient));
    expect(relativeError(shared.values, cpu.values)).toBeLessThanOrEqual(1e-5);
  });
});
