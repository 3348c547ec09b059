import { backend_util, type Conv2DBackpropFilterAttrs, type Conv2DBackpropInputAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { KernelScope } from './kernel-scope.js';

type ConvAttrs = Pick<Conv2DBackpropFilterAttrs | Conv2DBackpropInputAttrs, 'strides' | 'pad' | 'dataFormat' | 'dimRoundingMode'>;

/** Forward geometry of the conv whose gradient is asked for (dilation 1, as tfjs's conv gradients require). */
export function forwardConvInfo(
  inShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  attrs: ConvAttrs,
): backend_util.Conv2DInfo {
  const info = backend_util.computeConv2DInfo(
    inShape,
    filterShape,
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    backend_util.convertConv2DDataFormat(attrs.dataFormat),
  );
  if (info.dataFormat !== 'channelsLast') {
    throw new Error(`edgetune's wasm conv gradients support only NHWC data, got ${attrs.dataFormat}`);
  }
  return info;
}

/** NHWC, stride 1, no dilation: the geometry every SIMD conv kernel assumes. */
export const stride1Nhwc = (info: backend_util.Conv2DInfo): boolean =>
  info.dataFormat === 'channelsLast' &&
  info.strideHeight === 1 &&
  info.strideWidth === 1 &&
  info.dilationHeight === 1 &&
  info.dilationWidth === 1;

/**
 * Pads (positive amounts) or crops (negative amounts) each axis of `x` at
 * both ends, so callers can ask for an exact size without case analysis.
 */
export function padOrCrop(scope: KernelScope, x: TensorInfo, amounts: Array<[number, number]>): TensorInfo {
  let out = x;
  if (amounts.some(([a, b]) => a < 0 || b < 0)) {
    const begin = amounts.map(([a]) => Math.max(0, -a));
    const size = out.shape.map((n, i) => n - begin[i] - Math.max(0, -amounts[i][1]));
    out = scope.run('Slice', { x: out }, { begin, size });
  }
  if (amounts.some(([a, b]) => a > 0 || b > 0)) {
    const paddings = amounts.map(([a, b]) => [Math.max(0, a), Math.max(0, b)]);
    out = scope.run('PadV2', { x: out }, { paddings, constantValue: 0 });
  }
  return out;
}
