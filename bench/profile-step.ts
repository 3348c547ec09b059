// npm run bench:profile [-- --threads N] : where a pretraining step's time
// goes, kernel by kernel (tf.profile), on the wasm backend as edgetune
// trains: the real forward, loss, gradients and Adadelta update on batch 128.
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { KerasAdadelta } from '../src/core/ops/adadelta.js';
import { trainingForward } from '../src/core/model/forward.js';
import { softmaxCrossEntropySum } from '../src/core/ops/metrics.js';
import { buildModel } from '../src/core/model/model.js';
import { seededRandom } from '../src/core/data/random.js';
import { startNodeBackend } from '../src/runtimes/node/backend.js';
import { positiveInt } from '../src/runtimes/node/integer-args.js';
import { quantile, spread } from './stats.js';

const opts = new Command('bench:profile')
  .description('Per-kernel time of one pretraining step on the wasm backend')
  .option('--threads <n>', 'wasm threads', positiveInt, 2)
  .option('--steps <n>', 'timed steps for the step median', positiveInt, 20)
  .option('--warmup-seconds <n>', 'seconds of steps first (V8 optimizes tfjs for the first ~160; see bench/remote.ts)', positiveInt, 10)
  .option('--top <n>', 'kernels to list', positiveInt, 20)
  .option('--profiles <n>', 'profiled steps; each kernel is listed with its median over them', positiveInt, 5)
  .parse()
  .opts<{ threads: number; steps: number; warmupSeconds: number; top: number; profiles: number }>();

const BATCH = 128;
const info = await startNodeBackend({ backend: 'wasm', simd: true, threads: opts.threads }, (msg) => process.stderr.write(`${msg}\n`));
const model = buildModel(5, 1);
const optimizer = new KerasAdadelta();
const { forward } = trainingForward(model, seededRandom(1));
const variables = model.trainableWeights.map((w) => w.read() as tf.Variable);
const xs = tf.randomUniform([BATCH, 28, 28, 1]);
const ys = tf.tidy(() => tf.oneHot(tf.randomUniform([BATCH], 0, 5, 'int32') as tf.Tensor1D, 5).toFloat());
const step = () => {
  const { value, grads } = tf.variableGrads(() => tf.div(softmaxCrossEntropySum(forward(xs), ys), BATCH) as tf.Scalar, variables);
  optimizer.applyGradients(grads);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
};

const warming = performance.now();
while (performance.now() - warming < opts.warmupSeconds * 1000) step();
const times: number[] = [];
for (let i = 0; i < opts.steps; i++) {
  const started = performance.now();
  step();
  times.push(performance.now() - started);
}
// One profiled step is at the mercy of the machine's noise: the median of several, per kernel.
const samples = new Map<string, number[]>();
for (let p = 0; p < opts.profiles; p++) {
  const profile = await tf.profile(step);
  const byKernel = new Map<string, number>();
  // Custom gradients (the conv + pool block, the loss) appear as a scope around their kernels: count only the kernels.
  for (const k of profile.kernels.filter((k) => tf.getKernel(k.name, 'wasm') != null)) {
    const key = `${k.name} ${JSON.stringify(k.inputShapes)}`;
    byKernel.set(key, (byKernel.get(key) ?? 0) + (k.kernelTimeMs as number));
  }
  for (const [key, ms] of byKernel) samples.set(key, [...(samples.get(key) ?? []), ms]);
}
const byKernel = new Map([...samples].map(([key, v]) => [key, quantile(v, 0.5)]));
const rows = [...byKernel].sort((a, b) => b[1] - a[1]);
const total = rows.reduce((sum, [, ms]) => sum + ms, 0);
console.log(`backend: ${JSON.stringify(info)}`);
const stepTimes = spread(times);
console.log(`step: median ${stepTimes.median.toFixed(1)} ms (min ${stepTimes.min.toFixed(1)}) over ${opts.steps}; kernels of a profiled step (medians of ${opts.profiles}): ${total.toFixed(1)} ms`);
for (const [key, ms] of rows.slice(0, opts.top)) console.log(`${ms.toFixed(2).padStart(8)} ms  ${key}`);
