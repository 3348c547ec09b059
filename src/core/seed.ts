/**
 * The seed notebook's numbers, named once. Everything that reproduces the
 * notebook reads them from here.
 */
export const IMAGE = { rows: 28, cols: 28, channels: 1 } as const;
export const IMAGE_SIZE = IMAGE.rows * IMAGE.cols * IMAGE.channels;

export const ARCH = {
  filters: 32,
  kernelSize: 3,
  poolSize: 2,
  featureDropout: 0.25,
  denseUnits: 128,
  classifierDropout: 0.5,
} as const;

export const TRAINING = { batchSize: 128, epochs: 5 } as const;

/** Keras's Adadelta defaults (Keras 2; the notebook's Keras 3 run used learning rate 0.001). */
export const ADADELTA = { learningRate: 1.0, rho: 0.95, epsilon: 1e-7 } as const;

export const PRETRAIN_CLASSES = [5, 6, 7, 8, 9] as const;
export const FINETUNE_CLASSES = [0, 1, 2, 3, 4] as const;
