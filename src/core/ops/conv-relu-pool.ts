import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL, CONV_RELU_POOL_GRAD, POOL_RELU_GRAD, RELU_BIAS_GRAD, type ConvReluPoolAttrs, type ConvReluPoolGradAttrs } from '../../contract/custom-ops.js';
import { dropoutLevels } from '../../contract/dropout-mask.js';
import { dropout as applyDropout, dropoutSeed } from './dropout.js';
import { biasGradient, convFilterGradient, convInputGradient, fusedConv2d, reluBiasGrad, type FusedConvAttrs } from './fused-conv.js';

export type ConvAttrs = Omit<FusedConvAttrs, 'activation'>;

export interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same';
}

/** A Dropout layer after the pool: its rate, and the source its seeds are drawn from at each call. */
export interface DropoutAttrs {
  rate: number;
  random: () => number;
}

const has = (name: string) => tf.getKernel(name, tf.getBackend()) != null;

/** Whether the current backend can run convReluPool's gradient as one pass. */
export const poolReluGradAvailable = (): boolean => has(POOL_RELU_GRAD);

/** Whether the current backend has the conv + ReLU + pool kernel and, with `routes`, those taking the gradients from its routes. */
const convReluPoolKernels = (routes: boolean): boolean => has(CONV_RELU_POOL) && (!routes || (has(CONV_RELU_POOL_GRAD) && has(RELU_BIAS_GRAD)));

/** The 2x2, stride-2, unpadded pool (the seed CNN's). */
export const isPool2x2 = (pool: PoolAttrs): boolean =>
  pool.filterSize.every((n) => n === 2) && pool.strides.every((n) => n === 2) && pool.pad === 'valid';

/**
 * The conv + ReLU + pool kernel where the backend has one, else undefined:
 * [pooled] or, for training, [pooled, the pool's routes] (the pooled values
 * dropped out if asked), where the backend also has the kernels that take
 * the gradients from them.
 */
function convReluPoolKernel(
  x: tf.Tensor4D,
  filter: tf.Tensor4D,
  bias: tf.Tensor1D | undefined,
  conv: ConvAttrs,
  routes: boolean,
  dropout?: ConvReluPoolAttrs['dropout'],
): tf.Tensor4D[] | undefined {
  if (!convReluPoolKernels(routes)) return undefined;
  const attrs: ConvReluPoolAttrs = { strides: conv.strides, pad: conv.pad, routes, ...(dropout && { dropout }) };
  return tf.engine().runKernel(CONV_RELU_POOL, bias ? { x, filter, bias } : { x, filter }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor4D[];
}

/**
 * maxPool2x2(relu(conv2d(x, filter) + bias)) for inference: one pass where
 * the backend has the kernel (the conv's own output is then never written),
 * else the fused conv and the pool.
 */
export function convReluPool2x2(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, conv: ConvAttrs): tf.Tensor4D {
  const fused = convReluPoolKernel(x, filter, bias, conv, false);
  if (fused) return fused[0];
  return tf.tidy(() => tf.maxPool(fusedConv2d(x, filter, bias, { ...conv, activation: 'relu' }), 2, 2, 'valid'));
}

type Saved = [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];

/**
 * maxPool(relu(conv2d(x, filter) + bias)) (NHWC, no dilation) for training,
 * as a function of x, filter and bias (or none, withBias false). All three
 * gradients are always computed (it is a custom gradient), so this is for a
 * conv whose input has a gradient: not a first layer. Needs
 * poolReluGradAvailable(). Where the backend has the kernels (a 2x2 pool),
 * the forward keeps only the pool's routes, and the conv's gradients are
 * taken from the pool's gradient and the routes: the conv's output and its
 * gradient (9 MB each for the seed CNN at batch 128) are never written.
 * Elsewhere the forward keeps the conv's output, and the pool's and the
 * ReLU's gradients are one pass (POOL_RELU_GRAD) before the conv's.
 *
 * With `dropout`, a Dropout after the pool is part of the step where the
 * backend has the kernels: they drop pooled values as they are written (no
 * mask made), a dropped value routes nowhere, and the gradients take dy
 * times 1 / (1 - rate) where the output is positive, which is where a value
 * was kept and passed the ReLU. Elsewhere a mask is made and multiplied.
 */
export function convReluPool(conv: ConvAttrs, pool: PoolAttrs, withBias: boolean, dropout?: DropoutAttrs): (x: tf.Tensor4D, filter: tf.Tensor4D, bias?: tf.Tensor1D) => tf.Tensor4D {
  // The dropout of the call under way: customGrad's function takes tensors only.
  let drawn: { rate: number; seed: number } | undefined;
  const run = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, filter, bias] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D | undefined];
    const drop = drawn;
    const fused = isPool2x2(pool) ? convReluPoolKernel(x, filter, bias, conv, true, drop) : undefined;
    const scale = drop ? dropoutLevels(drop.rate).keep : 1;
    // Without the kernel: the conv's output, which the pool's gradient reads.
    const y = fused ? undefined : fusedConv2d(x, filter, bias, { ...conv, activation: 'relu' });
    const pooled = fused ? fused[0] : tf.maxPool(y!, pool.filterSize, pool.strides, pool.pad);
    save([x, filter, fused ? fused[1] : y!, pooled]);
    return {
      value: pooled,
      gradFunc: (dp: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sFilter, routesOrY, sPooled] = saved as Saved;
        let grads: tf.Tensor[];
        let dz: tf.Tensor4D | undefined;
        if (fused) {
          const attrs: ConvReluPoolGradAttrs = { strides: conv.strides, pad: conv.pad, scale };
          grads = tf.engine().runKernel(CONV_RELU_POOL_GRAD, { x: sx, filter: sFilter, dy: dp, routes: routesOrY }, attrs as unknown as tf.NamedAttrMap) as unknown as tf.Tensor[];
        } else {
          dz = tf.engine().runKernel(POOL_RELU_GRAD, { dy: dp, input: routesOrY }, { ...pool, dimRoundingMode: undefined as unknown as string }) as tf.Tensor4D;
          grads = [convInputGradient(dz, sFilter, sx.shape, conv.strides, conv.pad), convFilterGradient(sx, dz, sFilter.shape, conv.strides, conv.pad)];
        }
        if (!withBias) return grads;
        // The pool routes each output's dp to one input, kept where that max
        // (the pooled value) is positive: the bias gradient is dp where
        // pooled > 0, summed, a quarter of the values dz has.
        const db = reluBiasGrad(dp, sPooled, false)?.db ?? biasGradient(dz!);
        return [...grads, scale === 1 ? db : tf.mul(db, scale)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  const call = (x: tf.Tensor4D, filter: tf.Tensor4D, bias?: tf.Tensor1D) => (withBias ? run(x, filter, bias!) : run(x, filter)) as tf.Tensor4D;
  return (x, filter, bias) => {
    if (!dropout || dropout.rate <= 0) return call(x, filter, bias);
    const drop = { rate: dropout.rate, seed: dropoutSeed(dropout.random) };
    if (!(isPool2x2(pool) && convReluPoolKernels(true))) return applyDropout(call(x, filter, bias), drop.rate, drop.seed);
    drawn = drop;
    try {
      return call(x, filter, bias);
    } finally {
      drawn = undefined;
    }
  };
}
