// edgetune's own kernels: core runs them by these names where the backend
// has registered them (and falls back to tf ops elsewhere); backend/kernels
// registers them. Here so that neither side imports the other.

/** MaxPoolGrad going on through the ReLU whose output the pool read: inputs dy, input; MaxPoolGrad's attributes. */
export const POOL_RELU_GRAD = 'EdgetuneMaxPoolReluGrad';

/** The dropout mask made on the backend; the values are fillDropoutMask's. */
export const DROPOUT_MASK = 'EdgetuneDropoutMask';

export interface DropoutMaskAttrs {
  shape: number[];
  rate: number;
  /** The PRNG's starting state, a uint32. */
  seed: number;
}

/**
 * The whole Keras Adadelta update of one variable (inputs value, grad,
 * accumGrad, accumDelta; outputs the three new values).
 */
export const KERAS_ADADELTA = 'EdgetuneKerasAdadelta';

export interface KerasAdadeltaAttrs {
  learningRate: number;
  rho: number;
  epsilon: number;
}

/**
 * A conv with bias and ReLU, then a 2x2, stride-2 max pool, as one kernel:
 * inputs x, filter, bias (optional); outputs the pooled values and, with
 * keepConv, the conv's output as well (a gradient through the pool reads it).
 */
export const CONV_RELU_POOL = 'EdgetuneConvReluPool';

export interface ConvReluPoolAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  keepConv: boolean;
}

/**
 * A ReLU's gradient and the gradient of the bias added before it, in one
 * pass: inputs dy and y (the ReLU's output), [..., C]; outputs the bias
 * gradient [C] (dy where y > 0, summed over every axis but the last) and,
 * with keepGrad, the ReLU's gradient itself.
 */
export const RELU_BIAS_GRAD = 'EdgetuneReluBiasGrad';

export interface ReluBiasGradAttrs {
  keepGrad: boolean;
}
