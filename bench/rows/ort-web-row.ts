// The WebAssembly peer for inference: onnxruntime-web's wasm backend (SIMD,
// threads) in Node, on the ONNX model torch_bench.py exported (the weights
// every ONNX row runs), batch 128 throughput and batch-1 latency.
// Usage: tsx bench/rows/ort-web-row.ts CONFIG_JSON MODEL_ONNX
import { readFile } from 'node:fs/promises';
import * as ort from 'onnxruntime-web';
import { selectClasses } from '../../src/core/data/dataset.js';
import { PRETRAIN_CLASSES } from '../../src/core/seed.js';
import { defaultMnistDir, loadMnistDir } from '../../src/runtimes/node/mnist-files.js';
import type { RowConfig, RowMeasurements } from './node-row.js';

const config = JSON.parse(process.argv[2]) as RowConfig;
ort.env.wasm.numThreads = config.threads;
ort.env.wasm.simd = true;
const session = await ort.InferenceSession.create(new Uint8Array(await readFile(process.argv[3])), { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });

const data = await loadMnistDir(defaultMnistDir());
const test = selectClasses(data.test, [...PRETRAIN_CLASSES], 128);
const pixels = Float32Array.from(test.images, (v) => v / 255);
const batch = new ort.Tensor('float32', pixels, [128, 1, 28, 28]);
const one = new ort.Tensor('float32', pixels.slice(0, 784), [1, 1, 28, 28]);

async function timed(input: ort.Tensor, runs: number, warmup: number): Promise<number[]> {
  const seconds: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const start = performance.now();
    const out = await session.run({ x: input });
    out.p.dispose();
    if (i >= warmup) seconds.push((performance.now() - start) / 1000);
  }
  return seconds;
}

// Whether the requested threads really work: CPU time over wall time while inferring.
const cpuBefore = process.cpuUsage();
const wallBefore = performance.now();
const inferBatchSeconds = await timed(batch, config.inferRuns, config.warmup);
const { user, system } = process.cpuUsage(cpuBefore);
const parallelism = (user + system) / 1000 / (performance.now() - wallBefore);
if (config.threads > 1 && parallelism < 1.2) {
  process.stderr.write(`refused: onnxruntime-web asked for ${config.threads} threads used ${parallelism.toFixed(2)} cores\n`);
  process.exit(3);
}

const result: RowMeasurements & { setup: Record<string, unknown>; version: string } = {
  backend: { name: 'onnxruntime-web', simd: true, threads: ort.env.wasm.numThreads as number },
  setup: { version: `onnxruntime-web ${ort.env.versions.web}`, threads: ort.env.wasm.numThreads, coresUsed: Number(parallelism.toFixed(2)), blas: 'MLAS (wasm SIMD128)', isa: 'wasm simd128', node: process.version },
  version: ort.env.versions.web ?? 'unknown',
  trainStepSeconds: [],
  inferBatchSeconds,
  latencyMs: (await timed(one, config.latencyRuns, config.latencyWarmup)).map((s) => s * 1000),
};
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(0);
