import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { MODEL_JSON, WEIGHTS_BIN, readModelJson, type ModelFiles } from '../../../src/core/artifacts/artifacts.js';
import { classify } from '../../../src/core/model/classify.js';
import { loadBase, loadHead } from '../../../src/core/artifacts/loaded.js';
import type { TransferResult } from '../../../src/core/experiment/transfer.js';
import { startTestWasm } from '../../helpers/backend.js';
import { subset } from '../../helpers/mnist.js';
import { quickModels } from '../../helpers/models.js';

const withMetadata = (files: ModelFiles, edit: (meta: Record<string, unknown>) => void): ModelFiles => {
  const json = readModelJson(files[MODEL_JSON]) as unknown as { userDefinedMetadata: { edgetune: Record<string, unknown> } };
  edit(json.userDefinedMetadata.edgetune);
  return { ...files, [MODEL_JSON]: new TextEncoder().encode(JSON.stringify(json)) };
};

describe('base and head artifacts', () => {
  let models: TransferResult;
  beforeAll(async () => {
    await startTestWasm();
    models = (await quickModels(9)).result;
  });

  it('round-trips a head: loaded afresh it predicts exactly what the trained one does', async () => {
    const base = await loadBase(models.base);
    expect(base.hash).toBe(models.report.base.hash);
    const head = await loadHead(models.heads.finetune!, base.hash, 'finetune');
    expect(head.metadata).toMatchObject({ kind: 'head', name: 'finetune', labels: ['0', '1', '2', '3', '4'] });
    expect(head.metadata.metrics.testAccuracy).toBe(models.report.finetune.testAccuracy);
    const { test } = await subset([0, 1, 2, 3, 4], 0, 300);
    const pixels = Float32Array.from(test.images, (v) => v / 255);
    const tensors = tf.memory().numTensors;
    const predictions = classify(base.model, head.model, head.metadata.labels, pixels, test.count);
    expect(tf.memory().numTensors).toBe(tensors);
    const accuracy = predictions.filter((p, i) => p.label === String(test.classes[test.labels[i]])).length / test.count;
    expect(accuracy).toBeGreaterThan(0.9);
    for (const p of predictions.slice(0, 5)) {
      expect(Object.values(p.probabilities).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(p.confidence).toBe(Math.max(...Object.values(p.probabilities)));
    }
    base.model.dispose();
    head.model.dispose();
  });

  it('refuses a head that belongs to another base', async () => {
    const other = withMetadata(models.heads.finetune!, (m) => (m.baseHash = 'f'.repeat(64)));
    await expect(loadHead(other, models.report.base.hash, 'digits')).rejects.toThrow(
      /head digits was trained on base ffffffffffff, not on the loaded base/,
    );
  });

  it('refuses a base whose weights no longer match its hash, and a head used as a base', async () => {
    const weights = models.base[WEIGHTS_BIN].slice();
    weights[100] ^= 0xff;
    await expect(loadBase({ ...models.base, [WEIGHTS_BIN]: weights }, 'b')).rejects.toThrow(/do not match the hash/);
    await expect(loadBase(models.heads.pretrain!, 'h')).rejects.toThrow(/is an edgetune head, not a base/);
    await expect(loadHead(models.base, models.report.base.hash, 'x')).rejects.toThrow(/not an edgetune head/);
  });
});
