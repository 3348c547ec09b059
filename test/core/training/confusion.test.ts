import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { FeatureFeeder, featureSet, ImageFeeder, span } from '../../../src/core/data/batches.js';
import { classCounts } from '../../../src/core/data/dataset.js';
import { buildModel, disposeModels } from '../../../src/core/model/model.js';
import { emptyConfusion, formatConfusion, matrixAccuracy, perClassResults, tally } from '../../../src/core/training/confusion.js';
import { evaluate } from '../../../src/core/training/train.js';
import { startTestWasm } from '../../helpers/backend.js';
import { subset } from '../../helpers/mnist.js';

describe('confusion matrices', () => {
  beforeAll(async () => {
    await startTestWasm();
  });

  it('tallies true classes down and predictions across; per-class accuracy is recall, null for a class without examples', () => {
    const matrix = emptyConfusion(3);
    tally(matrix, [0, 0, 0, 1, 1], [0, 0, 1, 1, 0]);
    tally(matrix, [1, 0], [1, 2]);
    expect(matrix).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 0, 0],
    ]);
    expect(matrixAccuracy(matrix)).toBe(4 / 7);
    expect(perClassResults(['a', 'b', 'c'], matrix)).toEqual([
      { class: 'a', accuracy: 0.5, examples: 4 },
      { class: 'b', accuracy: 2 / 3, examples: 3 },
      { class: 'c', accuracy: null, examples: 0 },
    ]);
  });

  it('formats a table with the labels on rows and columns and each row’s accuracy', () => {
    const text = formatConfusion(['circle', 'x'], [
      [5, 1],
      [0, 6],
    ]);
    expect(text.split('\n')).toEqual([
      'true \\ predicted  circle      x  accuracy  examples',
      'circle                 5      1     83.3%         6',
      'x                      0      6    100.0%         6',
    ]);
    expect(formatConfusion(['a', 'b'], emptyConfusion(2))).toContain('–');
  });

  it('evaluate counts known predictions batch by batch and disposes every tensor', async () => {
    // A softmax layer with an identity kernel predicts the largest feature: the answers are known.
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [3], units: 3, activation: 'softmax', useBias: false, kernelInitializer: 'identity' })],
    });
    const predicted = [0, 1, 2, 2, 0, 1, 1];
    const labels = Uint8Array.from([0, 1, 2, 1, 1, 0, 1]);
    const features = new Float32Array(predicted.length * 3);
    predicted.forEach((p, i) => (features[i * 3 + p] = 5));
    const feeder = new FeatureFeeder(featureSet(features, labels, 3, [0, 1, 2]));
    const before = tf.memory().numTensors;
    const score = await evaluate(model, feeder, 3);
    expect(tf.memory().numTensors).toBe(before);
    expect(score.confusion).toEqual([
      [1, 1, 0],
      [1, 2, 1],
      [0, 0, 1],
    ]);
    expect(score.accuracy).toBe(4 / 7);
    model.dispose();
  });

  it('on real MNIST: the matrix holds every test example, rows match the class counts, trace / total is the accuracy', async () => {
    const { test } = await subset([0, 1, 2, 3, 4], 1, 800);
    const model = buildModel(5, 5);
    const before = tf.memory().numTensors;
    const score = await evaluate(model, new ImageFeeder(test), 128);
    expect(tf.memory().numTensors).toBe(before);
    expect(score.confusion.map((row) => row.reduce((s, n) => s + n, 0))).toEqual(classCounts(test));
    const trace = score.confusion.reduce((s, row, i) => s + row[i], 0);
    expect(score.accuracy).toBe(trace / test.count);
    // The same accuracy the argmax of the model's own predict gives.
    const xs = new ImageFeeder(test).batch(span(0, test.count));
    const expected = tf.tidy(() =>
      tf.mean(tf.cast(tf.equal(tf.argMax(model.predict(xs.xs) as tf.Tensor, -1), tf.argMax(xs.ys, -1)), 'float32')).dataSync()[0],
    );
    tf.dispose([xs.xs, xs.ys]);
    expect(score.accuracy).toBeCloseTo(expected, 6);
    disposeModels([model]);
  });
});
