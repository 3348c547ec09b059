import { backend_util, FusedConv2D, util, type FusedConv2DAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../simd/kernels.js';
import { winogradConv, winogradPays } from './winograd.js';

/**
 * Conv + bias + ReLU (or none) by Winograd where it applies and pays: 3x3,
 * stride 1, no dilation, NHWC, enough tiles (see winogradPays). The CNN's
 * second conv at batch 128, in training and inference: 37 → 15 ms on one
 * thread, 19 → 8.6 ms on two. Everything else goes to the stock kernel.
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
    const fits =
      info.dataFormat === 'channelsLast' &&
      info.filterHeight === 3 &&
      info.filterWidth === 3 &&
      info.strideHeight === 1 &&
      info.strideWidth === 1 &&
      info.dilationHeight === 1 &&
      info.dilationWidth === 1 &&
      winogradPays(info.inChannels, info.outChannels, info.batchSize * info.outHeight * info.outWidth) &&
      (!bias || util.sizeFromShape(bias.shape) === info.outChannels);
    if (!fits) return stock(args);
    const backend = args.backend as BackendWasm;
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
