import * as tf from '@tensorflow/tfjs';
import { BatchFeeder } from './batches.js';
import type { ClassSet } from './dataset.js';
import { correctCount, crossEntropySum } from './metrics.js';
import { permutation } from './random.js';

export interface EpochLog {
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  seconds: number;
}

export interface Evaluation {
  loss: number;
  accuracy: number;
}

/** Progress hooks; all optional. `step` is 1-based. */
export interface TrainCallbacks {
  onEpochBegin?(epoch: number, epochs: number, steps: number): void;
  onBatchEnd?(step: number, running: Evaluation): void;
  onEpochEnd?(log: EpochLog): void;
}

export interface FitOptions {
  epochs: number;
  batchSize: number;
  optimizer: tf.Optimizer;
  random: () => number;
  validation?: ClassSet;
  /** Raised between steps to stop early (Ctrl-C); fit then throws TrainingStopped. */
  signal?: AbortSignal;
}

export class TrainingStopped extends Error {
  override name = 'TrainingStopped';
}

/** Loss and accuracy of `model` on `set` in inference mode. */
export async function evaluate(model: tf.LayersModel, set: ClassSet, batchSize = 512): Promise<Evaluation> {
  const feeder = new BatchFeeder(set, batchSize);
  let loss = 0;
  let correct = 0;
  for (let start = 0; start < set.count; start += batchSize) {
    const { xs, ys } = feeder.range(start);
    const [l, c] = tf.tidy(() => {
      const probs = model.apply(xs, { training: false }) as tf.Tensor;
      return [crossEntropySum(probs, ys), correctCount(probs, ys)];
    });
    loss += (await l.data())[0];
    correct += (await c.data())[0];
    tf.dispose([xs, ys, l, c]);
  }
  return { loss: loss / set.count, accuracy: correct / set.count };
}

/**
 * Mini-batch training of the model's trainable weights (frozen layers stay
 * put), shuffling each epoch, validating after each epoch. Loss and accuracy
 * are running means over the epoch, as Keras reports them.
 */
export async function fit(
  model: tf.LayersModel,
  train: ClassSet,
  options: FitOptions,
  callbacks: TrainCallbacks = {},
): Promise<EpochLog[]> {
  const feeder = new BatchFeeder(train, options.batchSize);
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const steps = feeder.steps();
  const logs: EpochLog[] = [];
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    callbacks.onEpochBegin?.(epoch, options.epochs, steps);
    const started = performance.now();
    const order = permutation(train.count, options.random);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted) throw new TrainingStopped('training stopped');
      const { xs, ys, size } = feeder.batch(order.subarray(step * options.batchSize, (step + 1) * options.batchSize));
      let hits: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const probs = model.apply(xs, { training: true }) as tf.Tensor;
        hits = tf.keep(correctCount(probs, ys));
        return tf.div(crossEntropySum(probs, ys), size);
      }, variables);
      options.optimizer.applyGradients(grads);
      lossSum += (await value.data())[0] * size;
      correct += (await hits!.data())[0];
      seen += size;
      tf.dispose([xs, ys, value, hits!, ...Object.values(grads)]);
      callbacks.onBatchEnd?.(step + 1, { loss: lossSum / seen, accuracy: correct / seen });
    }
    const seconds = (performance.now() - started) / 1000;
    const val = options.validation ? await evaluate(model, options.validation) : { loss: NaN, accuracy: NaN };
    const log = { epoch, loss: lossSum / seen, accuracy: correct / seen, valLoss: val.loss, valAccuracy: val.accuracy, seconds };
    logs.push(log);
    callbacks.onEpochEnd?.(log);
  }
  return logs;
}
