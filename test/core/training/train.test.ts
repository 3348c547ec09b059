import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { KerasAdadelta } from '../../../src/core/ops/adadelta.js';
import { ImageFeeder } from '../../../src/core/data/batches.js';
import { buildModel, disposeModels, setFeaturesTrainable } from '../../../src/core/model/model.js';
import { seededRandom } from '../../../src/core/data/random.js';
import { evaluate, fit, TrainingStopped } from '../../../src/core/training/train.js';
import { startTestWasm } from '../../helpers/backend.js';
import { subset } from '../../helpers/mnist.js';

describe('training on wasm with real MNIST', () => {
  beforeAll(async () => {
    const info = await startTestWasm();
    expect(info).toEqual({ name: 'wasm', simd: true, threads: 2, kernels: 'simd' });
  });

  it('learns 5-9 from 2048 images in 2 epochs, and leaks no tensors across epochs', async () => {
    const { train, test } = await subset([5, 6, 7, 8, 9], 2048, 2000);
    const model = buildModel(5, 7);
    const optimizer = new KerasAdadelta();
    const epochsSeen: number[] = [];
    let steps = 0;
    const first = await fit(model, new ImageFeeder(train), { epochs: 1, batchSize: 128, optimizer, random: seededRandom(7) });
    // The first epoch creates the optimizer's slots; after that the count must hold still.
    const tensors = tf.memory().numTensors;
    const { epochs: logs, validation } = await fit(
      model,
      new ImageFeeder(train),
      { epochs: 1, batchSize: 128, optimizer, random: seededRandom(8), validation: new ImageFeeder(test) },
      { onEpochBegin: (e) => epochsSeen.push(e), onBatchEnd: () => steps++ },
    );
    expect(tf.memory().numTensors).toBe(tensors);
    expect(epochsSeen).toEqual([1]);
    expect(steps).toBe(16);
    expect(logs[0].loss).toBeLessThan(first.epochs[0].loss);
    expect(first.validation).toBeUndefined();
    expect(logs[0].valAccuracy).toBeGreaterThan(0.85);
    const score = await evaluate(model, new ImageFeeder(test));
    expect(score.accuracy).toBeCloseTo(logs[0].valAccuracy, 6);
    // The last epoch's validation is the trained model's score: callers use it instead of evaluating again.
    expect(validation!.confusion).toEqual(score.confusion);
    expect(validation!.loss).toBeCloseTo(score.loss, 6);
    optimizer.dispose();
    disposeModels([model]);
  });

  it('keeps frozen feature layers unchanged while training the head', async () => {
    const { train } = await subset([0, 1, 2, 3, 4], 256);
    const model = buildModel(5, 3);
    setFeaturesTrainable(model, false);
    const frozen = model.layers[0].getWeights().map((w) => w.dataSync().slice());
    const head = model.layers[7].getWeights()[0].dataSync().slice();
    const optimizer = new KerasAdadelta();
    await fit(model, new ImageFeeder(train), { epochs: 1, batchSize: 64, optimizer, random: seededRandom(1) });
    model.layers[0].getWeights().forEach((w, i) => expect(w.dataSync()).toEqual(frozen[i]));
    expect(model.layers[7].getWeights()[0].dataSync()).not.toEqual(head);
    optimizer.dispose();
    disposeModels([model]);
  });

  it('stops between steps when its signal is aborted', async () => {
    const { train } = await subset([0, 1], 512);
    const model = buildModel(2, 1);
    const optimizer = new KerasAdadelta();
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const run = fit(model, new ImageFeeder(train), { epochs: 3, batchSize: 64, optimizer, random: seededRandom(1), signal: controller.signal }, {
      onBatchEnd: (step) => step === 2 && controller.abort(),
    });
    await expect(run).rejects.toBeInstanceOf(TrainingStopped);
    optimizer.dispose();
    expect(tf.memory().numTensors).toBe(before);
    disposeModels([model]);
  });
});
