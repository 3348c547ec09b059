import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { CONV_RELU_POOL, CONV_RELU_POOL_GRAD, DROPOUT_MASK, POOL_RELU_GRAD, RELU_BIAS_GRAD, RELU_CONV_FILTER_GRAD } from '../../../src/contract/custom-ops.js';
import { convReluPool, convReluPool2x2, poolReluGradAvailable } from '../../../src/core/ops/conv-relu-pool.js';
import { dropoutMask, dropoutSeed } from '../../../src/core/ops/dropout.js';
import { infer } from '../../../src/core/model/inference.js';
import { trainingForward } from '../../../src/core/model/forward.js';
import { buildModel } from '../../../src/core/model/model.js';
import { seededRandom } from '../../../src/core/data/random.js';
import { forEachKernelPath, startTestWasm } from '../../helpers/backend.js';
import { expectLikeCpu, onBackend, randomValues, relativeError } from '../../helpers/compare.js';

interface Case {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  pad: 'valid' | 'same';
  pool: number;
  poolStrides: number;
  poolPad: 'valid' | 'same';
  bias: boolean;
  /** A Dropout's rate after the pool. */
  dropout?: number;
}

/**
 * The output and the loss gradients (x, filter and bias if any) through
 * convReluPool (fused) or conv2d, add, relu, maxPool and the dropout's
 * multiply apart, both drawing the dropout's seed from the same source.
 */
function gradients(c: Case, fused: boolean) {
  return () =>
    tf.tidy(() => {
      const conv = { strides: [1, 1] as [number, number], pad: c.pad };
      const pool = { filterSize: [c.pool, c.pool] as [number, number], strides: [c.poolStrides, c.poolStrides] as [number, number], pad: c.poolPad };
      const random = seededRandom(15);
      const block = convReluPool(conv, pool, c.bias, c.dropout === undefined ? undefined : { rate: c.dropout, random });
      const outputs: tf.Tensor[] = [];
      const f = (x: tf.Tensor, w: tf.Tensor, b?: tf.Tensor) => {
        const apart = () => {
          const z = tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, c.pad);
          const pooled = tf.maxPool(tf.relu(b ? tf.add(z, b) : z) as tf.Tensor4D, pool.filterSize, pool.strides, pool.pad);
          return c.dropout === undefined ? pooled : tf.mul(pooled, dropoutMask(pooled.shape, c.dropout, dropoutSeed(random)));
        };
        const out = fused ? block(x as tf.Tensor4D, w as tf.Tensor4D, b as tf.Tensor1D | undefined) : apart();
        outputs.push(tf.keep(out.clone()));
        // Fixed weights on the pooled output make every position's gradient different.
        return tf.sum(tf.mul(out, tf.tensor(randomValues(out.size, 11), out.shape)));
      };
      const inputs: tf.Tensor[] = [tf.tensor4d(randomValues(tf.util.sizeFromShape(c.x), 12), c.x), tf.tensor4d(randomValues(tf.util.sizeFromShape(c.filter), 13), c.filter)];
      if (c.bias) inputs.push(tf.tensor1d(randomValues(c.filter[3], 14)));
      const grads = tf.grads(f)(inputs);
      const all = tf.concat([...outputs, ...grads].map((g) => g.flatten()));
      tf.dispose(outputs);
      return all;
    });
}

/** The kernels `run` dispatches once warmed up, checking it leaves no tensor behind. */
async function kernelsOf(run: () => void): Promise<string[]> {
  run();
  const before = tf.memory().numTensors;
  const kernels = (await tf.profile(run)).kernels.map((k) => k.name);
  expect(tf.memory().numTensors).toBe(before);
  return kernels;
}

describe('conv + ReLU + MaxPool as one training step', () => {
  beforeAll(() => startTestWasm());

  const cases: Case[] = [
    // The seed CNN's second conv and pool (2x2 windows tiling the output; the SIMD pass).
    { x: [3, 14, 14, 8], filter: [3, 3, 8, 16], pad: 'valid', pool: 2, poolStrides: 2, poolPad: 'valid', bias: true },
    { x: [2, 10, 10, 4], filter: [3, 3, 4, 6], pad: 'valid', pool: 2, poolStrides: 2, poolPad: 'valid', bias: false },
    // Big enough for Winograd: the pool is taken as its tiles are written (padded, and without bias in the second).
    { x: [5, 26, 26, 32], filter: [3, 3, 32, 32], pad: 'valid', pool: 2, poolStrides: 2, poolPad: 'valid', bias: true },
    { x: [4, 16, 16, 8], filter: [3, 3, 8, 16], pad: 'same', pool: 2, poolStrides: 2, poolPad: 'valid', bias: false },
    // 25 tiles an image, not a multiple of 4: the gradients' products run past them.
    { x: [3, 22, 22, 8], filter: [3, 3, 8, 16], pad: 'valid', pool: 2, poolStrides: 2, poolPad: 'valid', bias: true },
    // An odd output (11 x 9): the pool drops its last row and column, which get no gradient.
    { x: [2, 13, 11, 4], filter: [3, 3, 4, 8], pad: 'valid', pool: 2, poolStrides: 2, poolPad: 'valid', bias: true },
    // Overlapping, padded windows: the general pass.
    { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], pad: 'same', pool: 3, poolStrides: 2, poolPad: 'same', bias: true },
    // With the seed CNN's Dropout after the pool: dropped as the Winograd
    // pass writes the pooled values, as the fused conv and pool apart write
    // them, and (overlapping windows) by a mask after the step.
    { x: [5, 26, 26, 32], filter: [3, 3, 32, 32], pad: 'valid', pool: 2, poolStrides: 2, poolPad: 'valid', bias: true, dropout: 0.25 },
    { x: [3, 14, 14, 8], filter: [3, 3, 8, 16], pad: 'valid', pool: 2, poolStrides: 2, poolPad: 'valid', bias: false, dropout: 0.5 },
    { x: [2, 9, 9, 3], filter: [3, 3, 3, 4], pad: 'same', pool: 3, poolStrides: 2, poolPad: 'same', bias: true, dropout: 0.25 },
  ];
  forEachKernelPath(() => {
    for (const c of cases) {
      it(`gives the gradients of conv2d, add, relu and maxPool apart on wasm: ${JSON.stringify(c)}`, async () => {
        const reference = await onBackend('cpu', gradients(c, false));
        const fused = await onBackend('wasm', gradients(c, true));
        expect(fused.shape).toEqual(reference.shape);
        expect(relativeError(fused.values, reference.values)).toBeLessThanOrEqual(1e-5);
      });
    }
  });

  it('is what the seed CNN trains with on wasm, and leaves no tensors behind', async () => {
    expect(poolReluGradAvailable()).toBe(true);
    const model = buildModel(5, 1);
    const { forward } = trainingForward(model, seededRandom(1));
    const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
    const xs = tf.randomUniform([4, 28, 28, 1]);
    const kernels = await kernelsOf(() => {
      const { value, grads } = tf.variableGrads(() => tf.sum(forward(xs)) as tf.Scalar, variables);
      tf.dispose([value, ...Object.values(grads)]);
    });
    // The conv's gradients are taken from the pool's and the forward's
    // routes: neither the conv's output nor its gradient is written.
    expect(kernels).toContain(CONV_RELU_POOL_GRAD);
    expect(kernels).not.toContain(POOL_RELU_GRAD);
    expect(kernels).not.toContain('Conv2DBackpropInput');
    // Conv 1's filter gradient comes with its ReLU's and bias's (one kernel on the images).
    expect(kernels).not.toContain('Conv2DBackpropFilter');
    expect(kernels).toContain(RELU_CONV_FILTER_GRAD);
    expect(kernels).not.toContain('MaxPoolGrad');
    // The forward pools as conv 2 writes its output, and drops pooled
    // values there: the classifier's Dropout is the one mask made.
    expect(kernels).toContain(CONV_RELU_POOL);
    expect(kernels).not.toContain('MaxPool');
    expect(kernels.filter((k) => k === DROPOUT_MASK)).toHaveLength(1);
    // The second conv's ReLU gradient is in the pool's, and its bias
    // gradient is summed from the pooled gradient; the first's are in its
    // filter gradient's kernel: no Sum reads either conv's gradient back.
    expect(kernels.filter((k) => k === RELU_BIAS_GRAD)).toHaveLength(1);
    xs.dispose();
    model.dispose();
  });

  it('is not used where the backend lacks the fused gradient (cpu)', async () => {
    await tf.setBackend('cpu');
    try {
      expect(poolReluGradAvailable()).toBe(false);
    } finally {
      await tf.setBackend('wasm');
    }
  });
});

interface PoolCase {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  pad: 'valid' | 'same';
  bias: boolean;
}

// The pooled Winograd pass (whole 4x4 tiles, enough of them; threads, one
// thread, batch 1 alone) and the shapes that go to the fused conv and the
// pool apart: outputs not in whole tiles (odd, so the pool drops a row and
// a column), too few tiles, output channels not in pairs of vectors.
const poolCases: PoolCase[] = [
  { name: 'model conv 2', x: [5, 26, 26, 32], filter: [3, 3, 32, 32], pad: 'valid', bias: true },
  { name: 'model conv 2 at batch 1', x: [1, 26, 26, 32], filter: [3, 3, 32, 32], pad: 'valid', bias: true },
  { name: 'same padding, no bias', x: [4, 16, 16, 8], filter: [3, 3, 8, 16], pad: 'same', bias: false },
  { name: 'apart: odd output', x: [6, 23, 21, 8], filter: [3, 3, 8, 16], pad: 'valid', bias: true },
  { name: 'apart: 9 tiles', x: [1, 14, 14, 32], filter: [3, 3, 32, 32], pad: 'valid', bias: true },
  { name: 'apart: 4 output channels', x: [4, 18, 18, 8], filter: [3, 3, 8, 4], pad: 'valid', bias: true },
];

describe('conv + ReLU + 2x2 MaxPool for inference matches the cpu backend', () => {
  forEachKernelPath(() => {
    for (const c of poolCases) {
      it(c.name, async () => {
        const [xv, fv, bv] = [randomValues(tf.util.sizeFromShape(c.x), 21), randomValues(tf.util.sizeFromShape(c.filter), 22), randomValues(c.filter[3], 23)];
        await expectLikeCpu(
          () => tf.tidy(() => convReluPool2x2(tf.tensor4d(xv, c.x), tf.tensor4d(fv, c.filter), c.bias ? tf.tensor1d(bv) : undefined, { strides: [1, 1], pad: c.pad })),
          1e-5,
        );
      });
    }
  });

  it('is how the seed CNN infers on wasm: one kernel for conv 2, its ReLU and the pool, nothing left behind', async () => {
    await startTestWasm();
    const model = buildModel(5, 1);
    const xs = tf.randomUniform([8, 28, 28, 1]);
    const kernels = await kernelsOf(() => tf.tidy(() => infer(model, xs)).dispose());
    expect(kernels).toContain(CONV_RELU_POOL);
    expect(kernels).not.toContain('MaxPool');
    expect(kernels.filter((k) => k === 'FusedConv2D')).toHaveLength(1);
    xs.dispose();
    model.dispose();
  });
});
