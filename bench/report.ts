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
  vsPytorch?: { train?: number; infer?: number };
  /** With --repeat: the medians of each repetition. */
  repetitions?: { trainImagesPerSec?: number[]; inferImagesPerSec: number[]; latencyP50Ms: number[] };
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
}

const f = (n: number | undefined, digits = 0) => (n === undefined || Number.isNaN(n) ? '–' : n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits }));
const range = (s: Spread | undefined, digits = 0) => (s ? `${f(s.median, digits)} (${f(s.min, digits)}–${f(s.max, digits)})` : '–');

/** The results as a Markdown table (also what stdout shows). */
export function markdown(results: BenchResults): string {
  const m = results.machine;
  const lines = [
    `Machine: ${m.cpu}, ${m.cores} cores; Node ${m.node}; tfjs ${m.tfjs}${m.pytorch ? `; PyTorch ${m.pytorch}` : ''}; ${results.createdAt}${results.quick ? ' (--quick)' : ''}`,
    '',
    '| row | runtime | SIMD | threads | train img/s median (min–max) | epoch s | infer img/s b128 median (min–max) | latency b1 p50 / p95 ms | fine-tune s cached / frozen / full | GFLOP/s train / infer | vs PyTorch train / infer |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of results.rows) {
    if (r.skipped) {
      lines.push(`| ${r.id} | ${r.runtime} | | | skipped: ${r.skipped} | | | | | | |`);
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
        `${f(r.vsPytorch?.train, 2)} / ${f(r.vsPytorch?.infer, 2)} |`,
    );
  }
  if (results.goals?.length) {
    lines.push(
      '',
      `| goal (${results.repeat ?? 1} interleaved repetitions) | target | median (min–max) | met |`,
      '|---|---|---|---|',
      ...results.goals.map((g) => `| ${g.name} | ${g.target} | ${range(g.spread, 2)} | ${g.met ? 'yes' : 'no'} |`),
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
