import { describe, expect, it } from 'vitest';
import { goals } from '../../bench/goals.js';
import type { BenchRow, EndToEnd, ExperimentRun } from '../../bench/report.js';

const run = (seconds: number, pretrainAccuracy = 0.992, finetuneAccuracy = 0.998): ExperimentRun => ({ seconds, pretrainAccuracy, finetuneAccuracy });

/** A stack's entry as bench/run.ts makes it: median seconds, lowest accuracies, every run. */
function side(id: string, runs: ExperimentRun[]): EndToEnd {
  const sorted = runs.map((r) => r.seconds).sort((a, b) => a - b);
  return {
    id,
    runs,
    seconds: sorted[Math.floor(sorted.length / 2)],
    pretrainAccuracy: Math.min(...runs.map((r) => r.pretrainAccuracy)),
    finetuneAccuracy: Math.min(...runs.map((r) => r.finetuneAccuracy)),
  };
}

const endToEndGoal = (ours: ExperimentRun[], keras: ExperimentRun[]) => goals(new Map(), 2, [], [side('edgetune-transfer', ours), side('keras-tf-t2', keras)]).find((g) => g.name.startsWith('end to end'));

describe('the end-to-end goal', () => {
  it('is judged on the ratio of each interleaved repetition, its median against 0.8', () => {
    const goal = endToEndGoal([run(67.3), run(58.3), run(59.9)], [run(76.1), run(78.5), run(78.5)])!;
    expect(goal.runs.map((r) => r.toFixed(3))).toEqual(['0.884', '0.743', '0.763']);
    expect(goal.spread.median).toBeCloseTo(0.763, 3);
    expect(goal.met).toBe(true);
    expect(goal.against).toBe('keras-tf-t2');
  });

  it('is not met when the median ratio is above 0.8, however fast one run was', () => {
    expect(endToEndGoal([run(50), run(70), run(72)], [run(80), run(80), run(80)])!.met).toBe(false);
  });

  it('is not met when any run falls under an accuracy floor, however fast', () => {
    expect(endToEndGoal([run(50), run(50, 0.989), run(50)], [run(80), run(80), run(80)])!.met).toBe(false);
    expect(endToEndGoal([run(50), run(50), run(50, 0.995, 0.98)], [run(80), run(80), run(80)])!.met).toBe(false);
  });

  it('is left out when a side was skipped', () => {
    expect(goals(new Map(), 2, [], [side('edgetune-transfer', [run(50)]), { id: 'keras-tf-t2', skipped: 'no tensorflow' }])).toEqual([]);
  });
});

/** A wasm SIMD row's repetition as bench/run.ts makes it, with its in-process thread scaling (median of its pairs of steps). */
const wasmRow = (threads: number, trainImagesPerSec: number, scaling?: number): BenchRow => ({
  id: `wasm-simd-t${threads}`,
  runtime: 'node',
  backend: 'wasm',
  simd: true,
  threads,
  trainImagesPerSec: { median: trainImagesPerSec, min: trainImagesPerSec, max: trainImagesPerSec },
  ...(scaling === undefined ? {} : { threadScaling: { median: scaling, min: scaling, max: scaling } }),
});

describe('the thread-scaling goals', () => {
  const scalingGoals = (t1: BenchRow[], t2: BenchRow[]) =>
    goals(
      new Map([
        ['wasm-simd-t1', t1],
        ['wasm-simd-t2', t2],
      ]),
      2,
      [],
    ).filter((g) => g.target === '≥ 1.8');

  it('judge the rows against each other, and the steps alternating in one process, each on its repetitions', () => {
    const [rows, alternating] = scalingGoals([wasmRow(1, 2000), wasmRow(1, 2600), wasmRow(1, 2500)], [wasmRow(2, 4400, 1.83), wasmRow(2, 4420, 1.79), wasmRow(2, 4500, 1.86)]);
    expect(rows.name).toMatch(/rows/);
    expect(rows.runs.map((r) => r.toFixed(2))).toEqual(['2.20', '1.70', '1.80']);
    expect(rows.met).toBe(true);
    expect(alternating.name).toMatch(/one process/);
    expect(alternating.runs).toEqual([1.83, 1.79, 1.86]);
    expect(alternating.spread.median).toBe(1.83);
    expect(alternating.met).toBe(true);
    expect(scalingGoals([wasmRow(1, 2000)], [wasmRow(2, 3500, 1.75)]).map((g) => g.met)).toEqual([false, false]);
  });

  it('leave out the alternating one when the row did not measure it', () => {
    expect(scalingGoals([wasmRow(1, 2000)], [wasmRow(2, 3700)]).map((g) => g.name)).toEqual([expect.stringMatching(/rows/)]);
  });
});
