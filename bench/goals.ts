import type { BenchRow } from './report.js';
import { spread, type Spread } from './stats.js';

/** One target of the "faster than native" work, judged on each repetition of the rows. */
export interface Goal {
  name: string;
  target: string;
  /** The measure in each repetition (a ratio, or a latency in ms). */
  runs: number[];
  spread: Spread;
  /** Met in the median repetition. */
  met: boolean;
}

type Runs = Map<string, BenchRow[]>;

const trainOf = (r: BenchRow) => r.trainImagesPerSec?.median ?? NaN;
const inferOf = (r: BenchRow) => r.inferImagesPerSec?.median ?? NaN;
const latencyOf = (r: BenchRow) => r.latencyMs?.p50 ?? NaN;

/**
 * The goals, each measured in every repetition from rows measured in that
 * same repetition (interleaved, so drift of the machine hits both sides):
 * wasm SIMD on all cores against PyTorch on as many, and the thread scaling.
 */
export function goals(runs: Runs, cores: number): Goal[] {
  const wasm = runs.get(`wasm-simd-t${cores}`);
  const one = runs.get('wasm-simd-t1');
  const torch = runs.get(`pytorch-t${cores}`);
  if (!wasm) return [];
  const per = (f: (i: number) => number) => wasm.map((_, i) => f(i)).filter((v) => Number.isFinite(v));
  const goal = (name: string, target: string, values: number[], met: (median: number) => boolean): Goal[] => {
    if (values.length === 0) return [];
    const s = spread(values);
    return [{ name, target, runs: values, spread: s, met: met(s.median) }];
  };
  return [
    ...(torch
      ? [
          ...goal(`training images/s, wasm t${cores} / PyTorch t${cores}`, '≥ 1 (then 1.5)', per((i) => trainOf(wasm[i]) / trainOf(torch[i])), (m) => m >= 1),
          ...goal(`inference images/s at batch 128, wasm t${cores} / PyTorch t${cores}`, '≥ 2', per((i) => inferOf(wasm[i]) / inferOf(torch[i])), (m) => m >= 2),
          ...goal(`batch-1 latency p50, PyTorch t${cores} / wasm t${cores}`, '> 1 (wasm faster)', per((i) => latencyOf(torch[i]) / latencyOf(wasm[i])), (m) => m > 1),
        ]
      : []),
    ...(one && cores > 1 ? goal(`training images/s, wasm t${cores} / wasm t1`, '≥ 1.7', per((i) => trainOf(wasm[i]) / trainOf(one[i])), (m) => m >= 1.7) : []),
  ];
}
