import type * as tf from '@tensorflow/tfjs';
import { modelFromFiles, type ModelFiles } from './artifacts.js';
import { baseHash, baseMetadataOf, inputOf, metadataOf, type BaseMetadata, type HeadMetadata } from './bundle.js';
import { InputError } from '../errors.js';
import { checkShape, describeShape, sameShape, type InputSpec } from '../data/input-shape.js';
import { inputShapeOf } from '../model/model.js';

export interface LoadedBase {
  model: tf.LayersModel;
  hash: string;
  /** The image shape it takes and its fit. */
  input: InputSpec;
  metadata?: BaseMetadata;
}

export interface LoadedHead {
  model: tf.LayersModel;
  metadata: HeadMetadata;
}

/** Loads a base and computes its content hash (what heads are checked against). */
export async function loadBase(files: ModelFiles, name = 'base'): Promise<LoadedBase> {
  const meta = baseMetadataOf(files, name);
  const hash = await baseHash(files);
  if (meta && meta.hash !== hash) throw new InputError(`${name}: its weights do not match the hash it was saved with (modified?)`);
  const model = await modelFromFiles(files);
  const input = inputOf(meta);
  try {
    const layers = checkShape(inputShapeOf(model), `${name}: its input shape`);
    if (!sameShape(layers, input)) throw new InputError(`${name}: its metadata says it takes ${describeShape(input)} images, its layers ${describeShape(layers)}`);
  } catch (err) {
    model.dispose();
    throw err;
  }
  return { model, hash, input, metadata: meta };
}

/**
 * The image shape a saved base says it takes, readable before any backend
 * starts (so data can be read and checked first); loadBase checks it against
 * the layers. Bases saved before shapes were a choice all take the seed's.
 */
export function declaredInput(files: ModelFiles, name: string): InputSpec {
  return inputOf(baseMetadataOf(files, name));
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
