import {
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
} from '@tensorflow/tfjs';
import { forwardConvInfo, padOrCrop } from './conv-geometry.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, simdKernels } from '../simd/kernels.js';
import { requireInputs, withKernelScope } from './kernel-scope.js';

/** Patches at most this wide (kh * kw * cin) take the direct SIMD kernel. */
const SMALL_PATCH = 27;

type Shape4 = [number, number, number, number];

/**
 * dW[kh,kw,ci,co] = sum over b,oh,ow of x[b, oh*s+kh, ow*s+kw, ci] * dy[b,oh,ow,co].
 * That is a VALID conv of x seen as [ci, H, W, b] with dy seen as the filter
 * [oh, ow, b, co], where the forward stride becomes the dilation. So the
 * backend's own (XNNPACK) conv does the work; missing upstream (tfjs #8474).
 */
export function conv2dBackpropFilter(backendName: string): KernelFunc {
  return ({ inputs, backend, attrs }) => {
    const { x, dy } = requireInputs(inputs, ['x', 'dy']);
    const a = attrs as unknown as Conv2DBackpropFilterAttrs;
    const info = forwardConvInfo(x.shape as Shape4, a.filterShape as Shape4, a);
    const { filterHeight: kh, filterWidth: kw, strideHeight: sh, strideWidth: sw } = info;
    const simd = simdKernels();
    const direct = info.padInfo.top + info.padInfo.bottom + info.padInfo.left + info.padInfo.right === 0 && sh === 1 && sw === 1;
    if (simd && direct && kh * kw * info.inChannels <= SMALL_PATCH && info.outChannels % 16 === 0) {
      // Few input channels (the first conv): direct SIMD accumulation. The conv
      // formulation below would pack all of dy (millions of values) as a filter.
      const wasm = backend as BackendWasm;
      const out = wasm.makeOutput(a.filterShape, 'float32');
      simd.convFilterGradSmall(pointer(wasm, x), pointer(wasm, dy), pointer(wasm, out), info.batchSize, info.inHeight, info.inWidth, info.inChannels, kh, kw, info.outChannels);
      return out;
    }
    const needH = (info.outHeight - 1) * sh + kh;
    const needW = (info.outWidth - 1) * sw + kw;
    return withKernelScope(backend, backendName, (s) => {
      const xWindow = padOrCrop(s, x, [
        [0, 0],
        [info.padInfo.top, needH - info.inHeight - info.padInfo.top],
        [info.padInfo.left, needW - info.inWidth - info.padInfo.left],
        [0, 0],
      ]);
      const xT = s.run('Transpose', { x: xWindow }, { perm: [3, 1, 2, 0] });
      const dyT = s.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] });
      const dwT = s.run(
        'Conv2D',
        { x: xT, filter: dyT },
        { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [sh, sw], dimRoundingMode: undefined as unknown as string },
      );
      return s.run('Transpose', { x: dwT }, { perm: [1, 2, 0, 3] });
    });
  };
}

export const conv2dBackpropFilterConfig = (backendName: string): KernelConfig => ({
  kernelName: Conv2DBackpropFilter,
  backendName,
  kernelFunc: conv2dBackpropFilter(backendName),
});
