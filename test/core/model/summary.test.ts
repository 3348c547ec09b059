import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { buildModel, disposeModels, setFeaturesTrainable } from '../../../src/core/model/model.js';
import { formatSummary, summarize } from '../../../src/core/model/summary.js';

describe('model summary', () => {
  it('has the seed notebook layers and parameter counts, before and after freezing', () => {
    const model = buildModel(5, 1);
    const before = summarize(model);
    expect(before.layers.map((l) => l.type)).toEqual([
      'Conv2D', 'Activation', 'Conv2D', 'Activation', 'MaxPooling2D', 'Dropout', 'Flatten',
      'Dense', 'Activation', 'Dropout', 'Dense', 'Activation',
    ]);
    expect(before.layers.map((l) => l.outputShape)).toContainEqual([null, 12, 12, 32]);
    expect(before.params).toEqual({ total: 600165, trainable: 600165, nonTrainable: 0 });

    setFeaturesTrainable(model, false);
    const after = summarize(model);
    expect(after.params).toEqual({ total: 600165, trainable: 590597, nonTrainable: 9568 });

    const text = formatSummary(after);
    expect(text).toContain('conv2d_1 (Conv2D) [frozen]');
    expect(text).toContain('Total params: 600,165');
    expect(text).toContain('Trainable params: 590,597');
    expect(text).toContain('Non-trainable params: 9,568');
    disposeModels([model]);
  });

  it('counts the last layer for other class counts', () => {
    const before = tf.memory().numTensors;
    const model = buildModel(10);
    expect(summarize(model).params.total).toBe(600165 - 645 + 128 * 10 + 10);
    disposeModels([model]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
