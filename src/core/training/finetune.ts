import * as tf from '@tensorflow/tfjs';
import { KerasAdadelta } from '../ops/adadelta.js';
import { modelFromFiles, modelToFiles } from '../artifacts/artifacts.js';
import { FeatureFeeder, ImageFeeder, type Feeder } from '../data/batches.js';
import type { ClassSet } from '../data/dataset.js';
import { extractFeatures } from './features.js';
import { classifierLayers, disposeModels, outputSize } from '../model/model.js';
import { seededRandom } from '../data/random.js';
import { ADADELTA } from '../seed.js';
import { summarize, type ModelSummary } from '../model/summary.js';
import { fit, type EpochLog, type SetEvaluation, type TrainCallbacks } from './train.js';

export const FINETUNE_MODES = ['cached', 'frozen', 'full'] as const;
/**
 * cached: features computed once by the frozen base, only the head trains on them;
 * frozen: the notebook's way, the whole network runs each step, feature layers frozen;
 * full:   nothing frozen (the no-freeze comparison); it changes the feature layers.
 */
export type FinetuneMode = (typeof FINETUNE_MODES)[number];

export interface FinetuneOptions {
  mode: FinetuneMode;
  epochs: number;
  batchSize: number;
  learningRate?: number;
  seed: number;
  /** Raise the epoch count until training takes at least this many steps (small example sets). */
  minSteps?: number;
  maxFeatureBytes?: number;
  signal?: AbortSignal;
  pause?: () => Promise<void>;
  log?(line: string): void;
}

export interface FinetuneResult {
  mode: FinetuneMode;
  /** The trained classification layers as a model on feature vectors; the caller disposes it. */
  head: tf.Sequential;
  epochs: EpochLog[];
  /** Time to compute the cached features of the training set (cached mode; else 0). */
  extractSeconds: number;
  /** Training cost: extraction plus the epochs' steps (validation excluded). */
  seconds: number;
  /** Loss, accuracy and confusion matrix on the test set, when one was given. */
  test?: SetEvaluation;
  /** The whole network as trained: base + head, with what was frozen. */
  summary: ModelSummary;
  /** True in full mode: the head belongs to feature layers that no longer match the base. */
  baseChanged: boolean;
}

/** Fresh classification layers for `numClasses` classes on `featureSize`-d features. */
export function buildHead(numClasses: number, featureSize: number, seed: number): tf.Sequential {
  return tf.sequential({ name: 'head', layers: classifierLayers(numClasses, seed, featureSize) });
}

/** The epochs to run so that there are at least `minSteps` steps. */
export const epochsFor = (examples: number, options: Pick<FinetuneOptions, 'epochs' | 'batchSize' | 'minSteps'>): number =>
  Math.max(options.epochs, Math.ceil((options.minSteps ?? 0) / Math.ceil(examples / options.batchSize)));

/**
 * Trains new classification layers for `train`'s classes on top of `base`
 * (which is left unchanged) and evaluates them on `test`.
 */
export async function finetune(
  base: tf.Sequential,
  train: ClassSet,
  test: ClassSet | undefined,
  options: FinetuneOptions,
  callbacks: TrainCallbacks = {},
): Promise<FinetuneResult> {
  const head = buildHead(train.classes.length, outputSize(base), options.seed);
  const copy = options.mode === 'full' ? ((await modelFromFiles(await modelToFiles(base))) as tf.Sequential) : undefined;
  const features = copy ?? base;
  const whole = tf.sequential({ name: 'sequential_finetune', layers: [...features.layers, ...head.layers] });
  const wasTrainable = base.layers.map((l) => l.trainable);
  features.layers.forEach((l) => {
    l.trainable = options.mode === 'full';
  });
  const optimizer = new KerasAdadelta(options.learningRate ?? ADADELTA.learningRate, ADADELTA.rho, ADADELTA.epsilon);
  try {
    const summary = summarize(whole);
    let trainFeeder: Feeder;
    let testFeeder: Feeder | undefined;
    let extractSeconds = 0;
    if (options.mode === 'cached') {
      options.log?.(`Extracting features of ${train.count} training images with the frozen base...`);
      const started = performance.now();
      const extract = { maxBytes: options.maxFeatureBytes, signal: options.signal, pause: options.pause };
      trainFeeder = new FeatureFeeder(await extractFeatures(base, train, extract));
      extractSeconds = (performance.now() - started) / 1000;
      if (test) testFeeder = new FeatureFeeder(await extractFeatures(base, test, extract));
      options.log?.(`Features extracted in ${extractSeconds.toFixed(1)} s (${trainFeeder.count} x ${outputSize(base)})`);
    } else {
      trainFeeder = new ImageFeeder(train);
      if (test) testFeeder = new ImageFeeder(test);
    }
    const trained = options.mode === 'cached' ? head : whole;
    const { epochs, validation } = await fit(
      trained,
      trainFeeder,
      {
        epochs: epochsFor(train.count, options),
        batchSize: options.batchSize,
        optimizer,
        random: seededRandom(options.seed),
        validation: testFeeder,
        signal: options.signal,
        pause: options.pause,
      },
      callbacks,
    );
    const seconds = extractSeconds + epochs.reduce((s, e) => s + e.seconds, 0);
    return {
      mode: options.mode,
      head,
      epochs,
      extractSeconds,
      seconds,
      test: validation,
      summary,
      baseChanged: options.mode === 'full',
    };
  } catch (err) {
    disposeModels([head]);
    throw err;
  } finally {
    optimizer.dispose();
    base.layers.forEach((l, i) => {
      l.trainable = wasTrainable[i];
    });
    if (copy) disposeModels([copy]);
  }
}
