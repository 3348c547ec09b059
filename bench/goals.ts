import type { BenchResults, BenchRow, EdgeLatency } from './report.js';
import { spread, type Spread } from './stats.js';

/** One target of the "ahead of native" work, judged on each repetition of the rows. */
export interface Goal {
  name: string;
  target: string;
  /** The measure in each repetition (a ratio, or a latency in ms). */
  runs: number[];
  spread: Spread;
  /** Met in the median repetition. */
  met: boolean;
  /** The row it compares with (for the native goals, the fastest native row for that figure). */
  against?: string;
}

type Runs = Map<string, BenchRow[]>;

function goal(name: string, target: string, values: number[], met: (median: number) => boolean, against?: string): Goal[] {
  const finite = values.filter((v) => Number.isFinite(v));
  if (finite.length === 0) return [];
  const s = spread(finite);
  return [{ name, target, runs: finite, spread: s, met: met(s.median), ...(against ? { against } : {}) }];
}

const trainOf = (r: BenchRow) => r.trainImagesPerSec?.median ?? NaN;
const inferOf = (r: BenchRow) => r.inferImagesPerSec?.median ?? NaN;
const latencyOf = (r: BenchRow) => r.latencyMs?.p50 ?? NaN;
const scalingOf = (r: BenchRow) => r.threadScaling?.median ?? NaN;
const median = (xs: number[]) => spread(xs).median;

/** Accuracy floors of the transfer experiment (pretrain on 5-9, fine-tune on 0-4). */
export const FLOORS = { pretrain: 0.99, finetune: 0.985 };

/**
 * The goals (issue "ahead of the best native stack"), each measured in every
 * repetition from rows measured in that same repetition (interleaved, so
 * drift of the machine hits both sides): wasm SIMD on all cores against the
 * fastest native row on as many for that figure, the thread scaling, and the
 * whole experiment against Keras.
 */
export function goals(runs: Runs, cores: number, nativeIds: string[], endToEnd: BenchResults['endToEnd'] = [], edge?: EdgeLatency): Goal[] {
  const wasm = runs.get(`wasm-simd-t${cores}`);
  const one = runs.get('wasm-simd-t1');
  const edgeGoal = edge ? goal('predict-1 over HTTP p50, workerd / Node (same request, interleaved rounds)', '≤ 1.5', edge.roundRatios, (m) => m <= 1.5, 'edgetune serve') : [];
  return [...(wasm ? rowGoals(runs, wasm, one, cores, nativeIds) : []), ...edgeGoal, ...endToEndGoal(endToEnd)];
}

/** The goals on the Node rows: wasm against the fastest native row for each figure, and against itself on one thread. */
function rowGoals(runs: Runs, wasm: BenchRow[], one: BenchRow[] | undefined, cores: number, nativeIds: string[]): Goal[] {
  const natives = nativeIds.filter((id) => id.endsWith(`-t${cores}`) && runs.has(id));
  /** The native row with the best median of `of` over every repetition (higher, or lower when `lower`). */
  const best = (of: (r: BenchRow) => number, lower = false) => {
    const scored = natives.map((id) => ({ id, value: median(runs.get(id)!.map(of)) })).filter((s) => Number.isFinite(s.value));
    scored.sort((a, b) => (lower ? a.value - b.value : b.value - a.value));
    return scored[0]?.id;
  };
  const per = (other: BenchRow[], f: (w: BenchRow, o: BenchRow) => number) => wasm.map((w, i) => (other[i] ? f(w, other[i]) : NaN));
  const train = best(trainOf);
  const infer = best(inferOf);
  const fastest = best(latencyOf, true);
  return [
    ...(train ? goal(`training images/s, wasm t${cores} / best native t${cores}`, '≥ 1.3', per(runs.get(train)!, (w, o) => trainOf(w) / trainOf(o)), (m) => m >= 1.3, train) : []),
    ...(infer ? goal(`inference images/s at batch 128, wasm t${cores} / best native t${cores}`, '≥ 1.0', per(runs.get(infer)!, (w, o) => inferOf(w) / inferOf(o)), (m) => m >= 1, infer) : []),
    ...(fastest ? goal(`batch-1 latency p50, best native t${cores} / wasm t${cores}`, '≥ 1 (wasm at or below)', per(runs.get(fastest)!, (w, o) => latencyOf(o) / latencyOf(w)), (m) => m >= 1, fastest) : []),
    ...(one && cores > 1 ? goal(`training images/s, wasm t${cores} / wasm t1 (the rows, a minute apart)`, '≥ 1.8', per(one, (w, o) => trainOf(w) / trainOf(o)), (m) => m >= 1.8, 'wasm-simd-t1') : []),
    ...(cores > 1 ? goal(`training images/s, wasm t${cores} / t1 (alternating in one process)`, '≥ 1.8', wasm.map(scalingOf), (m) => m >= 1.8, `wasm-simd-t${cores}, helpers off`) : []),
  ];
}

/** edgetune transfer against the seed notebook in Keras, repetition by repetition, with the accuracy floors held in every run. */
function endToEndGoal(endToEnd: NonNullable<BenchResults['endToEnd']>): Goal[] {
  const ours = endToEnd.find((e) => e.id === 'edgetune-transfer');
  const keras = endToEnd.find((e) => e.id.startsWith('keras-tf'));
  if (ours && keras && !('skipped' in ours) && !('skipped' in keras)) {
    // ours carries its lowest accuracies: the floors hold in every run.
    const floors = ours.pretrainAccuracy >= FLOORS.pretrain && ours.finetuneAccuracy >= FLOORS.finetune;
    return goal(
      'end to end wall time, edgetune transfer / Keras seed notebook (accuracy floors 99.0% / 98.5%)',
      '≤ 0.8, floors held',
      ours.runs.map((r, i) => (keras.runs[i] ? r.seconds / keras.runs[i].seconds : NaN)),
      (m) => m <= 0.8 && floors,
      keras.id,
    );
  }
  return [];
}
