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
 * routes, the pool's routes as well (int32, the pooled shape), which is all
 * a gradient through the pool and the ReLU needs (see UNPOOL_2X2): for each
 * pooled value, which input of its window (0-3, row by row) was the first
 * maximum, or 4 if that maximum is not positive (no gradient passes the ReLU).
 */
export const CONV_RELU_POOL = 'EdgetuneConvReluPool';

export interface ConvReluPoolAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  routes: boolean;
}

/**
 * The gradient through a 2x2, stride-2 max pool and the ReLU before it, from
 * CONV_RELU_POOL's routes: inputs dy (the pooled values' gradient) and
 * routes; attrs the pool input's height and width (at least twice the
 * pooled ones: an odd last row or column has no window). Output: the pool
 * input's gradient, dy where the route names the input, else 0.
 */
export const UNPOOL_2X2 = 'EdgetuneUnpool2x2';

export interface Unpool2x2Attrs {
  inHeight: number;
  inWidth: number;
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
