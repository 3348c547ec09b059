import type * as tf from '@tensorflow/tfjs';

/** Multiply-accumulates of one image through one layer, forward; 0 for layers without weights. */
function macs(layer: tf.layers.Layer): number {
  const out = (layer.outputShape as Array<number | null>).slice(1) as number[];
  const config = layer.getConfig() as Record<string, unknown>;
  switch (layer.getClassName()) {
    case 'Conv2D': {
      const [kh, kw] = config.kernelSize as [number, number];
      const inChannels = (layer.inputSpec?.[0]?.axes?.[-1] as number | undefined) ?? (layer.weights[0].shape[2] as number);
      return out[0] * out[1] * out[2] * kh * kw * inChannels;
    }
    case 'Dense':
      return (layer.weights[0].shape[0] as number) * (layer.weights[0].shape[1] as number);
    default:
      return 0;
  }
}

export interface Flops {
  /** One image, inference. */
  forward: number;
  /** One image, a training step: forward, weight gradients, input gradients of all but the first weighted layer. */
  train: number;
}

/** FLOPs (2 per multiply-accumulate) of the layers in `layers`, counted once in code for the benchmark. */
export function countFlops(layers: tf.layers.Layer[], trainable: (layer: tf.layers.Layer) => boolean = () => true): Flops {
  let forward = 0;
  let train = 0;
  let first = true;
  for (const layer of layers) {
    const m = macs(layer);
    forward += m;
    train += m;
    if (m > 0 && trainable(layer)) {
      train += m;
      if (!first) train += m;
    }
    if (m > 0 && trainable(layer)) first = false;
  }
  return { forward: 2 * forward, train: 2 * train };
}
