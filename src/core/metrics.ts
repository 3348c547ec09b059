import * as tf from '@tensorflow/tfjs';

const EPSILON = 1e-7;

/**
 * Keras's categorical cross-entropy on probabilities: renormalise, clip to
 * [ε, 1-ε], -Σ y·log p per example; summed over the batch (callers divide).
 */
export function crossEntropySum(probs: tf.Tensor, onehot: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    const p = tf.clipByValue(tf.div(probs, tf.sum(probs, -1, true)), EPSILON, 1 - EPSILON);
    return tf.neg(tf.sum(tf.mul(onehot, tf.log(p)))) as tf.Scalar;
  });
}

/** How many rows have their arg-max on the true class. */
export function correctCount(probs: tf.Tensor, onehot: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.sum(tf.cast(tf.equal(tf.argMax(probs, -1), tf.argMax(onehot, -1)), 'float32')));
}
