// npm run bench [-- --quick] : tfjs on WASM against native backends and plain
// JS on the same model, data and batch size, in one run. Never part of npm test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { countFlops } from '../src/core/flops.js';
import { buildModel, disposeModels } from '../src/core/model.js';
import { defaultMnistDir } from '../src/runtimes/node/mnist-files.js';
import { positiveInt } from '../src/runtimes/node/integer-args.js';
import { chartSvg } from './chart.js';
import { goals } from './goals.js';
import { browserRow, httpLoad, workerdRow, type Effort } from './remote.js';
import { markdown, type BenchResults, type BenchRow, type LoadResult } from './report.js';
import type { RowConfig, RowMeasurements } from './rows/node-row.js';
import { nodeRow, pytorchRow } from './rows.js';
import { latency, spread } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PRETRAIN_IMAGES = 29404;
const FINETUNE_STEPS = 240 * 5;
const FINETUNE_IMAGES = 30596;

const program = new Command('bench')
  .description('Benchmark edgetune: wasm (SIMD, threads) against tfjs cpu, tfjs-node and PyTorch; browser, workerd, HTTP load')
  .option('--quick', 'a few steps per row (a few minutes)')
  .option('--models <dir>', 'a trained base + heads for the browser/workerd/HTTP rows (default data/models, else a quick one is trained)')
  .option('--out <dir>', 'where results go', path.join(root, 'bench', 'results'))
  .option('--skip <parts>', 'comma list of parts to skip: node,pytorch,browser,workerd,http', '')
  .option('--repeat <n>', 'measure the rows the goals compare (wasm SIMD, PyTorch) n times, interleaved, for the spread between runs', positiveInt, 1)
  .parse();
const opts = program.opts<{ quick?: boolean; models?: string; out: string; skip: string; repeat: number }>();
const skip = new Set(opts.skip.split(',').filter(Boolean));
const quick = opts.quick === true;
const effort: Effort = quick
  ? { warmup: 1, warmupSeconds: 0, steps: 4, inferRuns: 4, latencyRuns: 10, latencyWarmup: 50, loadSeconds: 2 }
  : { warmup: 3, warmupSeconds: 10, steps: 20, inferRuns: 20, latencyRuns: 50, latencyWarmup: 1000, loadSeconds: 10 };
const cores = os.availableParallelism();
const log = (line: string) => process.stderr.write(`${line}\n`);

const model = buildModel(5);
const flops = countFlops(model.layers);
disposeModels([model]);

const median = (xs: number[]) => spread(xs).median;
const perSecond = (seconds: number[], images = 128) => spread(seconds.map((s) => images / s));

function computeRow(id: string, runtime: BenchRow['runtime'], m: RowMeasurements): BenchRow {
  const train = m.trainStepSeconds.length ? perSecond(m.trainStepSeconds) : undefined;
  const infer = perSecond(m.inferBatchSeconds);
  return {
    id,
    runtime,
    backend: m.backend.name,
    simd: m.backend.simd,
    threads: m.backend.threads,
    ...(train ? { trainImagesPerSec: train, epochSeconds: PRETRAIN_IMAGES / train.median } : {}),
    inferImagesPerSec: infer,
    latencyMs: latency(m.latencyMs),
    ...(m.modes
      ? {
          finetuneSeconds: {
            cached: m.modes.extractSecondsPerImage * FINETUNE_IMAGES + median(m.modes.cachedStepSeconds) * FINETUNE_STEPS,
            frozen: median(m.modes.frozenStepSeconds) * FINETUNE_STEPS,
            full: median(m.trainStepSeconds) * FINETUNE_STEPS,
          },
        }
      : {}),
    gflops: { ...(train ? { train: (flops.train * train.median) / 1e9 } : {}), infer: (flops.forward * infer.median) / 1e9 },
  };
}

const rows: BenchRow[] = [];
const base = (threads: number): RowConfig => ({
  backend: 'wasm',
  simd: true,
  threads,
  warmup: effort.warmup,
  warmupSeconds: effort.warmupSeconds,
  steps: effort.steps,
  inferRuns: effort.inferRuns,
  latencyRuns: effort.latencyRuns,
  latencyWarmup: effort.latencyWarmup,
  modes: true,
});
const configs: Array<[string, RowConfig]> = [
  ['wasm-nosimd-t1', { ...base(1), simd: false, steps: Math.max(2, Math.round(effort.steps / 4)), modes: !quick }],
  ['wasm-simd-t1', base(1)],
  ...Array.from({ length: cores - 1 }, (_, i) => [`wasm-simd-t${i + 2}`, base(i + 2)] as [string, RowConfig]),
  // Pure JS trains at ~1 image/s (its conv gradients are scalar loops): a short sample; none with --quick.
  ['cpu', { ...base(1), backend: 'cpu', simd: false, warmup: 0, warmupSeconds: 0, steps: quick ? 0 : 2, inferRuns: 2, latencyRuns: 5, latencyWarmup: 5, modes: false }],
  ['tfjs-node', { ...base(cores), backend: 'tensorflow' }],
];
/** Every repetition's measurements of one row (`each`: the row of each repetition), merged: samples pooled, per-repetition medians kept. */
function mergeRuns(id: string, runtime: BenchRow['runtime'], runs: RowMeasurements[], each: BenchRow[]): BenchRow {
  const pooled: RowMeasurements = {
    backend: runs[0].backend,
    trainStepSeconds: runs.flatMap((m) => m.trainStepSeconds),
    inferBatchSeconds: runs.flatMap((m) => m.inferBatchSeconds),
    latencyMs: runs.flatMap((m) => m.latencyMs),
    ...(runs[0].modes
      ? {
          modes: {
            cachedStepSeconds: runs.flatMap((m) => m.modes!.cachedStepSeconds),
            frozenStepSeconds: runs.flatMap((m) => m.modes!.frozenStepSeconds),
            extractSecondsPerImage: median(runs.map((m) => m.modes!.extractSecondsPerImage)),
          },
        }
      : {}),
  };
  const row = computeRow(id, runtime, pooled);
  if (runs.length > 1) {
    row.repetitions = {
      ...(row.trainImagesPerSec ? { trainImagesPerSec: each.map((r) => r.trainImagesPerSec!.median) } : {}),
      inferImagesPerSec: each.map((r) => r.inferImagesPerSec!.median),
      latencyP50Ms: each.map((r) => r.latencyMs!.p50),
    };
  }
  return row;
}

// Node and PyTorch rows, each repetition measuring every row once.
type Measured = Pick<BenchRow, 'id' | 'runtime' | 'backend' | 'simd' | 'threads'> & { measure: () => ReturnType<typeof nodeRow> };
// Only the rows the goals compare are repeated: the others are context, and the cpu row alone takes minutes.
const repeated = (m: Measured) => (m.backend === 'wasm' && m.simd) || m.backend === 'pytorch';
const measured: Measured[] = [];
if (!skip.has('node')) {
  for (const [id, config] of configs) measured.push({ id, runtime: 'node', backend: config.backend, simd: config.simd, threads: config.threads, measure: () => nodeRow(config) });
}
let pytorchVersion: string | undefined;
if (!skip.has('pytorch')) {
  for (const threads of [...new Set([1, cores])]) {
    measured.push({
      id: `pytorch-t${threads}`,
      runtime: 'python',
      backend: 'pytorch',
      simd: true,
      threads,
      measure: async () => {
        const m = await pytorchRow({ ...base(threads), backend: 'cpu' }, defaultMnistDir());
        if (!('skipped' in m)) pytorchVersion = m.version;
        return m;
      },
    });
  }
}
const runs = new Map<string, RowMeasurements[]>();
const skippedRows = new Map<string, string>();
for (let rep = 1; rep <= opts.repeat; rep++) {
  for (const row of measured) {
    const { id } = row;
    if (skippedRows.has(id) || (rep > 1 && !repeated(row))) continue;
    log(`bench: ${id}${opts.repeat > 1 ? ` (${rep}/${opts.repeat})` : ''}…`);
    const m = await row.measure();
    if ('skipped' in m) skippedRows.set(id, m.skipped);
    else runs.set(id, [...(runs.get(id) ?? []), m]);
  }
}
const rowRuns = new Map<string, BenchRow[]>();
for (const { measure: _, ...row } of measured) {
  const { id, runtime } = row;
  const skipped = skippedRows.get(id);
  if (skipped) {
    rows.push({ ...row, skipped });
    continue;
  }
  const measurements = runs.get(id)!;
  const each = measurements.map((m) => computeRow(id, runtime, m));
  rows.push(mergeRuns(id, runtime, measurements, each));
  rowRuns.set(id, each);
}

// A trained base and heads for the rows that serve them.
let models = opts.models ?? path.join(root, 'data', 'models');
const needsModels = !(skip.has('browser') && skip.has('workerd') && skip.has('http'));
if (needsModels && !existsSync(path.join(models, 'base', 'model.json'))) {
  models = await mkdtemp(path.join(os.tmpdir(), 'edgetune-bench-models-'));
  log('bench: no trained models; a quick transfer for the served rows…');
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(root, 'src/runtimes/node/main.ts'), 'transfer', '--limit', '1024', '--epochs', '1', '--finetune-epochs', '1', '--seed', '1', '--out', models], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(r.stderr);
}

if (!skip.has('browser')) {
  log('bench: browser (headless Chromium)…');
  const b = await browserRow(models, effort).catch((err: Error) => ({ skipped: err.message }));
  rows.push(
    'skipped' in b
      ? { id: 'browser-wasm', runtime: 'browser', backend: 'wasm', simd: true, threads: 1, skipped: b.skipped }
      : {
          id: `browser-wasm-simd-t${b.backend.threads}`,
          runtime: 'browser',
          backend: b.backend.name,
          simd: b.backend.simd,
          threads: b.backend.threads,
          inferImagesPerSec: perSecond(b.inferBatchSeconds),
          latencyMs: latency(b.latencyMs),
          finetuneStepMs: latency(b.cachedStepSeconds.map((s) => s * 1000)),
          gflops: { infer: (flops.forward * perSecond(b.inferBatchSeconds).median) / 1e9 },
        },
  );
}
if (!skip.has('workerd')) {
  log('bench: workerd (wrangler dev)…');
  const w = await workerdRow(models, effort).catch((err: Error) => ({ skipped: err.message }));
  rows.push(
    'skipped' in w
      ? { id: 'workerd-wasm', runtime: 'workerd', backend: 'wasm', simd: true, threads: 1, skipped: w.skipped }
      : {
          id: 'workerd-wasm-simd-t1',
          runtime: 'workerd',
          backend: w.backend.name,
          simd: w.backend.simd,
          threads: w.backend.threads,
          inferImagesPerSec: spread(w.predict128Ms.map((ms) => 128_000 / ms)),
          latencyMs: latency(w.predict1Ms),
          finetuneStepMs: latency(w.finetuneMs),
        },
  );
}

const reference = rows.find((r) => r.id === `pytorch-t${cores}` && !r.skipped);
for (const r of rows) {
  if (!reference || r.skipped) continue;
  r.vsPytorch = {
    ...(r.trainImagesPerSec && reference.trainImagesPerSec ? { train: r.trainImagesPerSec.median / reference.trainImagesPerSec.median } : {}),
    ...(r.inferImagesPerSec && reference.inferImagesPerSec ? { infer: r.inferImagesPerSec.median / reference.inferImagesPerSec.median } : {}),
  };
}

let http: LoadResult[] | undefined;
if (!skip.has('http')) {
  log('bench: HTTP load (autocannon)…');
  http = [];
  for (const windowMs of [0, 2]) {
    const r = await httpLoad(models, effort, cores, windowMs).catch((err: Error) => (log(`bench: HTTP load skipped: ${err.message}`), []));
    http.push(...r);
  }
}

const results: BenchResults = {
  version: 1,
  createdAt: new Date().toISOString(),
  quick,
  repeat: opts.repeat,
  machine: { cpu: os.cpus()[0]?.model ?? 'unknown', cores, node: process.version.slice(1), tfjs: tf.version.tfjs, host: os.hostname(), ...(pytorchVersion ? { pytorch: pytorchVersion } : {}) },
  rows,
  goals: goals(rowRuns, cores),
  ...(http ? { http } : {}),
};
const table = markdown(results);
process.stdout.write(`${table}\n`);
await mkdir(opts.out, { recursive: true });
const stem = path.join(opts.out, `${results.createdAt.slice(0, 10)}-${os.hostname()}${quick ? '-quick' : ''}`);
await writeFile(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
await writeFile(`${stem}.md`, `${table}\n`);
await writeFile(`${stem}.svg`, await chartSvg(results));
log(`bench: wrote ${stem}.json, .md and .svg`);

