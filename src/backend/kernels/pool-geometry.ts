import type { backend_util } from '@tensorflow/tfjs';

/** A 2x2, stride-2 pool whose windows tile the input exactly (no padding, even sizes): the SIMD kernels' case. */
export const tiles2x2 = (info: backend_util.Conv2DInfo): boolean =>
  info.filterHeight === 2 &&
  info.filterWidth === 2 &&
  info.strideHeight === 2 &&
  info.strideWidth === 2 &&
  info.padInfo.top === 0 &&
  info.padInfo.left === 0 &&
  info.inHeight === 2 * info.outHeight &&
  info.inWidth === 2 * info.outWidth;
