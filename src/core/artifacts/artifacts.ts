import * as tf from '@tensorflow/tfjs';

export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/** A saved tfjs layers model: the two files of the standard format, by name. */
export type ModelFiles = Record<typeof MODEL_JSON | typeof WEIGHTS_BIN, Uint8Array>;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

const toBytes = (data: tf.io.WeightData | undefined): Uint8Array => {
  if (data == null) return new Uint8Array(0);
  const buffers = Array.isArray(data) ? data : [data];
  return new Uint8Array(tf.io.concatenateArrayBuffers(buffers));
};

/** Serialises a model to tfjs layers format (model.json + one weights file), with optional metadata. */
export async function modelToFiles(model: tf.LayersModel, metadata?: object): Promise<ModelFiles> {
  let captured: tf.io.ModelArtifacts | undefined;
  if (metadata) model.setUserDefinedMetadata(metadata);
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      captured = artifacts;
      return { modelArtifactsInfo: tf.io.getModelArtifactsInfoForJSON(artifacts) };
    }),
  );
  const a = captured!;
  const json: tf.io.ModelJSON = {
    modelTopology: a.modelTopology as object,
    format: a.format ?? 'layers-model',
    generatedBy: a.generatedBy ?? `TensorFlow.js tfjs-layers v${tf.version_layers}`,
    convertedBy: null,
    weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: a.weightSpecs ?? [] }],
    ...(a.userDefinedMetadata ? { userDefinedMetadata: a.userDefinedMetadata } : {}),
  };
  return { [MODEL_JSON]: encoder.encode(JSON.stringify(json)), [WEIGHTS_BIN]: toBytes(a.weightData) };
}

/** The parsed model.json of a saved model. */
export function readModelJson(bytes: Uint8Array): tf.io.ModelJSON {
  return JSON.parse(decoder.decode(bytes)) as tf.io.ModelJSON;
}

/** Loads a model from its two files. */
export async function modelFromFiles(files: ModelFiles): Promise<tf.LayersModel> {
  const json = readModelJson(files[MODEL_JSON]);
  const weights = files[WEIGHTS_BIN];
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => [
    tf.io.getWeightSpecs(manifest),
    weights.buffer.slice(weights.byteOffset, weights.byteOffset + weights.byteLength) as ArrayBuffer,
  ]);
  return tf.loadLayersModel(tf.io.fromMemory(artifacts));
}
