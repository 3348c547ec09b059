import * as tf from '@tensorflow/tfjs';
import { convReluPool, poolReluGradAvailable } from '../ops/conv-relu-pool.js';
import { dropout, dropoutSeed } from '../ops/dropout.js';
import { fusedConv2d, type FusedActivation } from '../ops/fused-conv.js';
import { isReluLayer, maxPoolAttrs, type Config } from './layer-config.js';

/**
 * The training-time forward pass, op by op from the layers' own variables.
 * Why not layer.apply(x, {training: true}):
 * - tfjs-layers runs Conv2D and Dense as fused ops whose custom gradient
 *   always computes the input gradient too, wasted on the first layer (the
 *   images) and on every layer of a head trained on cached features;
 * - its Dropout draws masks from an unseeded source (with a seed, the same
 *   mask every step), so --seed could not make a run repeatable.
 * Convs with ReLU (their own or the next layer's) or no activation run as
 * one fused kernel, bias and ReLU applied as the conv writes its output,
 * with a gradient that is lazy per input (see ops/fused-conv.ts), or with a
 * MaxPooling2D after them as one step whose gradient fuses the pool's and
 * the ReLU's (see ops/conv-relu-pool.ts), and a Dropout after that pool
 * applied as the pooled values are written. Other dropout masks are made
 * on the backend (see ops/dropout.ts). Inference has its own pass (inference.ts):
 * tfjs's fused ops, no gradients to shape, dropout skipped.
 */
export type Forward = (x: tf.Tensor) => tf.Tensor;

function activation(name: unknown): Forward {
  switch (name ?? 'linear') {
    case 'linear':
      return (x) => x;
    case 'relu':
      return tf.relu;
    case 'softmax':
      return (x) => tf.softmax(x);
    case 'sigmoid':
      return tf.sigmoid;
    case 'tanh':
      return tf.tanh;
    default:
      throw new Error(`activation ${String(name)} is not supported by the training forward pass`);
  }
}

const variable = (layer: tf.layers.Layer, i: number) => layer.weights[i].read();

/**
 * A channels-last, undilated Conv2D with ReLU or no activation, with the
 * Activation('relu') layer after it if there is one (the seed's model has
 * them apart), as one fused step; `layers` is how many layers it covers.
 * A ReLU conv followed by a MaxPooling2D takes the pool in too, for its
 * fused gradient (see ops/conv-relu-pool.ts), unless its input is the
 * model's, and a Dropout after the pool with it (its seeds from `random`).
 */
function fusedConvStep(layers: tf.layers.Layer[], first: boolean, random: () => number): { forward: Forward; layers: number } | undefined {
  const [layer, next] = layers;
  if (layer.getClassName() !== 'Conv2D') return undefined;
  const config = layer.getConfig() as Config;
  const dilation = config.dilationRate as [number, number];
  if ((config.dataFormat ?? 'channelsLast') !== 'channelsLast' || dilation.some((d) => d !== 1)) return undefined;
  const reluNext = config.activation === 'linear' && isReluLayer(next);
  const act = reluNext ? 'relu' : config.activation;
  if (act !== 'relu' && act !== 'linear') return undefined;
  const conv = { strides: config.strides as [number, number], pad: config.padding as 'valid' | 'same' };
  const withBias = config.useBias !== false;
  const weights = (): [tf.Tensor4D, tf.Tensor1D | undefined] => [variable(layer, 0) as tf.Tensor4D, withBias ? (variable(layer, 1) as tf.Tensor1D) : undefined];
  const covered = reluNext ? 2 : 1;
  const pool = maxPoolAttrs(layers[covered]);
  if (act === 'relu' && pool && !first && poolReluGradAvailable()) {
    const after = layers[covered + 1];
    const rate = after?.getClassName() === 'Dropout' ? ((after.getConfig() as Config).rate as number) : undefined;
    const block = convReluPool(conv, pool, withBias, rate === undefined ? undefined : { rate, random });
    return { forward: (x) => block(x as tf.Tensor4D, ...weights()), layers: covered + (rate === undefined ? 1 : 2) };
  }
  const attrs = { ...conv, activation: act as FusedActivation, dataInput: first };
  return { forward: (x) => fusedConv2d(x as tf.Tensor4D, ...weights(), attrs), layers: covered };
}

function layerForward(layer: tf.layers.Layer, random: () => number): Forward {
  const config = layer.getConfig() as Config;
  const bias = (x: tf.Tensor) => (config.useBias === false ? x : tf.add(x, variable(layer, 1)));
  switch (layer.getClassName()) {
    case 'InputLayer':
      return (x) => x;
    case 'Conv2D': {
      if ((config.dataFormat ?? 'channelsLast') !== 'channelsLast') throw new Error('only channelsLast convolutions can be trained');
      const act = activation(config.activation);
      const strides = config.strides as [number, number];
      const dilation = config.dilationRate as [number, number];
      const padding = config.padding as 'valid' | 'same';
      return (x) => act(bias(tf.conv2d(x as tf.Tensor4D, variable(layer, 0) as tf.Tensor4D, strides, padding, 'NHWC', dilation)));
    }
    case 'Dense': {
      const act = activation(config.activation);
      return (x) => act(bias(tf.matMul(x as tf.Tensor2D, variable(layer, 0) as tf.Tensor2D)));
    }
    case 'Activation':
      return activation(config.activation);
    case 'MaxPooling2D': {
      const pool = maxPoolAttrs(layer);
      if (!pool) return (x) => layer.apply(x, { training: true }) as tf.Tensor;
      return (x) => tf.maxPool(x as tf.Tensor4D, pool.filterSize, pool.strides, pool.pad);
    }
    case 'Dropout': {
      const rate = config.rate as number;
      return (x) => (rate > 0 ? dropout(x, rate, dropoutSeed(random)) : x);
    }
    case 'Flatten':
      return (x) => tf.reshape(x, [x.shape[0], -1]);
    default:
      return (x) => layer.apply(x, { training: true }) as tf.Tensor;
  }
}

/**
 * The model's layers as one training-mode function returning logits when
 * the model ends in a softmax (so the loss can fuse it), else its output.
 */
export function trainingForward(model: tf.LayersModel, random: () => number): { forward: Forward; logits: boolean } {
  const layers = [...model.layers];
  const last = layers[layers.length - 1];
  const lastConfig = last.getConfig() as Config;
  const logits = last.getClassName() === 'Activation' && lastConfig.activation === 'softmax';
  if (logits) layers.pop();
  const steps: Forward[] = [];
  for (let i = 0; i < layers.length; ) {
    const first = layers.slice(0, i).every((l) => l.getClassName() === 'InputLayer');
    const fused = fusedConvStep(layers.slice(i, i + 4), first, random);
    steps.push(fused?.forward ?? layerForward(layers[i], random));
    i += fused?.layers ?? 1;
  }
  return { forward: (x) => steps.reduce((t, f) => f(t), x), logits };
}
