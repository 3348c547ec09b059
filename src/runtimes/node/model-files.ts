import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_JSON, WEIGHTS_BIN, type ModelFiles } from '../../core/artifacts/artifacts.js';
import { InputError } from '../../core/errors.js';
import { replaceDirAtomic } from './atomic.js';

/** Where `edgetune transfer` puts its outputs inside --out. */
export const layout = (out: string) => ({
  base: path.join(out, 'base'),
  head: (name: string) => path.join(out, 'heads', name),
  report: path.join(out, 'report.json'),
});

export const saveModelDir = (dir: string, files: ModelFiles) => replaceDirAtomic(dir, files);

/** Reads a saved model directory (model.json + weights.bin). */
export async function loadModelDir(dir: string): Promise<ModelFiles> {
  try {
    const [json, weights] = await Promise.all([readFile(path.join(dir, MODEL_JSON)), readFile(path.join(dir, WEIGHTS_BIN))]);
    return { [MODEL_JSON]: json, [WEIGHTS_BIN]: weights };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new InputError(`${dir}: no saved model here (needs ${MODEL_JSON} and ${WEIGHTS_BIN})`);
    }
    throw err;
  }
}
