import * as tf from '@tensorflow/tfjs';
import type { Forward } from './forward.js';
import { convReluPool2x2, isPool2x2 } from '../ops/conv-relu-pool.js';
import { isReluLayer, maxPoolAttrs, type Config } from './layer-config.js';

const cache = new WeakMap<tf.LayersModel, Forward>();

/**
 * The model's inference pass as a chain of tf ops, each Conv2D or Dense fused
 * with its bias and a following ReLU (one kernel each), and an undilated
 * ReLU conv followed by a 2x2 max pool as one step (convReluPool2x2). Skips the
 * per-call bookkeeping of layer.apply, which costs more than the kernels for
 * a single image. Layers it does not know run through apply.
 */
function compile(model: tf.LayersModel): Forward {
  const layers = model.layers;
  const steps: Forward[] = [];
  for (let i = 0; i < layers.length; i++) {
    const layer = layers[i];
    const config = layer.getConfig() as Config;
    const read = (j: number) => layer.weights[j].read();
    const own = (config.activation ?? 'linear') as string;
    const fusable = own === 'linear' || own === 'relu';
    const relu = own === 'relu' || (own === 'linear' && isReluLayer(layers[i + 1]));
    const activation = relu ? 'relu' : 'linear';
    const bias = () => (config.useBias === false ? undefined : read(1));
    const next = relu && own === 'linear' ? i + 2 : i + 1;
    const pool = maxPoolAttrs(layers[next]);
    const undilated = [config.dilationRate ?? 1].flat().every((d) => d === 1);
    if (layer.getClassName() === 'Conv2D' && relu && undilated && pool && isPool2x2(pool) && (config.dataFormat ?? 'channelsLast') === 'channelsLast') {
      const conv = { strides: config.strides as [number, number], pad: config.padding as 'valid' | 'same' };
      steps.push((x) => convReluPool2x2(x as tf.Tensor4D, read(0) as tf.Tensor4D, bias() as tf.Tensor1D | undefined, conv));
      i = next;
      continue;
    }
    if (layer.getClassName() === 'Conv2D' && fusable && (config.dataFormat ?? 'channelsLast') === 'channelsLast') {
      steps.push((x) =>
        tf.fused.conv2d({
          x: x as tf.Tensor4D,
          filter: read(0) as tf.Tensor4D,
          strides: config.strides as [number, number],
          pad: config.padding as 'valid' | 'same',
          dilations: config.dilationRate as [number, number],
          bias: bias(),
          activation,
        }),
      );
    } else if (layer.getClassName() === 'Dense' && fusable) {
      steps.push((x) => tf.fused.matMul({ a: x as tf.Tensor2D, b: read(0) as tf.Tensor2D, bias: bias(), activation }));
    } else if (layer.getClassName() === 'Dropout' || layer.getClassName() === 'InputLayer') {
      continue;
    } else if (layer.getClassName() === 'Flatten') {
      steps.push((x) => tf.reshape(x, [x.shape[0], -1]));
    } else {
      steps.push((x) => layer.apply(x, { training: false }) as tf.Tensor);
      continue;
    }
    if (relu && own === 'linear') i++;
  }
  return (x) => steps.reduce((t, f) => f(t), x);
}

/** Runs `model` in inference mode on `x` (cached compiled pass; call inside tf.tidy). */
export function infer(model: tf.LayersModel, x: tf.Tensor): tf.Tensor {
  let forward = cache.get(model);
  if (!forward) {
    forward = compile(model);
    cache.set(model, forward);
  }
  return forward(x);
}
