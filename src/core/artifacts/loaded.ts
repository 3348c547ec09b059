import type * as tf from '@tensorflow/tfjs';
import { modelFromFiles, type ModelFiles } from './artifacts.js';
import { baseHash, metadataOf, type BaseMetadata, type HeadMetadata } from './bundle.js';
import { InputError } from '../errors.js';

export interface LoadedBase {
  model: tf.LayersModel;
  hash: string;
  metadata?: BaseMetadata;
}

export interface LoadedHead {
  model: tf.LayersModel;
  metadata: HeadMetadata;
}

/** Loads a base and computes its content hash (what heads are checked against). */
export async function loadBase(files: ModelFiles, name = 'base'): Promise<LoadedBase> {
  const meta = metadataOf(files);
  if (meta && meta.kind !== 'base') throw new InputError(`${name} is an edgetune ${meta.kind}, not a base model`);
  const hash = await baseHash(files);
  if (meta && meta.hash !== hash) throw new InputError(`${name}: its weights do not match the hash it was saved with (modified?)`);
  return { model: await modelFromFiles(files), hash, metadata: meta };
}

/** The metadata of a head, checked to belong to the base with hash `baseHash`. */
export function headMetadataFor(files: ModelFiles, baseHash: string, name: string): HeadMetadata {
  const meta = metadataOf(files);
  if (!meta || meta.kind !== 'head') throw new InputError(`${name} is not an edgetune head (no head metadata in its model.json)`);
  if (meta.baseHash !== baseHash) {
    throw new InputError(
      `head ${name} was trained on base ${meta.baseHash.slice(0, 12)}, not on the loaded base ${baseHash.slice(0, 12)}`,
    );
  }
  return meta;
}

/** Loads a head onto the base with hash `baseHash`; refuses heads of other bases. */
export async function loadHead(files: ModelFiles, baseHash: string, name: string): Promise<LoadedHead> {
  const metadata = headMetadataFor(files, baseHash, name);
  return { model: await modelFromFiles(files), metadata };
}
