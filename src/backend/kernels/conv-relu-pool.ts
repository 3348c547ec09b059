import { backend_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CONV_RELU_POOL, CONV_RELU_POOL_GRAD, type ConvReluPoolAttrs, type ConvReluPoolGradAttrs } from '../../contract/custom-ops.js';
import { dropoutLevels, fillDropoutMask } from '../../contract/dropout-mask.js';
import { simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { KernelScope, requireInputs } from './kernel-scope.js';
import { poolRoutes, unpool2x2 } from './unpool.js';
import { adjointTakes, swappedFilter } from './conv2d-backprop-input.js';
import { winogradConvGradients, winogradConvPool, winogradPools, winogradTakes } from './winograd.js';

/** Drops pooled values as fillDropoutMask's mask for `seed` does, routing the dropped nowhere (4). */
function dropPooled(pooled: Float32Array, routes: Int32Array, rate: number, seed: number): void {
  const mask = new Float32Array(pooled.length);
  fillDropoutMask(mask, 0, seed, rate);
  for (let i = 0; i < pooled.length; i++) {
    pooled[i] *= mask[i];
    if (mask[i] === 0) routes[i] = 4;
  }
}

/**
 * maxPool2x2(relu(conv(x) + bias)) with the pool taken as the Winograd conv
 * writes each tile, where both apply (the seed CNN's second conv); else the
 * FusedConv2D and MaxPool kernels one after the other. Outputs [pooled] or,
 * with routes, [pooled, the pool's routes] (see CONV_RELU_POOL), a dropout
 * applied to both if asked: by the Winograd pass as it writes them (no mask
 * made), else after them.
 */
export function convReluPool(backendName: string): KernelFunc {
  return (args) => {
    const { x, filter } = requireInputs(args.inputs, ['x', 'filter']);
    const bias = args.inputs.bias ?? undefined;
    const { strides, pad, routes, dropout } = args.attrs as unknown as ConvReluPoolAttrs;
    if (dropout && !routes) throw new Error(`${CONV_RELU_POOL}: a dropout is for training, with routes`);
    const backend = args.backend as BackendWasm;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, 1, pad);
    const simd = simdKernels();
    const plainBias = bias == null || util.sizeFromShape(bias.shape) === info.outChannels;
    const geometry = { outHeight: info.outHeight, outWidth: info.outWidth };
    if (simd && plainBias && x.dtype === 'float32' && winogradTakes(info, 'forward') && winogradPools(geometry)) {
      const conv = { x, filter, outChannels: info.outChannels, bias, relu: true, padTop: info.padInfo.top, padLeft: info.padInfo.left, ...geometry };
      return winogradConvPool(backend, backendName, simd, conv, routes, dropout && { seed: dropout.seed, ...dropoutLevels(dropout.rate) });
    }
    const s = new KernelScope(backend, backendName);
    try {
      const inputs: Record<string, TensorInfo> = bias ? { x, filter, bias } : { x, filter };
      const y = s.run('FusedConv2D', inputs, { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu', leakyreluAlpha: 0 });
      const pooled = s.keep(s.run('MaxPool', { x: y }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' }));
      if (!routes) return [pooled];
      const [B, H, W, C] = y.shape;
      const [to] = heapOutputs(backend, [pooled.shape], 'int32');
      const toRoutes = backend.typedArrayFromHeap(to) as Int32Array;
      poolRoutes(f32(backend, y), toRoutes, B, H, W, C);
      if (dropout) dropPooled(f32(backend, pooled), toRoutes, dropout.rate, dropout.seed);
      return [pooled, to];
    } finally {
      s.dispose();
    }
  };
}

export const convReluPoolConfig = (backendName: string): KernelConfig => ({ kernelName: CONV_RELU_POOL, backendName, kernelFunc: convReluPool(backendName) });

/**
 * CONV_RELU_POOL_GRAD: where the conv's gradients both go to Winograd (the
 * seed CNN's second conv), one kernel makes both, taking the conv's output
 * gradient from the pool's gradient and routes as it reads each tile, so
 * it is never written; else it is written (unpool2x2) and goes to the
 * Conv2DBackpropInput and Conv2DBackpropFilter kernels.
 */
export function convReluPoolGrad(backendName: string): KernelFunc {
  return (args) => {
    const { x, filter, dy, routes } = requireInputs(args.inputs, ['x', 'filter', 'dy', 'routes']);
    const { strides, pad, scale = 1 } = args.attrs as unknown as ConvReluPoolGradAttrs;
    const backend = args.backend as BackendWasm;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, 1, pad);
    const simd = simdKernels();
    const geometry = { outHeight: info.outHeight, outWidth: info.outWidth };
    const s = new KernelScope(backend, backendName);
    try {
      if (simd && winogradPools(geometry) && winogradTakes(info, 'filter gradient') && adjointTakes(info)) {
        const swapped = swappedFilter(s, backend, info, filter);
        return winogradConvGradients(backend, backendName, simd, { x, dy, routes, scale, swapped, padTop: info.padInfo.top, padLeft: info.padInfo.left });
      }
      const dz = s.make([info.batchSize, info.outHeight, info.outWidth, info.outChannels]);
      unpool2x2(backend, dy, routes, dz);
      if (scale !== 1) {
        const values = f32(backend, dz);
        for (let i = 0; i < values.length; i++) values[i] *= scale;
      }
      const attrs = { strides, pad, dataFormat: 'NHWC', dimRoundingMode: undefined as unknown as string };
      const dx = s.keep(s.run('Conv2DBackpropInput', { dy: dz, filter }, { ...attrs, inputShape: x.shape }));
      return [dx, s.keep(s.run('Conv2DBackpropFilter', { x, dy: dz }, { ...attrs, filterShape: filter.shape }))];
    } finally {
      s.dispose();
    }
  };
}

export const convReluPoolGradConfig = (backendName: string): KernelConfig => ({ kernelName: CONV_RELU_POOL_GRAD, backendName, kernelFunc: convReluPoolGrad(backendName) });
