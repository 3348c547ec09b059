import * as tf from '@tensorflow/tfjs';
import { RELU_BIAS_GRAD, RELU_CONV_FILTER_GRAD, type ReluBiasGradAttrs, type ReluConvFilterGradAttrs } from '../../contract/custom-ops.js';

export type FusedActivation = 'linear' | 'relu';

export interface FusedConvAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  activation: FusedActivation;
  /** The conv's input is the model's: its gradient is not computed unless asked for. */
  dataInput?: boolean;
}

/** The gradients of a conv (NHWC, no dilation) from dz, the gradient of its output before bias and activation. */
export const convInputGradient = (dz: tf.Tensor4D, filter: tf.Tensor4D, xShape: number[], strides: [number, number], pad: 'valid' | 'same') =>
  tf.conv2dTranspose(dz, filter, xShape as [number, number, number, number], strides, pad);

export const convFilterGradient = (x: tf.Tensor4D, dz: tf.Tensor4D, filterShape: number[], strides: [number, number], pad: 'valid' | 'same') =>
  tf.engine().runKernel('Conv2DBackpropFilter', { x, dy: dz }, { strides, pad, dataFormat: 'NHWC', filterShape }) as tf.Tensor4D;

export const biasGradient = (dz: tf.Tensor4D) => tf.sum(dz, [0, 1, 2]);

/**
 * The gradient of the bias added before a ReLU (dy where y > 0, summed over
 * every axis but the last) and, with keepGrad, that masked dy: one pass
 * where the backend has the kernel, else undefined.
 */
export function reluBiasGrad(dy: tf.Tensor, y: tf.Tensor, keepGrad: boolean): { db: tf.Tensor1D; dz?: tf.Tensor4D } | undefined {
  if (tf.getKernel(RELU_BIAS_GRAD, tf.getBackend()) == null) return undefined;
  const attrs: ReluBiasGradAttrs = { keepGrad };
  const [db, dz] = tf.engine().runKernel(RELU_BIAS_GRAD, { dy, y }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor1D, tf.Tensor4D?];
  return { db, dz };
}

/**
 * The filter and bias gradients of a ReLU conv whose output y has gradient
 * dy, in one kernel that never makes the masked dy, where the backend has
 * it; else undefined.
 */
function reluConvFilterGrad(x: tf.Tensor4D, dy: tf.Tensor4D, y: tf.Tensor4D, attrs: ReluConvFilterGradAttrs): { dw: tf.Tensor4D; db: tf.Tensor1D } | undefined {
  if (tf.getKernel(RELU_CONV_FILTER_GRAD, tf.getBackend()) == null) return undefined;
  const [dw, db] = tf.engine().runKernel(RELU_CONV_FILTER_GRAD, { x, dy, y }, attrs as unknown as tf.NamedAttrMap) as unknown as [tf.Tensor4D, tf.Tensor1D];
  return { dw, db };
}

/**
 * The gradient of FusedConv2D as the tape sees it when the kernel is run
 * directly: one lazy function per input, so a gradient nobody needs (the
 * images' under the first conv) is never computed. tf.fused.conv2d instead
 * wraps the kernel in customGrad, which always computes all three.
 */
function registerFusedConvGradient(): void {
  tf.registerGradient({
    kernelName: 'FusedConv2D',
    inputsToSave: ['x', 'filter'],
    outputsToSave: [true],
    gradFunc: (dy, saved, attrs) => {
      const [x, filter, y] = saved as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
      const { strides, pad, activation, dataInput } = attrs as unknown as FusedConvAttrs;
      const reluMasked = () => tf.mul(dy as tf.Tensor, tf.step(y)) as tf.Tensor4D;
      // On the model's input, the filter's and bias's gradients are what the
      // step needs: one pass from dy, where the backend has it.
      const onInput = activation === 'relu' && dataInput ? reluConvFilterGrad(x, dy as tf.Tensor4D, y, { strides, pad, filterShape: filter.shape }) : undefined;
      if (onInput) {
        return {
          x: () => convInputGradient(reluMasked(), filter, x.shape, strides, pad),
          filter: () => onInput.dw,
          bias: () => onInput.db,
        };
      }
      // Under a ReLU, the bias gradient is summed in the pass that masks dy
      // where the backend has it; else dy * step(y), summed apart.
      const fused = activation === 'relu' ? reluBiasGrad(dy as tf.Tensor, y, true) : undefined;
      const dz = fused?.dz ?? (activation === 'relu' ? reluMasked() : (dy as tf.Tensor4D));
      return {
        x: () => convInputGradient(dz, filter, x.shape, strides, pad),
        filter: () => convFilterGradient(x, dz, filter.shape, strides, pad),
        bias: () => fused?.db ?? biasGradient(dz),
      };
    },
  });
}

let registered = false;

/**
 * activation(conv2d(x, filter) + bias) as one kernel (NHWC, no dilation),
 * trainable: the backward pass computes only the gradients asked for.
 */
export function fusedConv2d(x: tf.Tensor4D, filter: tf.Tensor4D, bias: tf.Tensor1D | undefined, attrs: FusedConvAttrs): tf.Tensor4D {
  if (!registered) {
    registerFusedConvGradient();
    registered = true;
  }
  return tf.engine().runKernel(
    'FusedConv2D',
    bias ? { x, filter, bias } : { x, filter },
    { ...attrs, dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined as unknown as string },
  ) as tf.Tensor4D;
}
