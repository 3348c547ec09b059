import type * as tf from '@tensorflow/tfjs';

/** A layer's getConfig(), read field by field. */
export type Config = Record<string, unknown>;

/** Whether `layer` is an Activation('relu') layer (the seed model keeps ReLUs apart from their Conv2D and Dense). */
export const isReluLayer = (layer: tf.layers.Layer | undefined): boolean =>
  layer?.getClassName() === 'Activation' && (layer.getConfig() as Config).activation === 'relu';
