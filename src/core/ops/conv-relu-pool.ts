import * as tf from '@tensorflow/tfjs';
import { CONV_RELU_POOL, POOL_RELU_GRAD, UNPOOL_2X2, type ConvReluPoolAttrs, type Unpool2x2Attrs } from '../../contract/custom-ops.js';
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

/** The conv + ReLU + pool kernel where the backend has one, else undefined: [pooled] or [pooled, the pool's routes]. */
function convReluPoolKernel(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, conv: ConvAttrs, routes: boolean): tf.Tensor4D[] | undefined {
  if (tf.getKernel(CONV_RELU_POOL, tf.getBackend()) == null || (routes && tf.getKernel(UNPOOL_2X2, tf.getBackend()) == null)) return undefined;
  const attrs: ConvReluPoolAttrs = { strides: conv.strides, pad: conv.pad, routes };
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
 * the ReLU's gradients fused). All three gradients are always computed (it
 * is a custom gradient), so this is for a conv whose input has a gradient:
 * not a first layer. Needs poolReluGradAvailable(). Where the backend has
 * the one-pass kernel (a 2x2 pool), the forward pass keeps only the pool's
 * routes, not the conv's output (9 MB for the seed CNN at batch 128,
 * written and read back), and the gradient is dp put where they point.
 */
export function convReluPool(conv: ConvAttrs, pool: PoolAttrs, withBias: boolean): (x: tf.Tensor4D, filter: tf.Tensor4D, bias?: tf.Tensor1D) => tf.Tensor4D {
  const run = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const [x, filter, bias] = args as [tf.Tensor4D, tf.Tensor4D, tf.Tensor1D | undefined];
    const fused = isPool2x2(pool) ? convReluPoolKernel(x, filter, bias, conv, true) : undefined;
    // Without the kernel: the conv's output, which the pool's gradient reads.
    const y = fused ? undefined : fusedConv2d(x, filter, bias, { ...conv, activation: 'relu' });
    const pooled = fused ? fused[0] : tf.maxPool(y!, pool.filterSize, pool.strides, pool.pad);
    save([x, filter, fused ? fused[1] : y!, pooled]);
    return {
      value: pooled,
      gradFunc: (dp: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sFilter, routesOrY, sPooled] = saved as Saved;
        const [, inHeight, inWidth] = tf.backend_util.computeConv2DInfo(sx.shape, sFilter.shape, conv.strides, 1, conv.pad).outShape;
        const unpool: Unpool2x2Attrs = { inHeight, inWidth };
        const dz = (
          fused
            ? tf.engine().runKernel(UNPOOL_2X2, { dy: dp, routes: routesOrY }, unpool as unknown as tf.NamedAttrMap)
            : tf.engine().runKernel(POOL_RELU_GRAD, { dy: dp, input: routesOrY }, { ...pool, dimRoundingMode: undefined as unknown as string })
        ) as tf.Tensor4D;
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
