// npm run bench [-- --quick] : tfjs on WASM against native backends and plain
// JS on the same model, data and batch size, in one run. Never part of npm test.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { Command } from 'commander';
import { countFlops } from '../src/core/model/flops.js';
import { buildModel, disposeModels } from '../src/core/model/model.js';
import { defaultMnistDir } from '../src/runtimes/node/mnist-files.js';
import { positiveInt } from '../src/runtimes/node/integer-args.js';
import { chartSvg } from './chart.js';
import { goals } from './goals.js';
import { browserRow, httpLoad, workerdRow, type Effort } from './remote.js';
import { markdown, type BenchResults, type BenchRow, type EdgeLatency, type ExperimentRun, type LoadResult } from './report.js';
import type { RowConfig, RowMeasurements } from './rows/node-row.js';
import { edgetuneTransfer, nodeRow, ortWebRow, pythonJson, pythonLacks, pythonRow, wasmPeak, type Outcome, type PeerMeasurements } from './rows.js';
import { latency, spread } from './stats.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const PRETRAIN_IMAGES = 29404;
const FINETUNE_STEPS = 240 * 5;
const FINETUNE_IMAGES = 30596;

const program = new Command('bench')
  .description(
    'Benchmark edgetune: wasm (SIMD, threads) against native stacks set up as their users run them (PyTorch, Keras/TensorFlow, ONNX Runtime), ' +
      'onnxruntime-web, tfjs cpu and tfjs-node; browser, workerd, HTTP load, the whole experiment end to end',
  )
  .option('--quick', 'a few steps per row (a few minutes)')
  .option('--models <dir>', 'a trained base + heads for the browser/workerd/HTTP rows (default data/models, else a quick one is trained)')
  .option('--out <dir>', 'where results go', path.join(root, 'bench', 'results'))
  .option('--skip <parts>', 'comma list of parts to skip: node,native,browser,workerd,http,e2e, or a Node row by id (cpu: pure-JS training, ~10 min)', '')
  .option('--repeat <n>', 'measure the rows the goals compare (wasm SIMD and every peer) and the end-to-end experiment n times, interleaved, for the spread between runs', positiveInt, 1)
  .option('--python <path>', 'the Python with torch, tensorflow, keras and onnxruntime (bench/reference/setup.sh makes it)', path.join(root, '.venv-bench', 'bin', 'python'))
  .option('--debian-python <path>', "the Python of Debian's python3-torch", '/usr/bin/python3')
  .parse();
const opts = program.opts<{ quick?: boolean; models?: string; out: string; skip: string; repeat: number; python: string; debianPython: string }>();
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
    ...(m.scaling?.allThreads.length ? { threadScaling: spread(m.scaling.allThreads.map((all, i) => m.scaling!.oneThread[i] / all)) } : {}),
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
  scalingPairs: quick ? 3 : 100,
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
    // A repetition whose helper threads did not start has no pairs to add.
    ...(runs.some((m) => m.scaling)
      ? { scaling: { oneThread: runs.flatMap((m) => m.scaling?.oneThread ?? []), allThreads: runs.flatMap((m) => m.scaling?.allThreads ?? []) } }
      : {}),
  };
  const row = computeRow(id, runtime, pooled);
  if (runs.length > 1) {
    row.repetitions = {
      ...(row.trainImagesPerSec ? { trainImagesPerSec: each.map((r) => r.trainImagesPerSec!.median) } : {}),
      inferImagesPerSec: each.map((r) => r.inferImagesPerSec!.median),
      latencyP50Ms: each.map((r) => r.latencyMs!.p50),
      ...(row.threadScaling ? { threadScaling: each.map((r) => r.threadScaling?.median ?? NaN) } : {}),
    };
  }
  return row;
}

// Node rows and their peers, each repetition measuring every row once.
type Measured = Pick<BenchRow, 'id' | 'runtime' | 'backend' | 'simd' | 'threads' | 'peer'> & { measure: () => Promise<Outcome<RowMeasurements | PeerMeasurements>> };
// Only the rows the goals compare are repeated: the others are context, and the cpu row alone takes minutes.
const repeated = (m: Measured) => (m.backend === 'wasm' && m.simd) || m.peer !== undefined;
const measured: Measured[] = [];
if (!skip.has('node')) {
  for (const [id, config] of configs.filter(([id]) => !skip.has(id))) measured.push({ id, runtime: 'node', backend: config.backend, simd: config.simd, threads: config.threads, measure: () => nodeRow(config) });
}
const setups = new Map<string, Record<string, unknown>>();
const onnx = path.join(await mkdtemp(path.join(os.tmpdir(), 'edgetune-bench-onnx-')), 'seed.onnx');
let pytorchVersion: string | undefined;
if (!skip.has('native')) {
  const mnist = defaultMnistDir();
  const lacksVenv = await pythonLacks(opts.python, ['torch', 'tensorflow', 'keras', 'onnxruntime', 'onnx']);
  const lacksDebian = await pythonLacks(opts.debianPython, ['torch']);
  const setupHint = 'bash bench/reference/setup.sh';
  const peer = (id: string, backend: string, threads: number, measure: () => Promise<Outcome<RowMeasurements | PeerMeasurements>>, lacks?: string, kind: 'native' | 'wasm' = 'native'): Measured => ({
    id,
    runtime: kind === 'native' ? 'python' : 'node',
    backend,
    simd: true,
    threads,
    peer: kind,
    measure: lacks ? async () => ({ skipped: `${lacks} (${setupHint})` }) : measure,
  });
  const needsOnnx = (m: () => Promise<Outcome<PeerMeasurements>>) => async () => (existsSync(onnx) ? m() : { skipped: 'no ONNX model: the pytorch row exports it and did not run' });
  for (const threads of [...new Set([1, cores])]) {
    const config = { ...base(threads), backend: 'cpu' as const };
    measured.push(
      peer(`pytorch-t${threads}`, 'pytorch', threads, () => pythonRow(opts.python, 'torch_bench.py', config, mnist, [onnx]), lacksVenv),
      peer(`pytorch-debian-t${threads}`, 'pytorch', threads, () => pythonRow(opts.debianPython, 'torch_bench.py', config, mnist), lacksDebian),
      peer(`keras-tf-t${threads}`, 'keras-tf', threads, () => pythonRow(opts.python, 'keras_bench.py', { ...config, modes: false }, mnist), lacksVenv),
      peer(`onnxruntime-t${threads}`, 'onnxruntime', threads, needsOnnx(() => pythonRow(opts.python, 'ort_bench.py', config, mnist, [onnx])), lacksVenv),
      peer(`onnxruntime-web-t${threads}`, 'onnxruntime-web', threads, needsOnnx(() => ortWebRow(config, onnx)), undefined, 'wasm'),
    );
  }
}
const runs = new Map<string, RowMeasurements[]>();
const skippedRows = new Map<string, { skipped: string } | { refused: string }>();
for (let rep = 1; rep <= opts.repeat; rep++) {
  for (const row of measured) {
    const { id } = row;
    if (skippedRows.has(id) || (rep > 1 && !repeated(row))) continue;
    log(`bench: ${id}${opts.repeat > 1 ? ` (${rep}/${opts.repeat})` : ''}…`);
    const m = await row.measure();
    if ('skipped' in m || 'refused' in m) {
      skippedRows.set(id, m);
      log(`bench: ${id} ${'refused' in m ? `refused: ${m.refused}` : `skipped: ${m.skipped}`}`);
      continue;
    }
    if ('setup' in m) setups.set(id, m.setup);
    if (id === `pytorch-t${cores}` && 'version' in m) pytorchVersion = m.version;
    runs.set(id, [...(runs.get(id) ?? []), m]);
  }
}
const rowRuns = new Map<string, BenchRow[]>();
for (const { measure: _, ...row } of measured) {
  const { id, runtime } = row;
  const skipped = skippedRows.get(id);
  if (skipped) {
    rows.push({ ...row, ...skipped });
    continue;
  }
  const measurements = runs.get(id)!;
  const each = measurements.map((m) => computeRow(id, runtime, m));
  rows.push({ ...mergeRuns(id, runtime, measurements, each), ...(row.peer ? { peer: row.peer } : {}), ...(setups.has(id) ? { setup: setups.get(id) } : {}) });
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
let edge: EdgeLatency | undefined;
if (!skip.has('workerd')) {
  log('bench: workerd (the deployable bundle), and the same predict-1 request to edgetune serve…');
  const w = await workerdRow(models, effort).catch((err: Error) => ({ skipped: err.message }));
  if (!('skipped' in w)) {
    edge = {
      rounds: w.edge.workerdMs.length,
      requestsPerRound: w.edge.workerdMs[0].length,
      workerdMs: latency(w.edge.workerdMs.flat()),
      nodeMs: latency(w.edge.nodeMs.flat()),
      roundRatios: w.edge.workerdMs.map((ms, i) => latency(ms).p50 / latency(w.edge.nodeMs[i]).p50),
      notFoundMs: { workerd: latency(w.edge.notFoundMs.workerd), node: latency(w.edge.notFoundMs.node) },
    };
  }
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

const live = (r: BenchRow) => !r.skipped && !r.refused;
const pytorch = rows.find((r) => r.id === `pytorch-t${cores}` && live(r));
const natives = rows.filter((r) => r.peer === 'native' && live(r));
/** The fastest native row on `threads` threads for a figure. */
const bestNative = (threads: number, of: (r: BenchRow) => number | undefined) =>
  Math.max(...natives.filter((r) => r.threads === threads).map((r) => of(r) ?? NaN).filter(Number.isFinite));
for (const r of rows) {
  if (!live(r)) continue;
  if (pytorch) {
    r.vsPytorch = {
      ...(r.trainImagesPerSec && pytorch.trainImagesPerSec ? { train: r.trainImagesPerSec.median / pytorch.trainImagesPerSec.median } : {}),
      ...(r.inferImagesPerSec && pytorch.inferImagesPerSec ? { infer: r.inferImagesPerSec.median / pytorch.inferImagesPerSec.median } : {}),
    };
  }
  const train = bestNative(r.threads, (n) => n.trainImagesPerSec?.median);
  const infer = bestNative(r.threads, (n) => n.inferImagesPerSec?.median);
  r.vsBestNative = {
    ...(r.trainImagesPerSec && Number.isFinite(train) ? { train: r.trainImagesPerSec.median / train } : {}),
    ...(r.inferImagesPerSec && Number.isFinite(infer) ? { infer: r.inferImagesPerSec.median / infer } : {}),
  };
}

// Each side's own limit, so a reader sees how close each row is to it.
const roofline: NonNullable<BenchResults['roofline']> = {};
const peak = await wasmPeak();
if (!('skipped' in peak) && !('refused' in peak)) roofline.wasm = peak;
if (!skip.has('native') && !(await pythonLacks(opts.python, ['torch']))) {
  const blas = await pythonJson<{ blas: string; gflops: Record<string, number> }>(opts.python, 'blas_peak.py', [String(cores)]);
  if (!('skipped' in blas) && !('refused' in blas)) roofline.blas = blas;
}

// The whole experiment, as a user runs it, in edgetune and in the seed's own
// stack, --repeat times interleaved (a slow spell of the machine hits both).
let endToEnd: BenchResults['endToEnd'];
if (!quick && !skip.has('e2e')) {
  const lacks = skip.has('native') ? 'native rows skipped' : await pythonLacks(opts.python, ['tensorflow', 'keras']);
  const sides = [
    { id: 'edgetune-transfer', runs: [] as ExperimentRun[], skipped: undefined as string | undefined, setup: undefined as Record<string, unknown> | undefined },
    { id: `keras-tf-t${cores}`, runs: [] as ExperimentRun[], skipped: lacks || undefined, setup: undefined as Record<string, unknown> | undefined },
  ];
  const [ours, keras] = sides;
  for (let rep = 1; rep <= opts.repeat; rep++) {
    if (!ours.skipped) {
      log(`bench: end to end, edgetune transfer (defaults) (${rep}/${opts.repeat})…`);
      const out = await mkdtemp(path.join(os.tmpdir(), 'edgetune-bench-e2e-'));
      const run = await edgetuneTransfer(out);
      if ('seconds' in run) {
        const report = JSON.parse(await readFile(path.join(out, 'report.json'), 'utf8')) as { pretrain: { testAccuracy: number }; finetune: { testAccuracy: number }; backend: Record<string, unknown> };
        ours.runs.push({ seconds: run.seconds, pretrainAccuracy: report.pretrain.testAccuracy, finetuneAccuracy: report.finetune.testAccuracy });
        ours.setup = { backend: report.backend };
      } else ours.skipped = 'skipped' in run ? run.skipped : run.refused;
      await rm(out, { recursive: true, force: true });
    }
    if (!keras.skipped) {
      log(`bench: end to end, the seed notebook in Keras/TensorFlow (t${cores}) (${rep}/${opts.repeat})…`);
      const run = await pythonJson<ExperimentRun & { setup: Record<string, unknown> }>(opts.python, 'keras_transfer.py', [JSON.stringify({ threads: cores }), defaultMnistDir()]);
      if ('skipped' in run || 'refused' in run) keras.skipped = 'skipped' in run ? run.skipped : run.refused;
      else {
        keras.runs.push({ seconds: run.seconds, pretrainAccuracy: run.pretrainAccuracy, finetuneAccuracy: run.finetuneAccuracy });
        keras.setup = run.setup;
      }
    }
  }
  endToEnd = sides.map(({ id, runs, skipped, setup }) =>
    skipped || runs.length === 0
      ? { id, skipped: skipped ?? 'no run' }
      : {
          id,
          runs,
          seconds: spread(runs.map((r) => r.seconds)).median,
          pretrainAccuracy: Math.min(...runs.map((r) => r.pretrainAccuracy)),
          finetuneAccuracy: Math.min(...runs.map((r) => r.finetuneAccuracy)),
          ...(setup ? { setup } : {}),
        },
  );
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
  goals: goals(rowRuns, cores, natives.map((r) => r.id), endToEnd, edge),
  ...(http ? { http } : {}),
  ...(roofline.wasm || roofline.blas ? { roofline } : {}),
  ...(endToEnd ? { endToEnd } : {}),
  ...(edge ? { edge } : {}),
};
const table = markdown(results);
process.stdout.write(`${table}\n`);
await mkdir(opts.out, { recursive: true });
const stem = path.join(opts.out, `${results.createdAt.slice(0, 10)}-${os.hostname()}${quick ? '-quick' : ''}`);
await writeFile(`${stem}.json`, `${JSON.stringify(results, null, 2)}\n`);
await writeFile(`${stem}.md`, `${table}\n`);
await writeFile(`${stem}.svg`, await chartSvg(results));
log(`bench: wrote ${stem}.json, .md and .svg`);

