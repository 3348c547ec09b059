import {
  backend_util,
  Conv2DBackpropInput,
  type Conv2DBackpropInputAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { forwardConvInfo, padOrCrop } from './conv-geometry.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels, type SimdKernels } from '../simd/kernels.js';
import { type KernelScope, requireInputs, withKernelScope } from './kernel-scope.js';
import { winogradConv, winogradInputGradient, winogradInputGradientTakes, winogradTakes } from './winograd.js';

type Shape4 = [number, number, number, number];

/** Spreads rows/cols of dy apart by the forward stride (zeros between), with rank-4 reshapes and pads only. */
function dilate(s: KernelScope, dy: TensorInfo, sh: number, sw: number): TensorInfo {
  if (sh === 1 && sw === 1) return dy;
  const [b, h, w, c] = dy.shape;
  let t = s.run('Reshape', { x: dy }, { shape: [b * h, 1, w, c] });
  t = s.run('PadV2', { x: t }, { paddings: [[0, 0], [0, sh - 1], [0, 0], [0, 0]], constantValue: 0 });
  t = s.run('Reshape', { x: t }, { shape: [b * h * sh, w, 1, c] });
  t = s.run('PadV2', { x: t }, { paddings: [[0, 0], [0, 0], [0, sw - 1], [0, 0]], constantValue: 0 });
  return s.run('Reshape', { x: t }, { shape: [b, h * sh, w * sw, c] });
}

/** A 3x3 filter w [3, 3, C, CO] with its channels swapped, into out [3, 3, CO, C]; turned 180 degrees too if `turn`. */
function swapChannels(w: Float32Array, out: Float32Array, C: number, CO: number, turn: boolean): void {
  for (let k = 0; k < 9; k++) {
    for (let ci = 0; ci < C; ci++) {
      for (let co = 0; co < CO; co++) out[(k * CO + co) * C + ci] = w[((turn ? 8 - k : k) * C + ci) * CO + co];
    }
  }
}

/** Whether adjointInputGradient takes the input gradient of the conv `info` (its forward geometry). */
export const adjointTakes = (info: backend_util.Conv2DInfo): boolean =>
  info.filterHeight - 1 - info.padInfo.top >= 0 && info.filterWidth - 1 - info.padInfo.left >= 0 && winogradTakes(info, 'input gradient') && winogradInputGradientTakes(info);

/** The filter with its channels swapped, as the Winograd input gradient takes it (see winogradInputGradient). */
export function swappedFilter(s: KernelScope, backend: BackendWasm, info: backend_util.Conv2DInfo, filter: TensorInfo): TensorInfo {
  const swapped = s.make([3, 3, info.outChannels, info.inChannels]);
  swapChannels(backend.typedArrayFromHeap(filter) as Float32Array, backend.typedArrayFromHeap(swapped) as Float32Array, info.inChannels, info.outChannels, false);
  return swapped;
}

/** The input gradient by the forward's Winograd run backwards on the conv's own tiles (see winogradInputGradient); needs adjointTakes. */
function adjointInputGradient(backend: BackendWasm, backendName: string, simd: SimdKernels, info: backend_util.Conv2DInfo, filter: TensorInfo, dy: TensorInfo): TensorInfo {
  return withKernelScope(backend, backendName, (s) => {
    const inputShape = [info.batchSize, info.inHeight, info.inWidth, info.inChannels];
    return winogradInputGradient(backend, backendName, simd, { dy, swapped: swappedFilter(s, backend, info, filter), inputShape, padTop: info.padInfo.top, padLeft: info.padInfo.left });
  });
}

/**
 * dx is the full correlation of the stride-dilated dy with the filter turned
 * 180 degrees and its in/out channels swapped: one XNNPACK conv instead of
 * upstream's scalar loop. Where Winograd applies, the forward's Winograd
 * run backwards on the conv's own tiles (adjointInputGradient), or for
 * images of many tiles that correlation by Winograd.
 */
export function conv2dBackpropInput(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { dy, filter } = requireInputs(inputs, ['dy', 'filter']);
    const a = attrs as unknown as Conv2DBackpropInputAttrs;
    const info = forwardConvInfo(a.inputShape as Shape4, filter.shape as Shape4, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw, inHeight: H, inWidth: W } = info;
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    const simd = simdKernels();
    const wasm = backend as BackendWasm;
    if (simd && adjointTakes(info)) return adjointInputGradient(wasm, backendName, simd, info, filter, dy);
    if (simd && top >= 0 && left >= 0 && winogradTakes(info, 'input gradient')) {
      return withKernelScope(backend, backendName, (s) => {
        const swapped = s.make([3, 3, info.outChannels, info.inChannels]);
        swapChannels(wasm.typedArrayFromHeap(filter) as Float32Array, wasm.typedArrayFromHeap(swapped) as Float32Array, info.inChannels, info.outChannels, true);
        return winogradConv(wasm, backendName, simd, {
          x: dy,
          filter: swapped,
          outChannels: info.inChannels,
          relu: false,
          padTop: top,
          padLeft: left,
          outHeight: H,
          outWidth: W,
        });
      });
    }
    return withKernelScope(backend, backendName, (s) => {
      const spread = dilate(s, dy, sh, sw);
      const edges: [number, number][] = [
        [0, 0],
        [top, H + kh - 1 - top - spread.shape[1]],
        [left, W + kw - 1 - left - spread.shape[2]],
        [0, 0],
      ];
      // Padding only (the usual case) is left to XNNPACK, which reads the
      // border as zeros without a padded copy of dy (-4 ms/step at 2 threads).
      const padOnly = edges.every(([before, after]) => before >= 0 && after >= 0);
      const flipped = s.run('Reverse', { x: filter }, { dims: [0, 1] });
      const swapped = s.run('Transpose', { x: flipped }, { perm: [0, 1, 3, 2] });
      return s.run(
        'Conv2D',
        { x: padOnly ? spread : padOrCrop(s, spread, edges), filter: swapped },
        { strides: [1, 1], pad: padOnly ? edges : 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined as unknown as string },
      );
    });
  };
}

export const conv2dBackpropInputConfig = (backendName: string): KernelConfig => ({
  kernelName: Conv2DBackpropInput,
  backendName,
  kernelFunc: conv2dBackpropInput(backendName),
});
