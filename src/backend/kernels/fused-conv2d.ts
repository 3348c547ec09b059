import { backend_util, FusedConv2D, util, type FusedConv2DAttrs, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, simdKernels, type SimdKernels } from '../simd/kernels.js';
import { stride1Nhwc } from './conv-geometry.js';
import { withKernelScope } from './kernel-scope.js';
import { runCounted } from './run-counted.js';
import { winogradConv, winogradTakes } from './winograd.js';

/**
 * Whether the single-channel SIMD conv takes this conv: one input channel
 * (an image), valid padding, stride 1, no dilation, NHWC, output channels
 * in 8s and rows of at least 4 pixels.
 */
export function singleChannelTakes(info: backend_util.Conv2DInfo): boolean {
  return (
    stride1Nhwc(info) &&
    info.inChannels === 1 &&
    info.padInfo.top === 0 &&
    info.padInfo.left === 0 &&
    info.outHeight === info.inHeight - info.filterHeight + 1 &&
    info.outWidth === info.inWidth - info.filterWidth + 1 &&
    info.outChannels % 8 === 0 &&
    info.outWidth >= 4
  );
}

/** The single-channel conv, on the pool's threads when the output is big enough to share. */
function singleChannelConv(backend: BackendWasm, backendName: string, simd: SimdKernels, info: backend_util.Conv2DInfo, x: TensorInfo, filter: TensorInfo, bias: TensorInfo | undefined, relu: boolean): TensorInfo {
  const { batchSize: B, inHeight: H, inWidth: W, filterHeight: KH, filterWidth: KW, outChannels: CO, outHeight: OH, outWidth: OW } = info;
  return withKernelScope(backend, backendName, (s) => {
    const y = backend.makeOutput([B, OH, OW, CO], 'float32');
    const args = [pointer(backend, x), pointer(backend, filter), bias ? pointer(backend, bias) : 0, pointer(backend, y), H, W, KH, KW, CO, OH, OW, relu ? 1 : 0, B * OH];
    runCounted(s, backend, simd, 'singleChannelConv', args, B * OH * OW * CO);
    return y;
  });
}

/**
 * Conv + bias + ReLU (or none) by edgetune's SIMD kernels where they apply:
 * Winograd where it pays (see winogradTakes: 3x3, stride 1, enough tiles;
 * the CNN's second conv at batch 128, in training and inference: 37 → 15 ms
 * on one thread, 19 → 8.6 ms on two), the single-channel conv for the
 * first layer. Everything else goes to the stock kernel.
 */
export function fusedConv2d(backendName: string, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x, filter, bias, preluActivationWeights } = args.inputs;
    const a = args.attrs as unknown as FusedConv2DAttrs;
    const simd = simdKernels();
    if (!simd || !x || !filter || preluActivationWeights || (a.activation !== 'linear' && a.activation !== 'relu')) return stock(args);
    const info = backend_util.computeConv2DInfo(
      x.shape as [number, number, number, number],
      filter.shape as [number, number, number, number],
      a.strides,
      a.dilations,
      a.pad,
      a.dimRoundingMode,
      false,
      backend_util.convertConv2DDataFormat(a.dataFormat),
    );
    if (bias && util.sizeFromShape(bias.shape) !== info.outChannels) return stock(args);
    const backend = args.backend as BackendWasm;
    if (singleChannelTakes(info)) return singleChannelConv(backend, backendName, simd, info, x, filter, bias, a.activation === 'relu');
    if (!winogradTakes(info, 'forward')) return stock(args);
    return winogradConv(backend, backendName, simd, {
      x,
      filter,
      outChannels: info.outChannels,
      bias,
      relu: a.activation === 'relu',
      padTop: info.padInfo.top,
      padLeft: info.padInfo.left,
      outHeight: info.outHeight,
      outWidth: info.outWidth,
    });
  };
}

export const fusedConv2dConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: FusedConv2D,
  backendName,
  kernelFunc: fusedConv2d(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
