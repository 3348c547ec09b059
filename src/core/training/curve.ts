import type * as tf from '@tensorflow/tfjs';
import { KerasAdadelta } from '../ops/adadelta.js';
import { FeatureFeeder } from '../data/batches.js';
import { perClassIndices, type ClassSet } from '../data/dataset.js';
import { extractFeatures, featureSubset } from './features.js';
import { buildHead, epochsFor } from './finetune.js';
import { disposeModels, outputSize } from '../model/model.js';
import { seededRandom } from '../data/random.js';
import { ADADELTA } from '../seed.js';
import { evaluate, fit } from './train.js';

/** Examples per class the few-shot curve measures; Infinity means all. */
export const CURVE_SIZES = [10, 100, 1000, Infinity];
/** Small sets get at least this many steps, so 10 examples per class are not judged on 5 updates. */
export const CURVE_MIN_STEPS = 200;

export interface CurvePoint {
  /** null: all training examples. */
  examplesPerClass: number | null;
  trainSamples: number;
  epochs: number;
  seconds: number;
  testLoss: number;
  testAccuracy: number;
}

export interface CurveOptions {
  epochs: number;
  batchSize: number;
  seed: number;
  learningRate?: number;
  maxFeatureBytes?: number;
  signal?: AbortSignal;
}

/**
 * How well the frozen base transfers from few examples: heads trained on
 * cached features of 10, 100, 1000 and all examples per class (seeded
 * samples), each evaluated on the whole test split.
 */
export async function learningCurve(
  base: tf.Sequential,
  train: ClassSet,
  test: ClassSet,
  options: CurveOptions,
  sizes = CURVE_SIZES,
): Promise<CurvePoint[]> {
  const all = await extractFeatures(base, train, { maxBytes: options.maxFeatureBytes });
  const testFeeder = new FeatureFeeder(await extractFeatures(base, test, { maxBytes: options.maxFeatureBytes }));
  const points: CurvePoint[] = [];
  for (const perClass of sizes) {
    const set = Number.isFinite(perClass)
      ? featureSubset(all, perClassIndices(all.labels, all.classes.length, perClass, seededRandom(options.seed)))
      : all;
    const head = buildHead(all.classes.length, outputSize(base), options.seed);
    const optimizer = new KerasAdadelta(options.learningRate ?? ADADELTA.learningRate, ADADELTA.rho, ADADELTA.epsilon);
    try {
      const epochs = epochsFor(set.count, { ...options, minSteps: CURVE_MIN_STEPS });
      const { epochs: logs } = await fit(head, new FeatureFeeder(set), {
        epochs,
        batchSize: options.batchSize,
        optimizer,
        random: seededRandom(options.seed),
        signal: options.signal,
      });
      const score = await evaluate(head, testFeeder);
      points.push({
        examplesPerClass: Number.isFinite(perClass) ? perClass : null,
        trainSamples: set.count,
        epochs,
        seconds: logs.reduce((s, l) => s + l.seconds, 0),
        testLoss: score.loss,
        testAccuracy: score.accuracy,
      });
    } finally {
      optimizer.dispose();
      disposeModels([head]);
    }
  }
  return points;
}
