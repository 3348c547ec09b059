import { describe, expect, it } from 'vitest';
import { countFlops } from '../../../src/core/model/flops.js';
import { buildModel, disposeModels, FEATURE_LAYER_COUNT } from '../../../src/core/model/model.js';

describe('FLOP count of the seed CNN', () => {
  it('counts each layer by hand', () => {
    const model = buildModel(5);
    // forward MACs per image: conv1 26*26*32*9, conv2 24*24*32*9*32, dense 4608*128, dense_1 128*5
    const conv1 = 26 * 26 * 32 * 9;
    const conv2 = 24 * 24 * 32 * 9 * 32;
    const dense = 4608 * 128;
    const dense1 = 128 * 5;
    const fwd = conv1 + conv2 + dense + dense1;
    const flops = countFlops(model.layers);
    expect(flops.forward).toBe(2 * fwd);
    // training: forward + weight grads of all four + input grads of all but conv1
    expect(flops.train).toBe(2 * (fwd + fwd + (conv2 + dense + dense1)));
    // head only (features frozen): its forward+grads plus the frozen forward
    const head = countFlops(model.layers, (l) => model.layers.indexOf(l) >= FEATURE_LAYER_COUNT);
    expect(head.train).toBe(2 * (fwd + dense + dense1 + dense1));
    disposeModels([model]);
  });
});
