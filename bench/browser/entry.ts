// The browser row of the benchmark: page-internal timing in headless Chromium
// of inference (batch 128, batch-1 latency) and a fine-tune step on cached
// features, with the same code the page uses.
import * as tf from '@tensorflow/tfjs';
import { FeatureFeeder, featureSet } from '../../src/core/data/batches.js';
import { classify } from '../../src/core/model/classify.js';
import { KerasAdadelta } from '../../src/core/ops/adadelta.js';
import { buildHead } from '../../src/core/training/finetune.js';
import { seededRandom } from '../../src/core/data/random.js';
import { fit } from '../../src/core/training/train.js';
import { startPageWasm } from '../../src/runtimes/browser/backend.js';

declare global {
  interface Window {
    bench(config: { warmup: number; steps: number; inferRuns: number; latencyRuns: number }): Promise<unknown>;
  }
}

window.bench = async (config) => {
  const { info } = await startPageWasm();
  const base = await tf.loadLayersModel('/models/base/model.json');
  const head = await tf.loadLayersModel('/models/heads/finetune/model.json');
  const labels = ['0', '1', '2', '3', '4'];
  const random = seededRandom(1);
  const pixels = Float32Array.from({ length: 128 * 784 }, () => (random() < 0.2 ? random() : 0));
  const inferBatchSeconds: number[] = [];
  for (let i = 0; i < config.warmup + config.inferRuns; i++) {
    const started = performance.now();
    classify(base, head, labels, pixels, 128);
    if (i >= config.warmup) inferBatchSeconds.push((performance.now() - started) / 1000);
  }
  const latencyMs: number[] = [];
  for (let i = 0; i < config.warmup + config.latencyRuns; i++) {
    const started = performance.now();
    classify(base, head, labels, pixels.subarray(0, 784), 1);
    if (i >= config.warmup) latencyMs.push(performance.now() - started);
  }
  const count = (config.warmup + config.steps) * 128;
  const features = featureSet(Float32Array.from({ length: count * 4608 }, () => random()), Uint8Array.from({ length: count }, (_, i) => i % 5), 4608, [0, 1, 2, 3, 4]);
  const optimizer = new KerasAdadelta();
  const times: number[] = [];
  let last = performance.now();
  await fit(buildHead(5, 4608, 1), new FeatureFeeder(features), { epochs: 1, batchSize: 128, optimizer, random }, {
    onBatchEnd: () => {
      const now = performance.now();
      times.push((now - last) / 1000);
      last = now;
    },
  });
  return { backend: info, inferBatchSeconds, latencyMs, cachedStepSeconds: times.slice(config.warmup) };
};
