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

/**
 * Summed cross-entropy from logits with a fused gradient: the value is Keras's
 * (softmax, clip, -Σ y·log p); the gradient is softmax(z) - y, which is what
 * the chain through softmax and log gives wherever the clip is inactive, in
 * one op instead of a dozen.
 */
export const softmaxCrossEntropySum = tf.customGrad(((logits: tf.Tensor, onehot: tf.Tensor, save: tf.GradSaveFunc) => {
  const probs = tf.softmax(logits);
  save([probs, onehot]);
  return {
    value: crossEntropySum(probs, onehot),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => [tf.mul(dy, tf.sub(saved[0], saved[1])), tf.zerosLike(saved[1])],
  };
}) as unknown as Parameters<typeof tf.customGrad>[0]) as (logits: tf.Tensor, onehot: tf.Tensor) => tf.Scalar;
