/**
 * A confusion matrix: counts[t][p] examples of true class t predicted as p,
 * rows and columns in the order of the model's classes.
 */
export type ConfusionMatrix = number[][];

/** One class's share of a confusion matrix; accuracy is its recall, null when it had no examples. */
export interface ClassResult<L = string> {
  class: L;
  accuracy: number | null;
  examples: number;
}

export const emptyConfusion = (numClasses: number): ConfusionMatrix =>
  Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));

/** Adds one batch's true and predicted class indices to `matrix`. */
export function tally(matrix: ConfusionMatrix, truth: ArrayLike<number>, predicted: ArrayLike<number>): void {
  for (let i = 0; i < truth.length; i++) matrix[truth[i]][predicted[i]]++;
}

const sum = (values: number[]) => values.reduce((s, v) => s + v, 0);

/** Trace over total: the overall accuracy the matrix implies (NaN when empty). */
export function matrixAccuracy(matrix: ConfusionMatrix): number {
  return sum(matrix.map((row, i) => row[i])) / sum(matrix.map(sum));
}

/** Per-class recall and support, aligned with `labels`. */
export function perClassResults<L>(labels: readonly L[], matrix: ConfusionMatrix): ClassResult<L>[] {
  return labels.map((label, i) => {
    const examples = sum(matrix[i]);
    return { class: label, accuracy: examples ? matrix[i][i] / examples : null, examples };
  });
}

const percent = (accuracy: number | null) => (accuracy === null ? '–' : `${(accuracy * 100).toFixed(1)}%`);

/**
 * The matrix as a text table: true classes down, predicted across, each
 * row's accuracy (recall) and example count in the last columns.
 */
export function formatConfusion(labels: readonly string[], matrix: ConfusionMatrix): string {
  const results = perClassResults(labels, matrix);
  const corner = 'true \\ predicted';
  const first = Math.max(corner.length, ...labels.map((l) => l.length));
  const cell = Math.max(5, ...labels.map((l) => l.length), ...matrix.flat().map((n) => String(n).length));
  const line = (head: string, cells: string[], accuracy: string, examples: string) =>
    `${head.padEnd(first)}  ${cells.map((c) => c.padStart(cell)).join(' ')}  ${accuracy.padStart(8)}  ${examples.padStart(8)}`;
  return [
    line(corner, [...labels], 'accuracy', 'examples'),
    ...results.map((r, i) => line(r.class, matrix[i].map(String), percent(r.accuracy), String(r.examples))),
  ].join('\n');
}
