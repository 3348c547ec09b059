import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelFromFiles } from '../../../src/core/artifacts/artifacts.js';
import { baseHash, metadataOf } from '../../../src/core/artifacts/bundle.js';
import { selectClasses } from '../../../src/core/data/dataset.js';
import { ImageFeeder, span } from '../../../src/core/data/batches.js';
import { runTransfer, type Phase } from '../../../src/core/experiment/transfer.js';
import { startTestWasm } from '../../helpers/backend.js';
import { mnist } from '../../helpers/mnist.js';

describe('the transfer experiment on a real MNIST subset', () => {
  beforeAll(async () => {
    await startTestWasm();
  });

  it('pretrains on 5-9, fine-tunes a head on 0-4 over frozen features, and reports both', async () => {
    const data = await mnist();
    // Smaller test sets keep the run short; the classes are the notebook's.
    const small = { train: data.train, test: { ...data.test, count: 3000 } };
    const backend = { name: 'wasm', simd: true, threads: 2 };
    const phases: Phase[] = [];
    const lines: string[] = [];
    const before = tf.memory().numTensors;
    const result = await runTransfer(
      small,
      'mnist',
      backend,
      { pretrainClasses: [5, 6, 7, 8, 9], finetuneClasses: [0, 1, 2, 3, 4], epochs: 3, finetuneEpochs: 3, batchSize: 128, seed: 11, limit: 2048, finetuneModes: ['cached'] },
      { log: (l) => lines.push(l), progress: (p) => (phases.push(p), {}) },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(phases).toEqual(['pretrain', 'finetune']);

    const { report } = result;
    expect(report.version).toBe(1);
    expect(report.backend).toEqual(backend);
    expect(report.dataset).toEqual({ name: 'mnist', trainSamples: 60000, testSamples: 3000, input: { rows: 28, cols: 28, channels: 1, fit: 'digit' } });
    expect(report.pretrain.classes).toEqual([5, 6, 7, 8, 9]);
    expect(report.pretrain.trainSamples).toBe(2048);
    expect(report.pretrain.params).toEqual({ total: 600165, trainable: 600165, nonTrainable: 0 });
    expect(report.finetune.params).toEqual({ total: 600165, trainable: 590597, nonTrainable: 9568 });
    expect(report.pretrain.epochs).toHaveLength(3);
    for (const phase of [report.pretrain, report.finetune]) {
      for (const e of phase.epochs) {
        expect(Object.keys(e).sort()).toEqual(['accuracy', 'epoch', 'loss', 'seconds', 'valAccuracy', 'valLoss']);
        expect(e.seconds).toBeGreaterThan(0);
      }
      expect(phase.seconds).toBeGreaterThan(0);
    }
    // Real accuracy floors for 3 epochs on 2048 images per phase (chance is 0.2).
    expect(report.pretrain.testAccuracy).toBeGreaterThan(0.85);
    expect(report.finetune.testAccuracy).toBeGreaterThan(0.85);
    expect(lines.join('\n')).toContain('Non-trainable params: 9,568');

    // Per class, on the test images: a k x k matrix holding every test image, its trace the accuracy.
    for (const phase of [report.pretrain, report.finetune]) {
      const k = phase.classes.length;
      expect(phase.confusion).toHaveLength(k);
      for (const row of phase.confusion) expect(row).toHaveLength(k);
      expect(phase.confusion.flat().reduce((s, n) => s + n, 0)).toBe(phase.testSamples);
      expect(phase.confusion.reduce((s, row, i) => s + row[i], 0) / phase.testSamples).toBe(phase.testAccuracy);
      expect(phase.perClass.map((c) => c.class)).toEqual(phase.classes);
      expect(phase.perClass.map((c) => c.examples)).toEqual(phase.confusion.map((row) => row.reduce((s, n) => s + n, 0)));
      for (const c of phase.perClass) expect(c.accuracy).toBeGreaterThan(0.5);
    }
    expect(lines.join('\n')).toMatch(/Confusion matrix on the test images:\ntrue \\ predicted +0 +1 +2 +3 +4 +accuracy +examples\n0 /);

    // The saved base and fine-tune head, loaded afresh, reproduce the reported accuracy.
    expect(report.base.hash).toBe(await baseHash(result.base));
    expect(metadataOf(result.heads.finetune!)).toMatchObject({ kind: 'head', labels: ['0', '1', '2', '3', '4'], baseHash: report.base.hash });
    const base = await modelFromFiles(result.base);
    const head = await modelFromFiles(result.heads.finetune!);
    const test = selectClasses(small.test, [0, 1, 2, 3, 4]);
    const { xs, ys } = new ImageFeeder(test).batch(span(0, test.count));
    const accuracy = tf.tidy(() => {
      const probs = head.predict(base.predict(xs) as tf.Tensor) as tf.Tensor;
      return tf.mean(tf.cast(tf.equal(tf.argMax(probs, -1), tf.argMax(ys, -1)), 'float32')).dataSync()[0];
    });
    expect(accuracy).toBeCloseTo(report.finetune.testAccuracy, 5);
    tf.dispose([xs, ys]);
    base.dispose();
    head.dispose();
  });
});
