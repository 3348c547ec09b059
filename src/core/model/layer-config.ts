import type * as tf from '@tensorflow/tfjs';
import type { PoolAttrs } from '../ops/conv-relu-pool.js';

/** A layer's getConfig(), read field by field. */
export type Config = Record<string, unknown>;

/** Whether `layer` is an Activation('relu') layer (the seed model keeps ReLUs apart from their Conv2D and Dense). */
export const isReluLayer = (layer: tf.layers.Layer | undefined): boolean =>
  layer?.getClassName() === 'Activation' && (layer.getConfig() as Config).activation === 'relu';

/** A MaxPooling2D layer's attributes when it is channels-last, else undefined. */
export function maxPoolAttrs(layer: tf.layers.Layer | undefined): PoolAttrs | undefined {
  if (layer?.getClassName() !== 'MaxPooling2D') return undefined;
  const config = layer.getConfig() as Config;
  if ((config.dataFormat ?? 'channelsLast') !== 'channelsLast') return undefined;
  const filterSize = config.poolSize as [number, number];
  return { filterSize, strides: (config.strides ?? filterSize) as [number, number], pad: config.padding as 'valid' | 'same' };
}
