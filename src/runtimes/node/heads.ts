import { stat } from 'node:fs/promises';
import path from 'node:path';
import { MODEL_JSON, type ModelFiles } from '../../core/artifacts/artifacts.js';
import { InputError } from '../../core/errors.js';
import { HEAD_NAME } from '../../service/head-store.js';
import { FileHeadStore } from './file-head-store.js';
import { loadModelDir } from './model-files.js';

export const DEFAULT_HEADS_DIR = path.join('data', 'heads');

const isModelDir = (dir: string) =>
  stat(path.join(dir, MODEL_JSON)).then(
    (s) => s.isFile(),
    () => false,
  );

/**
 * Finds a head by directory path, else by name in the head store, else among
 * the heads `edgetune transfer` saved next to the base (<base>/../heads/NAME).
 */
export async function resolveHead(spec: string, headsDir: string, baseDir: string): Promise<{ files: ModelFiles; source: string }> {
  if (await isModelDir(spec)) return { files: await loadModelDir(spec), source: spec };
  const looked: string[] = [];
  if (HEAD_NAME.test(spec)) {
    const files = await new FileHeadStore(headsDir).files(spec);
    if (files) return { files, source: `${headsDir} (${spec})` };
    looked.push(`the head store ${headsDir}`);
    const beside = path.join(path.dirname(path.resolve(baseDir)), 'heads', spec);
    if (await isModelDir(beside)) return { files: await loadModelDir(beside), source: beside };
    looked.push(beside);
  }
  throw new InputError(`unknown head "${spec}" (not a head directory${looked.length ? `; looked in ${looked.join(' and ')}` : ''})`);
}
