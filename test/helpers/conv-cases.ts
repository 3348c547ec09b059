import * as tf from '@tensorflow/tfjs';

/** A conv (NHWC, no dilation) whose gradient kernels a test checks against cpu. */
export type ConvCase = {
  name: string;
  x: [number, number, number, number];
  filter: [number, number, number, number];
  strides: number;
  pad: 'valid' | 'same';
};

/** The conv's output shape: that of the gradient dy its gradient kernels take. */
export const dyShape = (c: ConvCase) => tf.tidy(() => tf.conv2d(tf.zeros(c.x) as tf.Tensor4D, tf.zeros(c.filter) as tf.Tensor4D, c.strides, c.pad).shape);
