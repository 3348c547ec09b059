import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runTransfer, type TransferResult } from '../../src/core/experiment/transfer.js';
import { layout, saveModelDir } from '../../src/runtimes/node/model-files.js';
import { mnist } from './mnist.js';
import type { Fit } from '../../src/core/data/input-shape.js';

/**
 * A small real base + heads: 1 epoch on 2048 images of 5-9, then a cached
 * head on 0-4, written like `edgetune transfer` writes them (`fit`: how the
 * base takes pictures, default digit). The wasm
 * backend must already be started.
 */
export async function quickModels(seed = 5, fit?: Fit): Promise<{ out: string; result: TransferResult }> {
  const data = await mnist();
  const result = await runTransfer(
    data,
    'mnist',
    { name: 'wasm', simd: true, threads: 2 },
    { pretrainClasses: [5, 6, 7, 8, 9], finetuneClasses: [0, 1, 2, 3, 4], epochs: 1, finetuneEpochs: 1, batchSize: 128, seed, limit: 2048, finetuneModes: ['cached'], fit },
    { log: () => {}, progress: () => ({}) },
  );
  return { out: await saveTransfer(result), result };
}

/** Writes a transfer's base and heads to a new temporary directory, as `edgetune transfer` lays them out; returns it. */
export async function saveTransfer(result: TransferResult): Promise<string> {
  const out = await mkdtemp(path.join(os.tmpdir(), 'edgetune-models-'));
  const where = layout(out);
  await saveModelDir(where.base, result.base);
  for (const [name, files] of Object.entries(result.heads)) if (files) await saveModelDir(where.head(name), files);
  return out;
}
