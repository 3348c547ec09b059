import type * as tf from '@tensorflow/tfjs';

export interface ParamCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

export interface LayerRow {
  name: string;
  type: string;
  outputShape: Array<number | null>;
  params: number;
  trainable: boolean;
}

export interface ModelSummary {
  name: string;
  layers: LayerRow[];
  params: ParamCounts;
}

const weightCount = (weights: tf.LayerVariable[]) =>
  weights.reduce((n, w) => n + w.shape.reduce((a: number, b) => a * (b ?? 1), 1), 0);

export function summarize(model: tf.LayersModel): ModelSummary {
  const layers = model.layers.map((layer) => ({
    name: layer.name,
    type: layer.getClassName(),
    outputShape: layer.outputShape as Array<number | null>,
    params: layer.countParams(),
    trainable: layer.trainable,
  }));
  const trainable = weightCount(model.trainableWeights);
  const nonTrainable = weightCount(model.nonTrainableWeights);
  return { name: model.name, layers, params: { total: trainable + nonTrainable, trainable, nonTrainable } };
}

const fmt = (n: number) => n.toLocaleString('en-US');
const shape = (s: Array<number | null>) => `(${s.map((d) => (d === null ? 'None' : d)).join(', ')})`;

/** Keras-style text table: layer (type), output shape, param #, then the three totals. */
export function formatSummary(summary: ModelSummary): string {
  const rows = summary.layers.map((l) => [`${l.name} (${l.type})${l.trainable ? '' : ' [frozen]'}`, shape(l.outputShape), fmt(l.params)]);
  const head = ['Layer (type)', 'Output Shape', 'Param #'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    ' ' + cells.map((c, i) => (i === 2 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('   ');
  const rule = '─'.repeat(widths.reduce((a, b) => a + b + 3, -1) + 2);
  return [
    `Model: "${summary.name}"`,
    rule,
    line(head),
    rule,
    ...rows.map(line),
    rule,
    ` Total params: ${fmt(summary.params.total)}`,
    ` Trainable params: ${fmt(summary.params.trainable)}`,
    ` Non-trainable params: ${fmt(summary.params.nonTrainable)}`,
    rule,
  ].join('\n');
}
