import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { KerasAdadelta } from '../../../src/core/ops/adadelta.js';

describe('KerasAdadelta', () => {
  // Worked by hand with lr 1, rho 0.95, eps 1e-7, w0 = 1, gradients 0.5 then -1:
  // step 1: g² = 0.05·0.25 = 0.0125;  Δ = -√(0+1e-7)/√(0.0125+1e-7)·0.5 = -1.41421e-3
  //         Δ² = 0.05·Δ² = 9.99992e-8;  w = 0.998585792
  // step 2: g² = 0.95·0.0125 + 0.05·1 = 0.061875
  //         Δ = -√(9.99992e-8+1e-7)/√(0.061875+1e-7)·(-1) = 1.79786e-3;  w = 1.000383653
  // (tfjs's own Adadelta divides by the old g² and jumps to w = 0.5 on step 1.)
  it('matches the hand-computed two-step Keras update', () => {
    const w = tf.variable(tf.scalar(1));
    const opt = new KerasAdadelta(1.0, 0.95, 1e-7);
    opt.applyGradients({ [w.name]: tf.scalar(0.5) });
    expect(w.dataSync()[0]).toBeCloseTo(0.998585792, 6);
    opt.applyGradients({ [w.name]: tf.scalar(-1) });
    expect(w.dataSync()[0]).toBeCloseTo(1.000383653, 6);
    opt.dispose();
    w.dispose();
  });

  it('updates each element independently and leaks nothing', () => {
    const before = tf.memory().numTensors;
    const w = tf.tidy(() => tf.variable(tf.tensor1d([1, 1])));
    const opt = new KerasAdadelta();
    for (let i = 0; i < 3; i++) {
      const g = tf.tensor1d([0.5, 0]);
      opt.applyGradients([{ name: w.name, tensor: g }]);
      g.dispose();
    }
    const [moved, still] = w.dataSync();
    expect(moved).toBeLessThan(1);
    expect(still).toBe(1);
    opt.dispose();
    w.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('round-trips its state through getWeights/setWeights', async () => {
    const w = tf.variable(tf.scalar(1));
    const a = new KerasAdadelta();
    a.applyGradients({ [w.name]: tf.scalar(0.5) });
    const b = new KerasAdadelta();
    await b.setWeights(await a.getWeights());
    // The same slot state must give the same next step from the same weight.
    const start = w.dataSync()[0];
    a.applyGradients({ [w.name]: tf.scalar(-1) });
    const afterA = w.dataSync()[0];
    w.assign(tf.scalar(start));
    b.applyGradients({ [w.name]: tf.scalar(-1) });
    expect(w.dataSync()[0]).toBeCloseTo(afterA, 7);
    expect(afterA).toBeCloseTo(1.000383653, 6);
    w.dispose();
    a.dispose();
    b.dispose();
  });
});
