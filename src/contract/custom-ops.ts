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
 * a gradient through the pool and the ReLU needs (see CONV_RELU_POOL_GRAD): for each
 * pooled value, which input of its window (0-3, row by row) was the first
 * maximum, or 4 if that maximum is not positive (no gradient passes the ReLU).
 * With routes, a dropout may follow the pool in the same kernel: the pooled
 * values times fillDropoutMask's mask of the pooled shape, and 4 as the
 * route of a dropped value.
 */
export const CONV_RELU_POOL = 'EdgetuneConvReluPool';

export interface ConvReluPoolAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  routes: boolean;
  /** A dropout after the pool (with routes only): its rate and the generator's seed, a uint32. */
  dropout?: { rate: number; seed: number };
}

/**
 * The gradients of CONV_RELU_POOL's conv from the pool's gradient and
 * routes: inputs x, filter, dy (the pooled values' gradient) and routes;
 * the forward's strides and pad. Outputs [dx, dfilter]; the bias gradient
 * is RELU_BIAS_GRAD's of dy and the pooled values (times scale). The conv's
 * own output gradient is dy times scale at the input its route names, 0
 * elsewhere (and in an odd last row or column, which no window covers).
 */
export const CONV_RELU_POOL_GRAD = 'EdgetuneConvReluPoolGrad';

export interface ConvReluPoolGradAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  /** dy's factor: with a dropout in the forward, its 1 / (1 - rate) (dy is then the dropped values' gradient); 1 if absent. */
  scale?: number;
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

/**
 * The filter and bias gradients of a ReLU conv, relu(conv(x, filter) + bias)
 * = y, from dy, the gradient of y: inputs x, dy and y; Conv2DBackpropFilter's
 * strides, pad and filterShape. Outputs [dfilter, dbias], those of dy where
 * y > 0. For a conv whose input gradient nobody needs (the model's first),
 * so the masked gradient itself is never made.
 */
export const RELU_CONV_FILTER_GRAD = 'EdgetuneReluConvFilterGrad';

export interface ReluConvFilterGradAttrs {
  strides: [number, number];
  pad: 'valid' | 'same';
  filterShape: [number, number, number, number];
}
