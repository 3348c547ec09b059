import * as tf from '@tensorflow/tfjs';
import { span, type Feeder } from '../data/batches.js';
import { trainingForward } from '../model/forward.js';
import { infer } from '../model/inference.js';
import { correctCount, crossEntropySum, softmaxCrossEntropySum } from '../ops/metrics.js';
import { permutation } from '../data/random.js';
import { emptyConfusion, matrixAccuracy, tally, type ConfusionMatrix } from './confusion.js';

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

/** An evaluation pass over a whole set: its accuracy is the confusion matrix's trace over its total. */
export interface SetEvaluation extends Evaluation {
  confusion: ConfusionMatrix;
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
  /** Drives shuffling and dropout masks: a seeded source makes runs repeatable. */
  random: () => number;
  validation?: Feeder;
  /** Raised between steps to stop early (Ctrl-C); fit then throws TrainingStopped. */
  signal?: AbortSignal;
  /** Awaited after every step: a server passes a yield to its event loop so it keeps answering while it trains. */
  pause?: () => Promise<void>;
}

export class TrainingStopped extends Error {
  override name = 'TrainingStopped';
}

/**
 * Loss, accuracy and confusion matrix of `model` on every example of
 * `feeder`, in inference mode, from one prediction per example.
 */
export async function evaluate(model: tf.LayersModel, feeder: Feeder, batchSize = 512): Promise<SetEvaluation> {
  let loss = 0;
  const confusion = emptyConfusion(feeder.numClasses);
  for (let start = 0; start < feeder.count; start += batchSize) {
    const { xs, ys } = feeder.batch(span(start, Math.min(start + batchSize, feeder.count)));
    const [l, truth, predicted] = tf.tidy(() => {
      const probs = infer(model, xs);
      return [crossEntropySum(probs, ys), tf.argMax(ys, -1), tf.argMax(probs, -1)];
    });
    loss += (await l.data())[0];
    tally(confusion, await truth.data(), await predicted.data());
    tf.dispose([xs, ys, l, truth, predicted]);
  }
  return { loss: loss / feeder.count, accuracy: matrixAccuracy(confusion), confusion };
}

/** What a fit did: each epoch's log, and the trained model's score on the validation set, if one was given. */
export interface Fitted {
  epochs: EpochLog[];
  /** The last epoch's validation pass: the weights do not change after it, so it is the final score. */
  validation?: SetEvaluation;
}

/**
 * Mini-batch training of the model's trainable weights (frozen layers stay
 * put), shuffling each epoch, validating after each epoch. Loss and accuracy
 * are running means over the epoch, as Keras reports them.
 */
export async function fit(
  model: tf.LayersModel,
  feeder: Feeder,
  options: FitOptions,
  callbacks: TrainCallbacks = {},
): Promise<Fitted> {
  const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
  const { forward, logits } = trainingForward(model, options.random);
  const loss = logits ? softmaxCrossEntropySum : crossEntropySum;
  const steps = Math.ceil(feeder.count / options.batchSize);
  const logs: EpochLog[] = [];
  let validation: SetEvaluation | undefined;
  for (let epoch = 1; epoch <= options.epochs; epoch++) {
    callbacks.onEpochBegin?.(epoch, options.epochs, steps);
    const started = performance.now();
    const order = permutation(feeder.count, options.random);
    let lossSum = 0;
    let correct = 0;
    let seen = 0;
    for (let step = 0; step < steps; step++) {
      if (options.signal?.aborted) throw new TrainingStopped('training stopped');
      const { xs, ys, size } = feeder.batch(order.subarray(step * options.batchSize, (step + 1) * options.batchSize));
      let hits: tf.Scalar | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = forward(xs);
        hits = tf.keep(correctCount(out, ys));
        return tf.div(loss(out, ys), size);
      }, variables);
      options.optimizer.applyGradients(grads);
      lossSum += (await value.data())[0] * size;
      correct += (await hits!.data())[0];
      seen += size;
      tf.dispose([xs, ys, value, hits!, ...Object.values(grads)]);
      callbacks.onBatchEnd?.(step + 1, { loss: lossSum / seen, accuracy: correct / seen });
      await options.pause?.();
    }
    // The epoch's time is its training steps; validation is reported apart.
    const seconds = (performance.now() - started) / 1000;
    validation = options.validation && (await evaluate(model, options.validation));
    const log = { epoch, loss: lossSum / seen, accuracy: correct / seen, valLoss: validation?.loss ?? NaN, valAccuracy: validation?.accuracy ?? NaN, seconds };
    logs.push(log);
    callbacks.onEpochEnd?.(log);
  }
  return { epochs: logs, validation };
}
