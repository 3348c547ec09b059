import {
  backend_util,
  Conv2DBackpropFilter,
  type Conv2DBackpropFilterAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import { forwardConvInfo, padOrCrop } from './conv-geometry.js';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, simdKernels, simdPool, type SimdKernels, type SimdPool } from '../simd/kernels.js';
import { requireInputs, withKernelScope } from './kernel-scope.js';
import { winogradFilterGradient, winogradTakes } from './winograd.js';

/**
 * The filter gradient by the SIMD kernel. With helper threads, each thread
 * takes blocks of rows from a shared counter into its own buffer; the
 * buffers are then summed.
 */
function directFilterGradient(
  backend: BackendWasm,
  simd: SimdKernels,
  pool: SimdPool | undefined,
  x: TensorInfo,
  dy: TensorInfo,
  info: backend_util.Conv2DInfo,
  filterShape: number[],
  pair: number,
): TensorInfo {
  const rows = info.batchSize * info.outHeight;
  const geometry = [info.inHeight, info.inWidth, info.inChannels, info.filterHeight, info.filterWidth, info.outChannels];
  const out = backend.makeOutput(filterShape, 'float32');
  if (!pool || pool.size < 2) {
    simd.convFilterGrad(pointer(backend, x), pointer(backend, dy), pointer(backend, out), ...(geometry as Sizes), 0, rows, pair);
    return out;
  }
  const extras = Array.from({ length: pool.size - 1 }, () => backend.makeOutput(filterShape, 'float32'));
  const ran = pool.parallel(
    'convFilterGradShared',
    [out, ...extras].map((dw) => [pointer(backend, x), pointer(backend, dy), pointer(backend, dw), ...geometry, rows, pair]),
  );
  const size = filterShape.reduce((m, n) => m * n, 1);
  extras.forEach((extra, i) => {
    if (ran[i + 1]) simd.addInto(pointer(backend, out), pointer(backend, extra), size);
    backend.disposeData(extra.dataId);
  });
  return out;
}

type Sizes = [number, number, number, number, number, number];

type Shape4 = [number, number, number, number];

/**
 * Elsewhere (strides, padding, odd channel counts, no SIMD):
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
    const pool = simdPool();
    // Winograd where it applies and pays: 4x fewer multiplies (conv 2 of
    // the CNN: 40 → 17 ms on one thread, 19 → 9.5 on two).
    if (simd && winogradTakes(info, 'filter gradient')) {
      const { top, left } = info.padInfo;
      return winogradFilterGradient(backend as BackendWasm, backendName, simd, { x, dy, filterShape: a.filterShape, padTop: top, padLeft: left });
    }
    const direct = info.padInfo.top + info.padInfo.bottom + info.padInfo.left + info.padInfo.right === 0 && sh === 1 && sw === 1;
    const pair = info.inChannels % 2 === 0 ? 2 : info.inChannels === 1 ? 1 : 0;
    // Direct SIMD accumulation where the shapes fit: the conv formulation
    // below makes XNNPACK pack all of dy (millions of values) as a filter on
    // every call, single-threaded; direct is 2x faster on one thread
    // (conv2 of the CNN: 41 vs 80 ms) and shares rows across helpers.
    if (simd && direct && pair && info.outChannels % 16 === 0) {
      return directFilterGradient(backend as BackendWasm, simd, pool, x, dy, info, a.filterShape, pair);
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
