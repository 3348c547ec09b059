import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL, POOL_RELU_GRAD, type ConvReluPoolAttrs } from '../../contract/custom-ops.js';
import { biasGradient, convFilterGradient, convInputGradient, fusedConv2d, reluBiasGrad, type FusedConvAttrs } from './fused-conv.js';

export type ConvAttrs = Omit<FusedConvAttrs, 'activation'>;

export interface PoolAttrs {
  filterSize: [number, number];
  strides: [number, number];
  pad: 'valid' | 'same';
}

/** Whether the current backend can run convReluPool's gradient as one pass. */
export const poolReluGradAvailable = (): boolean => tf.getKernel(POOL_RELU_GRAD, tf.getBackend()) != null;

/** The 2x2, stride-2, unpadded pool (the seed CNN's). */
export const isPool2x2 = (pool: PoolAttrs): boolean =>
  pool.filterSize.every((n) => n === 2) && pool.strides.every((n) => n === 2) && pool.pad === 'valid';

/** The conv + ReLU + pool kernel where the backend has one, else undefined: [pooled] or [pooled, conv output]. */
function convReluPoolKernel(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, conv: ConvAttrs, keepConv: boolean): tf.Tensor4D[] | undefined {
  if (tf.getKernel(CONV_RELU_POOL, tf.getBackend()) == null) return undefined;
  const attrs: ConvReluPoolAttrs = { strides: conv.strides, pad: conv.pad, keepConv };
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
 * as a function of x, filter and bias (or none, withBias false). Its
 * gradient goes from the pool's to the conv's in one pass (the pool's and
 * the ReLU's gradients fused: the 9 MB gradient of the seed CNN's second
 * conv is written once, not written and read back to be masked). All
 * three gradients are always computed (it is a custom gradient), so this is
 * for a conv whose input has a gradient: not a first layer. Needs
 * poolReluGradAvailable(). The forward pass writes the pool as the conv's
 * output is written, where the backend can (see convReluPool2x2).
 */
export function convReluPool(conv: ConvAttrs, pool: PoolAttrs, withBias: boolean): (x: tf.Tensor4D, filter: tf.Tensor4D, bias?: tf.Tensor1D) => tf.Tensor4D {
  const run = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, filter, bias] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D | undefined];
    const fused = isPool2x2(pool) ? convReluPoolKernel(x, filter, bias, conv, true) : undefined;
    const y = fused ? fused[1] : fusedConv2d(x, filter, bias, { ...conv, activation: 'relu' });
    const pooled = fused ? fused[0] : tf.maxPool(y, pool.filterSize, pool.strides, pool.pad);
    save([x, filter, y, pooled]);
    return {
      value: pooled,
      gradFunc: (dp: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sFilter, sy, sPooled] = saved as Saved;
        const dz = tf.engine().runKernel(POOL_RELU_GRAD, { dy: dp, input: sy }, { ...pool, dimRoundingMode: undefined as unknown as string }) as tf.Tensor4D;
        const grads: tf.Tensor[] = [convInputGradient(dz, sFilter, sx.shape, conv.strides, conv.pad), convFilterGradient(sx, dz, sFilter.shape, conv.strides, conv.pad)];
        if (!withBias) return grads;
        // The pool routes each output's dp to one input, kept where that max
        // (the pooled value) is positive: the bias gradient is dp where
        // pooled > 0, summed, a quarter of the values dz has.
        return [...grads, reluBiasGrad(dp, sPooled, false)?.db ?? biasGradient(dz)];
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x, filter, bias) => (withBias ? run(x, filter, bias!) : run(x, filter)) as tf.Tensor4D;
}
