import * as tf from '@tensorflow/tfjs';
import { MODEL_JSON, WEIGHTS_BIN, modelToFiles, readModelJson, type ModelFiles } from './artifacts.js';
import { sha256Hex } from './hash.js';
import { FEATURE_LAYER_COUNT, featureSize, inputShapeOf, outputSize } from '../model/model.js';
import { inputSpec, SEED_SHAPE, type Fit, type InputSpec } from '../data/input-shape.js';
import { ADADELTA } from '../seed.js';
import { InputError } from '../errors.js';

const encoder = new TextEncoder();

/** What edgetune stores in a base model's model.json (userDefinedMetadata.edgetune). */
export interface BaseMetadata {
  kind: 'base';
  hash: string;
  /** The image shape it takes (also in its topology) and how pictures are fitted to it; absent before shapes were a choice. */
  input?: InputSpec;
  featureSize: number;
  dataset: string;
  classes: number[];
  createdAt: string;
}

/** What edgetune stores in a head's model.json. Issue-level details live in `training` and `metrics`. */
export interface HeadMetadata {
  kind: 'head';
  name: string;
  labels: string[];
  baseHash: string;
  /** Its base's input: the images it can take (absent from heads saved before shapes were a choice: 28x28x1 digits). */
  input?: InputSpec;
  training: Record<string, unknown>;
  metrics: Record<string, number>;
  createdAt: string;
}

/** What every head records of how it was trained; each way of training adds its own fields (classes, source, timings). */
export interface HeadTraining extends Record<string, unknown> {
  mode: string;
  epochs: number;
  batchSize: number;
  examples: number;
  /** Of Keras's Adadelta, whose other settings are ADADELTA's. */
  learningRate: number;
  seed: number;
}

/** A head's metadata, built the same way by the experiment, the finetune command and the service. */
export function headMetadata(
  head: Pick<HeadMetadata, 'name' | 'labels' | 'baseHash' | 'createdAt'> & { input: InputSpec },
  training: HeadTraining,
  metrics: HeadMetadata['metrics'],
): HeadMetadata {
  const { learningRate, ...fields } = training;
  return {
    kind: 'head',
    name: head.name,
    labels: head.labels,
    baseHash: head.baseHash,
    input: head.input,
    training: { ...fields, optimizer: { name: 'adadelta', ...ADADELTA, learningRate } },
    metrics,
    createdAt: head.createdAt,
  };
}

/**
 * Content hash of a base: its topology and weights (not its metadata), so
 * any copy of the same weights has the same hash wherever it is loaded.
 */
export async function baseHash(files: ModelFiles): Promise<string> {
  const topology = JSON.stringify(readModelJson(files[MODEL_JSON]).modelTopology);
  return sha256Hex(encoder.encode(topology), files[WEIGHTS_BIN]);
}

/** The feature layers of `model` as a model of their own (shares the layers). */
export function baseOf(model: tf.LayersModel): tf.Sequential {
  return tf.sequential({ name: 'base', layers: model.layers.slice(0, FEATURE_LAYER_COUNT) });
}

/** The classification layers of `model` as a model on feature vectors (shares the layers). */
export function headOf(model: tf.LayersModel): tf.Sequential {
  return tf.sequential({
    name: 'head',
    layers: [tf.layers.inputLayer({ inputShape: [featureSize(model)] }), ...model.layers.slice(FEATURE_LAYER_COUNT)],
  });
}

export async function baseFiles(
  base: tf.LayersModel,
  info: Omit<BaseMetadata, 'kind' | 'hash' | 'input' | 'featureSize'> & { fit: Fit },
): Promise<{ files: ModelFiles; metadata: BaseMetadata }> {
  const hash = await baseHash(await modelToFiles(base));
    const { fit, ...rest } = info;
  const metadata: BaseMetadata = { kind: 'base', hash, input: inputSpec(inputShapeOf(base), fit), featureSize: outputSize(base), ...rest };
  return { files: await modelToFiles(base, { edgetune: metadata }), metadata };
}

export async function headFiles(head: tf.LayersModel, metadata: HeadMetadata): Promise<ModelFiles> {
  return modelToFiles(head, { edgetune: metadata });
}

/** The edgetune metadata of a saved model, or undefined for a plain tfjs model. */
export function metadataOf(files: ModelFiles): BaseMetadata | HeadMetadata | undefined {
  const meta = readModelJson(files[MODEL_JSON]).userDefinedMetadata as { edgetune?: BaseMetadata | HeadMetadata } | undefined;
  return meta?.edgetune;
}

/** The edgetune metadata of a saved base; refuses a head or other edgetune model given as a base. */
export function baseMetadataOf(files: ModelFiles, name: string): BaseMetadata | undefined {
  const meta = metadataOf(files);
  if (meta && meta.kind !== 'base') throw new InputError(`${name} is an edgetune ${meta.kind}, not a base model`);
  return meta;
}

/** What a base takes, from its metadata: bases saved before shapes were a choice take the seed's 28x28x1 digits. */
export const inputOf = (meta: BaseMetadata | undefined): InputSpec => (meta?.input ? inputSpec(meta.input, meta.input.fit) : inputSpec(SEED_SHAPE));
