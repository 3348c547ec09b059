import { backend_util, util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { CONV_RELU_POOL, type ConvReluPoolAttrs } from '../../contract/custom-ops.js';
import { simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { KernelScope, requireInputs } from './kernel-scope.js';
import { poolRoutes } from './unpool.js';
import { winogradConvPool, winogradPools, winogradTakes } from './winograd.js';

/**
 * maxPool2x2(relu(conv(x) + bias)) with the pool taken as the Winograd conv
 * writes each tile, where both apply (the seed CNN's second conv); else the
 * FusedConv2D and MaxPool kernels one after the other. Outputs [pooled] or,
 * with routes, [pooled, the pool's routes] (see CONV_RELU_POOL).
 */
export function convReluPool(backendName: string): KernelFunc {
  return (args) => {
    const { x, filter } = requireInputs(args.inputs, ['x', 'filter']);
    const bias = args.inputs.bias ?? undefined;
    const { strides, pad, routes } = args.attrs as unknown as ConvReluPoolAttrs;
    const backend = args.backend as BackendWasm;
    const info = backend_util.computeConv2DInfo(x.shape as [number, number, number, number], filter.shape as [number, number, number, number], strides, 1, pad);
    const simd = simdKernels();
    const plainBias = bias == null || util.sizeFromShape(bias.shape) === info.outChannels;
    const geometry = { outHeight: info.outHeight, outWidth: info.outWidth };
    if (simd && plainBias && x.dtype === 'float32' && winogradTakes(info, 'forward') && winogradPools(geometry)) {
      const conv = { x, filter, outChannels: info.outChannels, bias, relu: true, padTop: info.padInfo.top, padLeft: info.padInfo.left, ...geometry };
      return winogradConvPool(backend, backendName, simd, conv, routes);
    }
    const s = new KernelScope(backend, backendName);
    try {
      const inputs: Record<string, TensorInfo> = bias ? { x, filter, bias } : { x, filter };
      const y = s.run('FusedConv2D', inputs, { strides, pad, dataFormat: 'NHWC', dilations: [1, 1], activation: 'relu', leakyreluAlpha: 0 });
      const pooled = s.keep(s.run('MaxPool', { x: y }, { filterSize: [2, 2], strides: [2, 2], pad: 'valid' }));
      if (!routes) return [pooled];
      const [B, H, W, C] = y.shape;
      const [to] = heapOutputs(backend, [pooled.shape], 'int32');
      poolRoutes(f32(backend, y), backend.typedArrayFromHeap(to) as Int32Array, B, H, W, C);
      return [pooled, to];
    } finally {
      s.dispose();
    }
  };
}

export const convReluPoolConfig = (backendName: string): KernelConfig => ({ kernelName: CONV_RELU_POOL, backendName, kernelFunc: convReluPool(backendName) });
