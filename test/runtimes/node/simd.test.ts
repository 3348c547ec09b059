import { setTimeout as sleep } from 'node:timers/promises';
import * as tf from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { nodeSimdKernels, nodeSimdPool, postJob, startSimdHelper, takeBack } from '../../../src/runtimes/node/simd.js';
import { pointer, simdKernels, simdPool, startSimdKernels, useSimdKernels, type SimdPool, type StartedKernels } from '../../../src/backend/simd/kernels.js';
import { KerasAdadelta } from '../../../src/core/ops/adadelta.js';
import { dropoutMask, dropoutSeed } from '../../../src/core/ops/dropout.js';
import { RELU_BIAS_GRAD, RELU_CONV_FILTER_GRAD } from '../../../src/contract/custom-ops.js';
import { seededRandom } from '../../../src/core/data/random.js';
import { startTestWasm } from '../../helpers/backend.js';
import { onBackend, randomValues, relativeError } from '../../helpers/compare.js';

// Few enough tiles for the direct SIMD kernel, not Winograd (see winogradPays).
const xShape: [number, number, number, number] = [3, 26, 26, 32];
const dyShape: [number, number, number, number] = [3, 24, 24, 32];
const xv = randomValues(tf.util.sizeFromShape(xShape), 1);
const dyv = randomValues(tf.util.sizeFromShape(dyShape), 2);
const filterGradient = () =>
  tf.engine().runKernel(
    'Conv2DBackpropFilter',
    { x: tf.tensor4d(xv, xShape), dy: tf.tensor4d(dyv, dyShape) },
    { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 32, 32] },
  ) as tf.Tensor;

// Big enough to go to the helpers (see SHARED_MIN_VALUES and winogradPays), with ReLU-like ties for the pool.
const big = randomValues(8 * 24 * 24 * 32, 3).map((v) => Math.max(0, v));
const grads = randomValues(big.length, 4);
const onePassKernels: Array<[string, () => tf.Tensor, number]> = [
  [
    'ReLU gradient with its bias gradient',
    () => {
      const [dy, y] = [tf.tensor4d(grads, [8, 24, 24, 32]), tf.tensor4d(big, [8, 24, 24, 32])];
      // The kernel is wasm's own; cpu's answer is the op-by-op one.
      const [db, dz] =
        tf.getBackend() === 'wasm'
          ? (tf.engine().runKernel(RELU_BIAS_GRAD, { dy, y }, { keepGrad: true }) as unknown as tf.Tensor[])
          : [tf.sum(tf.mul(dy, tf.step(y)), [0, 1, 2]), tf.mul(dy, tf.step(y))];
      return tf.concat([db, dz.flatten()]);
    },
    1e-5,
  ],
  ['dropout mask', () => dropoutMask([big.length], 0.3, dropoutSeed(seededRandom(7))), 0],
  [
    'MaxPool gradient',
    () => tf.grad((x: tf.Tensor) => tf.sum(tf.mul(tf.maxPool(x as tf.Tensor4D, 2, 2, 'valid'), tf.tensor(grads.subarray(0, big.length / 4), [8, 12, 12, 32]))))(tf.tensor4d(big, [8, 24, 24, 32])),
    0,
  ],
  [
    'Winograd conv',
    () =>
      tf.fused.conv2d({
        x: tf.tensor4d(big.subarray(0, 6 * 26 * 26 * 32), [6, 26, 26, 32]),
        filter: tf.tensor4d(grads.subarray(0, 9 * 32 * 32), [3, 3, 32, 32]),
        bias: tf.tensor1d(grads.subarray(0, 32)),
        strides: 1,
        pad: 'valid',
        activation: 'relu',
      }),
    1e-5,
  ],
  [
    'Winograd filter gradient',
    () =>
      tf.engine().runKernel(
        'Conv2DBackpropFilter',
        { x: tf.tensor4d(big.subarray(0, 6 * 26 * 26 * 32), [6, 26, 26, 32]), dy: tf.tensor4d(grads.subarray(0, 6 * 24 * 24 * 32), [6, 24, 24, 32]) },
        { strides: 1, pad: 'valid', dataFormat: 'NHWC', filterShape: [3, 3, 32, 32] },
      ) as tf.Tensor,
    1e-5,
  ],
  [
    'single-channel conv',
    () =>
      tf.fused.conv2d({
        x: tf.tensor4d(big.subarray(0, 40 * 28 * 28), [40, 28, 28, 1]),
        filter: tf.tensor4d(grads.subarray(0, 9 * 32), [3, 3, 1, 32]),
        bias: tf.tensor1d(grads.subarray(0, 32)),
        strides: 1,
        pad: 'valid',
        activation: 'relu',
      }),
    1e-5,
  ],
  [
    "a first ReLU conv's filter and bias gradients",
    () => {
      const x = tf.tensor4d(big.subarray(0, 6 * 28 * 28), [6, 28, 28, 1]);
      const [dy, y] = [tf.tensor4d(grads.subarray(0, 6 * 26 * 26 * 32), [6, 26, 26, 32]), tf.tensor4d(big.subarray(0, 6 * 26 * 26 * 32), [6, 26, 26, 32])];
      const attrs = { strides: [1, 1], pad: 'valid', filterShape: [3, 3, 1, 32] };
      // The kernel is wasm's own; cpu's answer is the op-by-op one.
      const dz = tf.mul(dy, tf.step(y));
      const [dw, db] =
        tf.getBackend() === 'wasm'
          ? (tf.engine().runKernel(RELU_CONV_FILTER_GRAD, { x, dy, y }, attrs) as unknown as tf.Tensor[])
          : [tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { ...attrs, dataFormat: 'NHWC' }) as tf.Tensor, tf.sum(dz, [0, 1, 2])];
      return tf.concat([dw.flatten(), db]);
    },
    1e-5,
  ],
  ['MaxPool', () => tf.maxPool(tf.tensor4d(grads, [8, 24, 24, 32]), 2, 2, 'valid'), 0],
  ['product', () => tf.mul(tf.tensor(big), tf.tensor(grads)), 0],
  ['bias gradient (sum over rows)', () => tf.sum(tf.tensor4d(grads, [8, 24, 24, 32]), [0, 1, 2]), 1e-5],
  [
    'SIMD matmul, packing and product',
    () => tf.matMul(tf.tensor2d(big.subarray(0, 64 * 1024), [64, 1024]), tf.tensor2d(grads.subarray(0, 128 * 1024), [128, 1024]), false, true),
    1e-5,
  ],
  [
    'Keras Adadelta',
    () => {
      const w = tf.variable(tf.tensor(grads));
      const optimizer = new KerasAdadelta();
      optimizer.applyGradients({ [w.name]: tf.tensor(big) });
      optimizer.dispose();
      const out = w.clone();
      w.dispose();
      return out;
    },
    1e-6,
  ],
];

describe('SIMD helper threads in Node', () => {
  const previous = { kernels: simdKernels(), pool: simdPool() };
  let pool: SimdPool | undefined;
  let started: StartedKernels;
  beforeAll(async () => {
    await startTestWasm();
    started = await startSimdKernels(tf.backend() as BackendWasm, nodeSimdKernels);
    pool = nodeSimdPool(started, 2);
    useSimdKernels(started.kernels, pool);
  });
  afterAll(() => useSimdKernels(previous.kernels, previous.pool));

  /** Sends an empty job (no rows) on real buffers until the helper takes it. */
  const helperRunning = async () => {
    const backend = tf.backend() as BackendWasm;
    const dw = tf.zeros([1, 1, 2, 16]);
    const args = [0, 0, pointer(backend, dw), 1, 1, 2, 1, 1, 16, 0, 2];
    // Twice back to back: the first may find the helper asleep and finish
    // before it wakes (then it is taken back); the second finds it watching.
    const twice = () => (pool!.parallel('convFilterGradShared', [args, args]), pool!.parallel('convFilterGradShared', [args, args]));
    await vi.waitFor(() => expect(twice()).toEqual([true, true]), { timeout: 10_000, interval: 20 });
    dw.dispose();
  };

  it('give the right filter gradient while the helper starts (main does it all) and once it runs (rows shared), and the one-pass kernels, convs, pool and matmul too', async () => {
    const cpu = await onBackend('cpu', () => tf.tidy(filterGradient));
    const starting = await onBackend('wasm', () => tf.tidy(filterGradient));
    expect(relativeError(starting.values, cpu.values)).toBeLessThanOrEqual(1e-5);

    await helperRunning();

    const shared = await onBackend('wasm', () => tf.tidy(filterGradient));
    expect(relativeError(shared.values, cpu.values)).toBeLessThanOrEqual(1e-5);

    // The one-pass kernels and the Winograd conv, with the helper known to be running: the same as on cpu.
    for (const [name, run, tolerance] of onePassKernels) {
      const [onWasm, onCpu] = [await onBackend('wasm', () => tf.tidy(run)), await onBackend('cpu', () => tf.tidy(run))];
      expect(relativeError(onWasm.values, onCpu.values), name).toBeLessThanOrEqual(tolerance);
    }
  });

  it('waits for the helpers before a failure on the main thread reaches the caller (who frees what they write)', async () => {
    const backend = tf.backend() as BackendWasm;
    const [rows, C] = [1 << 20, 4];
    const src = tf.ones([rows, C]);
    const out = tf.zeros([rows, C]);
    const scratch = tf.zeros([pool!.size * 3 * C]);
    const slots = tf.zeros([1], 'int32');
    const args = (at: number) => [pointer(backend, src), 0, pointer(backend, out), rows, C, at, pointer(backend, slots)];
    // Main's scratch is outside the memory: it traps before it takes any rows, and the helper copies them all.
    const outside = started.memory.buffer.byteLength + (1 << 20);
    const lastRow = () => Array.from(new Float32Array(started.memory.buffer, pointer(backend, out) + (rows - 1) * C * 4, C));
    // A helper that had not claimed the job when main trapped never runs it
    // (main takes it back), so try until the helper ran; either way nothing
    // is written once the call is over.
    let atReturn: number[] = [];
    for (let attempt = 0; attempt < 20 && atReturn[0] !== 1; attempt++) {
      // A fresh start each time: the slot counter picks each thread's part of the scratch.
      new Int32Array(started.memory.buffer, pointer(backend, slots), 1)[0] = 0;
      new Float32Array(started.memory.buffer, pointer(backend, out), rows * C).fill(0);
      await helperRunning();
      expect(() => {
        try {
          pool!.parallel('sumRows', [args(outside), args(pointer(backend, scratch))]);
        } finally {
          // Read as soon as the call is over: the last row is the last the helper copies.
          atReturn = lastRow();
        }
      }).toThrow(/out of bounds/);
      await sleep(50);
      expect(lastRow()).toEqual(atReturn);
    }
    expect(atReturn).toEqual([1, 1, 1, 1]);
    tf.dispose([src, out, scratch, slots]);
  });
});

describe('a SIMD helper thread', () => {
  const wait = { timeout: 10_000, interval: 5 };

  /**
   * A real helper, ready, and jobs for it that count their runs: sumRows
   * over no rows only takes a slot (and zeroes it), so the scratch has a
   * slot for every run a test makes (at most 21).
   */
  async function countingHelper() {
    await startTestWasm();
    const backend = tf.backend() as BackendWasm;
    const started = await startSimdKernels(backend, nodeSimdKernels);
    const { block, worker } = startSimdHelper(started);
    await vi.waitFor(() => expect(Atomics.load(block, 31)).toBe(1), wait);
    const C = 4;
    const scratch = tf.zeros([24 * 3 * C]);
    const counters = tf.zeros([2], 'int32');
    const [slots, next] = [pointer(backend, counters), pointer(backend, counters) + 4];
    return {
      block,
      runs: () => Atomics.load(new Int32Array(started.memory.buffer, slots, 1), 0),
      post: () => postJob(block, 'sumRows', [0, 0, 0, 0, C, pointer(backend, scratch), slots, next]),
      answered: (generation: number) => vi.waitFor(() => expect(Atomics.load(block, 1)).toBe(generation), wait),
      // Stops the helper first: it must not touch the buffers once they are freed.
      dispose: async () => {
        await worker.terminate();
        tf.dispose([scratch, counters]);
      },
    };
  }

  it('runs a job once, even when woken again after taking it (a late wake from main)', async () => {
    const { block, runs, post, answered, dispose } = await countingHelper();
    await answered(post());
    expect(runs()).toBe(1);
    // The helper is asleep by now; a wake with no new job must not run the last one again.
    await sleep(50);
    Atomics.notify(block, 0);
    await sleep(100);
    expect(runs()).toBe(1);

    await answered(post());
    expect(runs()).toBe(2);
    expect(Atomics.load(block, 30)).toBe(0);
    await dispose();
  });

  it('never runs a job main has taken back, and runs the next one once', async () => {
    const { block, runs, post, answered, dispose } = await countingHelper();
    // Main takes a job back the moment it is posted to a sleeping helper, as
    // when it finished alone before the helper was scheduled. The helper can
    // win that race; each job it won ran, and was answered, before the next.
    let won = 0;
    let taken: number | undefined;
    for (let attempt = 0; attempt < 20 && taken === undefined; attempt++) {
      await sleep(20);
      const generation = post();
      if (takeBack(block, generation)) taken = generation;
      else {
        won++;
        await answered(generation);
      }
    }
    expect(taken).toBeDefined();
    Atomics.notify(block, 0);
    await sleep(100);
    expect(runs()).toBe(won);
    expect(Atomics.load(block, 1)).not.toBe(taken);

    await answered(post());
    expect(runs()).toBe(won + 1);
    expect(Atomics.load(block, 30)).toBe(0);
    await dispose();
  });
});
