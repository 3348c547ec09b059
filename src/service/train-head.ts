import { headFiles, headMetadata } from '../core/artifacts/bundle.js';
import { stratifiedIndices, type ClassSet } from '../core/data/dataset.js';
import { epochsFor, finetune } from '../core/training/finetune.js';
import { disposeModels } from '../core/model/model.js';
import { seededRandom } from '../core/data/random.js';
import { ADADELTA, TRAINING } from '../core/seed.js';
import { sizeOf, type InputShape } from '../core/data/input-shape.js';
import type { EpochLog } from '../core/training/train.js';
import { perClassResults, type ClassResult, type ConfusionMatrix } from '../core/training/confusion.js';
import type { ServiceBase } from './deps.js';
import type { HeadStore, HeadVersion } from './head-store.js';
import type { TrainBody } from './schemas.js';

/** Without an explicit epoch count, small example sets still get this many steps (Adadelta starts slowly). */
export const DEFAULT_MIN_STEPS = 200;

export interface TrainJob {
  name: string;
  body: TrainBody;
  /** The examples' images, validated and decoded, back to back. */
  pixels: Float32Array;
  seed: number;
  createdAt: () => string;
  onEpoch?(log: EpochLog): void;
  signal?: AbortSignal;
  pause?: () => Promise<void>;
}

/** How the trained head does on the held-out examples, per class in the order of `labels`. */
export interface HeldOutResult {
  examples: number;
  loss: number;
  accuracy: number;
  labels: string[];
  confusion: ConfusionMatrix;
  perClass: ClassResult[];
}

export interface TrainJobResult {
  version: HeadVersion;
  epochs: EpochLog[];
  extractSeconds: number;
  seconds: number;
  /** Only when the body held examples out (validationSplit). */
  validation?: HeldOutResult;
}

/** Images (of the base's shape) quantised to bytes like MNIST's, with labels as indices into body.labels. */
function examplesSet(body: TrainBody, shape: InputShape, pixels: Float32Array, indices: ArrayLike<number>): ClassSet {
  const size = sizeOf(shape);
  const images = new Uint8Array(indices.length * size);
  const labels = new Uint8Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const src = indices[i];
    for (let p = 0; p < size; p++) images[i * size + p] = Math.round(pixels[src * size + p] * 255);
    labels[i] = body.labels.indexOf(body.examples[src].label);
  }
  return { images, labels, count: indices.length, shape, classes: body.labels.map((_, i) => i), names: body.labels };
}

/**
 * Examples of a class of `n` held out by `validationSplit`: its share, but
 * never the class's last one, so every class is trained on (a class of one
 * is then not validated).
 */
const heldOfClass = (n: number, split: number) => Math.min(n - 1, Math.round(n * split));

/** How a train body's examples split (train / held out, class by class) and how many epochs and steps it runs. */
export function trainingPlan(body: TrainBody) {
  const n = body.examples.length;
  const perClass = new Map<string, number>();
  for (const e of body.examples) perClass.set(e.label, (perClass.get(e.label) ?? 0) + 1);
  const held = [...perClass.values()].reduce((sum, count) => sum + heldOfClass(count, body.validationSplit ?? 0), 0);
  const batchSize = body.batchSize ?? TRAINING.batchSize;
  const epochs = body.epochs ?? TRAINING.epochs;
  const minSteps = body.epochs === undefined ? DEFAULT_MIN_STEPS : 0;
  const trainCount = n - held;
  const epochsRun = epochsFor(trainCount, { epochs, batchSize, minSteps });
  return { held, batchSize, epochs, minSteps, epochsRun, steps: epochsRun * Math.ceil(trainCount / batchSize) };
}

/**
 * Trains a head on the frozen base from request examples, on cached
 * features, and stores it as the head's next version (which becomes the
 * serving one only once completely stored).
 */
export async function trainHead(base: ServiceBase, store: HeadStore, job: TrainJob): Promise<TrainJobResult> {
  const { body } = job;
  const { held, batchSize, epochs, minSteps } = trainingPlan(body);
  const split = stratifiedIndices(
    body.examples.map((e) => body.labels.indexOf(e.label)),
    (n) => heldOfClass(n, body.validationSplit ?? 0),
    seededRandom(job.seed),
  );
  // Training draws its batches at random anyway; the examples' order in the request is kept.
  const train = examplesSet(body, base.input, job.pixels, split.train);
  const validation = held > 0 ? examplesSet(body, base.input, job.pixels, split.test) : undefined;
  const result = await finetune(
    base.model,
    train,
    validation,
    {
      mode: 'cached',
      epochs,
      minSteps,
      batchSize,
      learningRate: body.learningRate,
      seed: job.seed,
      signal: job.signal,
      pause: job.pause,
    },
    { onEpochEnd: job.onEpoch },
  );
  try {
    const last = result.epochs[result.epochs.length - 1];
    const metadata = headMetadata(
      { name: job.name, labels: body.labels, baseHash: base.hash, input: base.input, createdAt: job.createdAt() },
      {
        mode: 'cached',
        source: 'http',
        epochs: result.epochs.length,
        batchSize,
        examples: train.count,
        validationExamples: validation?.count ?? 0,
        learningRate: body.learningRate ?? ADADELTA.learningRate,
        seed: job.seed,
        extractSeconds: result.extractSeconds,
        seconds: result.seconds,
      },
      {
        trainLoss: last.loss,
        trainAccuracy: last.accuracy,
        ...(result.test ? { valLoss: result.test.loss, valAccuracy: result.test.accuracy } : {}),
      },
    );
    const version = await store.put(job.name, await headFiles(result.head, metadata), metadata);
    const held: HeldOutResult | undefined = result.test && {
      examples: validation!.count,
      loss: result.test.loss,
      accuracy: result.test.accuracy,
      labels: body.labels,
      confusion: result.test.confusion,
      perClass: perClassResults(body.labels, result.test.confusion),
    };
    return { version, epochs: result.epochs, extractSeconds: result.extractSeconds, seconds: result.seconds, validation: held };
  } finally {
    disposeModels([result.head]);
  }
}
