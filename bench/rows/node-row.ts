// One benchmark row in its own process (a wasm backend is configured once per
// process): pretraining steps, inference, batch-1 latency and the step time
// of each fine-tune mode, on real MNIST, with the training loop edgetune uses.
import * as tf from '@tensorflow/tfjs';
import { KerasAdadelta } from '../../src/core/ops/adadelta.js';
import { FeatureFeeder, ImageFeeder, span } from '../../src/core/data/batches.js';
import { baseOf } from '../../src/core/artifacts/bundle.js';
import { simdKernels, simdPool, useSimdKernels } from '../../src/backend/simd/kernels.js';
import { classify } from '../../src/core/model/classify.js';
import { selectClasses } from '../../src/core/data/dataset.js';
import { extractFeatures } from '../../src/core/training/features.js';
import { buildHead } from '../../src/core/training/finetune.js';
import { infer } from '../../src/core/model/inference.js';
import { buildModel } from '../../src/core/model/model.js';
import { seededRandom } from '../../src/core/data/random.js';
import { fit, TrainingStopped } from '../../src/core/training/train.js';
import { startNodeBackend, type BackendName } from '../../src/runtimes/node/backend.js';
import { defaultMnistDir, loadMnistDir } from '../../src/runtimes/node/mnist-files.js';

export interface RowConfig {
  backend: BackendName;
  simd: boolean;
  threads: number;
  warmup: number;
  /** Pretraining steps are timed only after this many seconds of training too (see Effort in bench/remote.ts). */
  warmupSeconds: number;
  steps: number;
  inferRuns: number;
  latencyRuns: number;
  latencyWarmup: number;
  modes: boolean;
  /**
   * Pairs of steps of the thread-scaling measurement (wasm SIMD rows on more
   * than one thread): one step with the SIMD helper threads off (the
   * one-thread path), one with them on, so both see the same machine.
   */
  scalingPairs: number;
}

export interface RowMeasurements {
  backend: { name: string; simd: boolean; threads: number };
  trainStepSeconds: number[];
  inferBatchSeconds: number[];
  latencyMs: number[];
  /** Per fine-tune mode: seconds per training step, and for cached the seconds per extracted image. */
  modes?: { cachedStepSeconds: number[]; extractSecondsPerImage: number; frozenStepSeconds: number[] };
  /** The scaling measurement's steps (seconds), pair by pair: on one thread, and on all. */
  scaling?: { oneThread: number[]; allThreads: number[] };
}

const BATCH = 128;
const config = JSON.parse(process.argv[2]) as RowConfig;

/**
 * Seconds of `steps` consecutive steps of a fit, timed after `warmup` steps
 * and `warmupSeconds` of training; the fit is stopped once they are in.
 * `pause` runs after every step (fit's hook).
 */
async function stepTimes(
  model: tf.LayersModel,
  feeder: ImageFeeder | FeatureFeeder,
  steps: number,
  { warmupSeconds = 0, warmup = config.warmup, pause }: { warmupSeconds?: number; warmup?: number; pause?: () => Promise<void> } = {},
): Promise<number[]> {
  const optimizer = new KerasAdadelta();
  const stop = new AbortController();
  const times: number[] = [];
  const started = performance.now();
  let last = started;
  let skipped = 0;
  try {
    await fit(model, feeder, { epochs: 1000, batchSize: BATCH, optimizer, random: seededRandom(1), signal: stop.signal, pause }, {
      onBatchEnd: () => {
        const now = performance.now();
        if (skipped < warmup || now - started < warmupSeconds * 1000) skipped++;
        else times.push((now - last) / 1000);
        last = now;
        if (times.length === steps) stop.abort();
      },
    });
  } catch (err) {
    if (!(err instanceof TrainingStopped)) throw err;
  } finally {
    optimizer.dispose();
  }
  return times;
}

/**
 * All threads against one in the same process, step by step in one fit:
 * rows measured a minute apart also measure the machine's drift in between,
 * and on these VMs it moves within seconds. Steps alternate between the
 * SIMD helper threads off (the one-thread path) and on; each pair of
 * neighbouring steps gives a ratio. A step on all threads starts with the
 * helpers asleep after the one-thread step, so it pays their wake-up.
 */
async function threadScaling(model: tf.LayersModel, feeder: ImageFeeder, pairs: number): Promise<RowMeasurements['scaling']> {
  const kernels = simdKernels();
  const pool = simdPool();
  if (!kernels || !pool) return undefined;
  // The first step, on all threads, builds the fit's graph and is not timed;
  // after it the arms take turns, one thread first.
  let one = false;
  const pause = async () => {
    one = !one;
    useSimdKernels(kernels, one ? undefined : pool);
  };
  try {
    const times = await stepTimes(model, feeder, 2 * pairs, { warmup: 1, pause });
    return { oneThread: times.filter((_, i) => i % 2 === 0), allThreads: times.filter((_, i) => i % 2 === 1) };
  } finally {
    useSimdKernels(kernels, pool);
  }
}

const backend = await startNodeBackend({ backend: config.backend, simd: config.simd, threads: config.threads }, () => {});
const data = await loadMnistDir(defaultMnistDir());
const images = Math.max(1, config.warmup + config.steps) * BATCH;
const train = selectClasses(data.train, [5, 6, 7, 8, 9], images);
const model = buildModel(5, 1);
const trainStepSeconds = config.steps > 0 ? await stepTimes(model, new ImageFeeder(train), config.steps, { warmupSeconds: config.warmupSeconds }) : [];
const result: RowMeasurements = { backend, trainStepSeconds, inferBatchSeconds: [], latencyMs: [] };

if (config.backend === 'wasm' && config.simd && config.threads > 1 && config.scalingPairs > 0) result.scaling = await threadScaling(model, new ImageFeeder(train), config.scalingPairs);

const test = selectClasses(data.test, [5, 6, 7, 8, 9], BATCH);
const { xs, ys } = new ImageFeeder(test).batch(span(0, BATCH));
for (let i = 0; i < config.warmup + config.inferRuns; i++) {
  const started = performance.now();
  // The inference path edgetune serves with (compiled, fused conv/dense + ReLU), as classify uses.
  const out = tf.tidy(() => infer(model, xs));
  await out.data();
  out.dispose();
  if (i >= config.warmup) result.inferBatchSeconds.push((performance.now() - started) / 1000);
}
const base = baseOf(model);
const head = buildHead(5, 4608, 2);
const labels = ['5', '6', '7', '8', '9'];
const one = Float32Array.from(test.images.subarray(0, 784), (v) => v / 255);
for (let i = 0; i < config.latencyWarmup + config.latencyRuns; i++) {
  const started = performance.now();
  classify(base, head, labels, one, 1);
  if (i >= config.latencyWarmup) result.latencyMs.push(performance.now() - started);
}
tf.dispose([xs, ys]);

if (config.modes) {
  const fine = selectClasses(data.train, [0, 1, 2, 3, 4], images);
  base.layers.forEach((l) => (l.trainable = false));
  const started = performance.now();
  const features = await extractFeatures(base, fine);
  const extractSecondsPerImage = (performance.now() - started) / 1000 / fine.count;
  const cachedStepSeconds = await stepTimes(buildHead(5, 4608, 3), new FeatureFeeder(features), config.steps);
  const frozen = tf.sequential({ layers: [...base.layers, ...buildHead(5, 4608, 4).layers] });
  const frozenStepSeconds = await stepTimes(frozen, new ImageFeeder(fine), config.steps);
  result.modes = { cachedStepSeconds, extractSecondsPerImage, frozenStepSeconds };
}
process.stdout.write(`\n${JSON.stringify(result)}\n`);
