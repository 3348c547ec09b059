import type { Goal } from './goals.js';
import type { Spread } from './stats.js';

export interface BenchRow {
  id: string;
  runtime: 'node' | 'browser' | 'workerd' | 'python';
  backend: string;
  simd: boolean;
  threads: number;
  trainImagesPerSec?: Spread;
  epochSeconds?: number;
  inferImagesPerSec?: Spread;
  latencyMs?: { p50: number; p95: number };
  /** Estimated full fine-tune of 0-4 (30,596 images, 5 epochs) from measured step times. */
  finetuneSeconds?: { cached: number; frozen: number; full?: number };
  /** Cached-feature head training step (browser, workerd). */
  finetuneStepMs?: { p50: number; p95: number };
  gflops?: { train?: number; infer?: number };
  /** Against the current PyTorch row (the wheel) on as many threads. */
  vsPytorch?: { train?: number; infer?: number };
  /** Against the fastest native row on as many threads, per figure. */
  vsBestNative?: { train?: number; infer?: number };
  /** A peer of edgetune's: a native stack, or another WebAssembly runtime. */
  peer?: 'native' | 'wasm';
  /** What the row ran on, as the library itself reports it: versions, threads, BLAS/oneDNN, ISA, environment unset. */
  setup?: Record<string, unknown>;
  /** A set-up its users would not run (reference BLAS, wrong threads): measured, not reported. */
  refused?: string;
  /**
   * Training on all of the row's threads against one, step by step in the
   * same process (RowConfig.scalingPairs): the ratio of each pair's steps.
   */
  threadScaling?: Spread;
  /** With --repeat: the medians of each repetition. */
  repetitions?: { trainImagesPerSec?: number[]; inferImagesPerSec: number[]; latencyP50Ms: number[]; threadScaling?: number[] };
  skipped?: string;
}

export interface LoadResult {
  id: string;
  connections: number;
  seconds: number;
  requestsPerSec: number;
  imagesPerSec: number;
  latencyMs: { p50: number; p99: number };
  errors: number;
}

/** bench/results/<date>-<host>.json; version 1, fields only ever added. */
export interface BenchResults {
  version: 1;
  createdAt: string;
  quick: boolean;
  machine: { cpu: string; cores: number; node: string; tfjs: string; host: string; pytorch?: string };
  /** How many times the wasm SIMD and PyTorch rows were measured (interleaved); their spreads cover every repetition. */
  repeat?: number;
  rows: BenchRow[];
  /** The speed goals, judged on each repetition. */
  goals?: Goal[];
  http?: LoadResult[];
  /** Each side's own limit: V8's f32x4 peak on one core, and the native BLAS's large sgemm. */
  roofline?: { wasm?: { mulAdd: number; relaxedMadd: number | null }; blas?: { blas: string; gflops: Record<string, number> } };
  /** The whole seed experiment (5 + 5 epochs, batch 128) in each stack, --repeat times interleaved. */
  endToEnd?: EndToEnd[];
  /** The same predict-1 JSON request over HTTP to workerd (wrangler dev) and to `edgetune serve`, in interleaved rounds: client-side ms. */
  edge?: EdgeLatency;
}

/** One run of the whole experiment: wall seconds and test accuracies. */
export interface ExperimentRun {
  seconds: number;
  pretrainAccuracy: number;
  finetuneAccuracy: number;
}

/** A stack's runs of the whole experiment: the median wall time, the lowest accuracies, and every repetition in order. */
export type EndToEnd = ({ id: string; runs: ExperimentRun[]; setup?: Record<string, unknown> } & ExperimentRun) | { id: string; skipped: string };

export interface EdgeLatency {
  rounds: number;
  requestsPerRound: number;
  workerdMs: { p50: number; p95: number };
  nodeMs: { p50: number; p95: number };
  /** Each round's workerd p50 / Node p50. */
  roundRatios: number[];
  /** A 404 on each side: what any request costs before the app's work. */
  notFoundMs: { workerd: { p50: number; p95: number }; node: { p50: number; p95: number } };
}

const f = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const range = (s: Spread | undefined, digits = 0) => (s ? `${f(s.median, digits)} (${f(s.min, digits)}–${f(s.max, digits)})` : '–');

function describeSetup(setup: Record<string, unknown>): string {
  const { version, threads, blas, onednn, isa, unsetEnv, blasLibraries, coresUsed } = setup as Record<string, unknown> & { unsetEnv?: string[]; blasLibraries?: string[] };
  return [
    version,
    `${threads} thread${threads === 1 ? '' : 's'}${coresUsed ? ` (${coresUsed} cores busy)` : ''}`,
    blas && `BLAS ${blas}${blasLibraries?.length ? ` (${blasLibraries.map((p) => p.split('/').pop()).join(', ')})` : ''}`,
    onednn && `oneDNN ${onednn === true ? 'on' : onednn}`,
    isa && `ISA ${isa}`,
    unsetEnv?.length ? `unset ${unsetEnv.join(', ')}` : undefined,
  ]
    .filter(Boolean)
    .join('; ');
}

/** The results as a Markdown table (also what stdout shows). */
export function markdown(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores; Node ${m.node}; tfjs ${m.tfjs}${m.pytorch ? `; PyTorch ${m.pytorch}` : ''}; ${results.createdAt}${results.quick ? ' (--quick)' : ''}`,
    '',
    '| row | runtime | SIMD | threads | train img/s median (min–max) | epoch s | infer img/s b128 median (min–max) | latency b1 p50 / p95 ms | fine-tune s cached / frozen / full | GFLOP/s train / infer | vs best native train / infer |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results.rows) {
    if (r.skipped || r.refused) {
      lines.push(`| ${r.id} | ${r.runtime} | | | ${r.refused ? `refused: ${r.refused}` : `skipped: ${r.skipped}`} | | | | | | |`);
      continue;
    }
    const ft = r.finetuneSeconds
      ? `${f(r.finetuneSeconds.cached, 1)} / ${f(r.finetuneSeconds.frozen, 1)} / ${f(r.finetuneSeconds.full, 1)}`
      : r.finetuneStepMs
        ? `step ${f(r.finetuneStepMs.p50, 1)} ms`
        : '–';
    lines.push(
      `| ${r.id} | ${r.runtime} | ${r.simd ? 'yes' : 'no'} | ${r.threads} | ${range(r.trainImagesPerSec)} | ${f(r.epochSeconds, 1)} | ${range(r.inferImagesPerSec)} | ` +
        `${r.latencyMs ? `${f(r.latencyMs.p50, 2)} / ${f(r.latencyMs.p95, 2)}` : '–'} | ${ft} | ${f(r.gflops?.train, 1)} / ${f(r.gflops?.infer, 1)} | ` +
        `${f(r.vsBestNative?.train, 2)} / ${f(r.vsBestNative?.infer, 2)} |`,
    );
  }
  const peers = results.rows.filter((r) => r.setup && !r.skipped && !r.refused);
  if (peers.length) {
    lines.push('', '| peer | set-up (as the library reports it) |', '|---|---|');
    for (const r of peers) lines.push(`| ${r.id} | ${describeSetup(r.setup!)} |`);
  }
  const roof = results.roofline;
  if (roof?.wasm || roof?.blas) {
    const parts = [
      ...(roof.wasm ? [`V8 wasm f32x4 mul+add ${f(roof.wasm.mulAdd, 1)} GFLOP/s per core${roof.wasm.relaxedMadd ? `, relaxed madd ${f(roof.wasm.relaxedMadd, 1)}` : ''}`] : []),
      ...(roof.blas ? [`native sgemm 2048³ (${roof.blas.blas}) ${Object.entries(roof.blas.gflops).map(([t, g]) => `${f(g, 0)} GFLOP/s on ${t} thread${t === '1' ? '' : 's'}`).join(', ')}`] : []),
    ];
    lines.push('', `Roofline: ${parts.join('; ')}. Each row's GFLOP/s above is the model's useful work, to read against its own side's limit.`);
  }
  if (results.endToEnd?.length) {
    lines.push('', '| end to end: the seed experiment, 5 + 5 epochs, batch 128 | wall s median (each run) | pretrain 5-9 test acc, lowest | fine-tune 0-4 test acc, lowest |', '|---|---|---|---|');
    for (const e of results.endToEnd) {
      if ('skipped' in e) lines.push(`| ${e.id} | skipped: ${e.skipped} | | |`);
      else lines.push(`| ${e.id} | ${f(e.seconds, 1)} (${e.runs.map((r) => f(r.seconds, 1)).join(', ')}) | ${f(e.pretrainAccuracy * 100, 2)}% | ${f(e.finetuneAccuracy * 100, 2)}% |`);
    }
  }
  if (results.edge) {
    const e = results.edge;
    lines.push(
      '',
      `Predict-1 over HTTP, the same JSON request, ${e.rounds} interleaved rounds of ${e.requestsPerRound}: workerd (the deployable bundle) ${f(e.workerdMs.p50, 2)} ms p50 / ${f(e.workerdMs.p95, 2)} p95, Node (\`edgetune serve\`) ${f(e.nodeMs.p50, 2)} / ${f(e.nodeMs.p95, 2)}; a 404 costs ${f(e.notFoundMs.workerd.p50, 2)} and ${f(e.notFoundMs.node.p50, 2)} ms p50.`,
    );
  }
  if (results.goals?.length) {
    lines.push(
      '',
      `| goal (${results.repeat ?? 1} interleaved repetitions) | compared with | target | median (min–max) | met |`,
      '|---|---|---|---|---|',
      ...results.goals.map((g) => `| ${g.name} | ${g.against ?? ''} | ${g.target} | ${range(g.spread, 2)} | ${g.met ? 'yes' : 'no'} |`),
    );
  }
  if (results.http?.length) {
    lines.push('', '| HTTP load (Node server, loopback) | connections | seconds | req/s | images/s | p50 ms | p99 ms | errors |', '|---|---|---|---|---|---|---|---|');
    for (const h of results.http) {
      lines.push(`| ${h.id} | ${h.connections} | ${h.seconds} | ${f(h.requestsPerSec, 1)} | ${f(h.imagesPerSec)} | ${f(h.latencyMs.p50, 1)} | ${f(h.latencyMs.p99, 1)} | ${h.errors} |`);
    }
  }
  return lines.join('\n');
}
