import * as tf from '@tensorflow/tfjs';
import { ARCH } from '../seed.js';
import { SEED_SHAPE, type InputShape } from '../data/input-shape.js';

/** Keras's layer names, so summaries and saved weights read like the notebook's. */
const FEATURE_NAMES = ['conv2d', 'activation', 'conv2d_1', 'activation_1', 'max_pooling2d', 'dropout', 'flatten'];
const CLASSIFIER_NAMES = ['dense', 'activation_2', 'dropout_1', 'dense_1', 'activation_3'];

export const FEATURE_LAYER_COUNT = FEATURE_NAMES.length;

const init = (seed: number | undefined, offset: number) =>
  tf.initializers.glorotUniform(seed === undefined ? {} : { seed: seed + offset });

/**
 * Conv2D(32,3) → ReLU → Conv2D(32,3) → ReLU → MaxPool(2) → Dropout(.25) → Flatten:
 * the layers that are frozen and transferred.
 */
export function featureLayers(seed?: number, shape: InputShape = SEED_SHAPE): tf.layers.Layer[] {
  const [c1, a1, c2, a2, pool, drop, flat] = FEATURE_NAMES;
  return [
    tf.layers.conv2d({
      name: c1,
      filters: ARCH.filters,
      kernelSize: ARCH.kernelSize,
      padding: 'valid',
      inputShape: [shape.rows, shape.cols, shape.channels],
      kernelInitializer: init(seed, 1),
    }),
    tf.layers.activation({ name: a1, activation: 'relu' }),
    tf.layers.conv2d({ name: c2, filters: ARCH.filters, kernelSize: ARCH.kernelSize, kernelInitializer: init(seed, 2) }),
    tf.layers.activation({ name: a2, activation: 'relu' }),
    tf.layers.maxPooling2d({ name: pool, poolSize: ARCH.poolSize }),
    tf.layers.dropout({ name: drop, rate: ARCH.featureDropout }),
    tf.layers.flatten({ name: flat }),
  ];
}

/** Dense(128) → ReLU → Dropout(.5) → Dense(k) → softmax: the layers retrained on new classes. */
export function classifierLayers(numClasses: number, seed?: number, inputDim?: number): tf.layers.Layer[] {
  const [d1, a1, drop, d2, a2] = CLASSIFIER_NAMES;
  return [
    tf.layers.dense({
      name: d1,
      units: ARCH.denseUnits,
      kernelInitializer: init(seed, 3),
      ...(inputDim === undefined ? {} : { inputShape: [inputDim] }),
    }),
    tf.layers.activation({ name: a1, activation: 'relu' }),
    tf.layers.dropout({ name: drop, rate: ARCH.classifierDropout }),
    tf.layers.dense({ name: d2, units: numClasses, kernelInitializer: init(seed, 4) }),
    tf.layers.activation({ name: a2, activation: 'softmax' }),
  ];
}

/** The seed notebook's whole network for `numClasses` classes, on images of `shape`. */
export function buildModel(numClasses: number, seed?: number, shape: InputShape = SEED_SHAPE): tf.Sequential {
  return tf.sequential({ name: 'sequential', layers: [...featureLayers(seed, shape), ...classifierLayers(numClasses, seed)] });
}

/** The image shape a base (or a whole model) takes, read from its input layer. */
export function inputShapeOf(model: tf.LayersModel): InputShape {
  const [, rows, cols, channels] = model.inputs[0].shape;
  return { rows: rows!, cols: cols!, channels: channels as 1 | 3 };
}

/** Freezes (or thaws) the feature layers, as the notebook does before fine-tuning. */
export function setFeaturesTrainable(model: tf.LayersModel, trainable: boolean): void {
  model.layers.slice(0, FEATURE_LAYER_COUNT).forEach((layer) => {
    layer.trainable = trainable;
  });
}

const perExample = (shape: Array<number | null>) => shape.slice(1).reduce((a: number, b) => a * (b ?? 1), 1);

/** Number of features the feature layers of a whole model produce for one image (4608). */
export const featureSize = (model: tf.LayersModel): number => perExample(model.layers[FEATURE_LAYER_COUNT - 1].outputShape as Array<number | null>);

/** Values a model outputs per example: for a base, its feature size. */
export const outputSize = (model: tf.LayersModel): number => perExample(model.outputs[0].shape);

/**
 * Frees the weights of models that share layers. tfjs's model.dispose()
 * reference-counts layers per symbolic call, which throws on layers shared
 * by several Sequentials; the weights themselves are what hold memory.
 */
export function disposeModels(models: tf.LayersModel[]): void {
  const weights = new Set(models.flatMap((m) => m.weights));
  for (const w of weights) w.dispose();
}
