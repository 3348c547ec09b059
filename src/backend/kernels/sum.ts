import { Sum, util, type KernelConfig, type KernelFunc, type SumAttrs, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, simdKernels, type SimdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { requireInputs, withKernelScope, type KernelScope } from './kernel-scope.js';
import { runChunked } from './run-counted.js';

/** What sumRows sums: x's rows of C values, where `mask` (same shape) is positive if given, also written to `out` if given. */
export interface RowSum {
  x: TensorInfo;
  C: number;
  mask?: TensorInfo;
  out?: TensorInfo;
}

/**
 * The per-channel totals of a RowSum by the SIMD kernel (C a multiple of 4),
 * shared with the helper threads in chunks of 1024 rows when there are
 * enough; float64, added from each thread's slot.
 */
function simdRowSum(backend: BackendWasm, s: KernelScope, simd: SimdKernels, { x, C, mask, out }: RowSum): Float64Array {
  const rows = util.sizeFromShape(x.shape) / C;
  const at = (t: TensorInfo | undefined) => (t ? pointer(backend, t) : 0);
  // Each thread's slot: C float32 block sums, then C float64 totals.
  const { scratch, slots } = runChunked(s, backend, simd, 'sumRows', [pointer(backend, x), at(mask), at(out), rows, C], 12 * C, rows * C);
  const total = new Float64Array(C);
  for (let i = 0; i < slots; i++) {
    const slot = new Float64Array(f32(backend, x).buffer, scratch + i * 12 * C + 4 * C, C);
    for (let c = 0; c < C; c++) total[c] += slot[c];
  }
  return total;
}

/** The same totals in JavaScript, for any C or without the SIMD kernels. */
function jsRowSum(backend: BackendWasm, { x, C, mask, out }: RowSum): Float64Array {
  const src = f32(backend, x);
  const keep = mask ? f32(backend, mask) : undefined;
  const dst = out ? f32(backend, out) : undefined;
  const total = new Float64Array(C);
  for (let row = 0; row < src.length; row += C) {
    for (let c = 0; c < C; c++) {
      const v = keep && !(keep[row + c] > 0) ? 0 : src[row + c];
      if (dst) dst[row + c] = v;
      total[c] += v;
    }
  }
  return total;
}

/** A RowSum's totals into `result` [C]: by the SIMD kernel where it applies. */
export function rowSumInto(backend: BackendWasm, backendName: string, sum: RowSum, result: TensorInfo): TensorInfo {
  const simd = simdKernels();
  if (!simd || sum.C % 4 !== 0) {
    f32(backend, result).set(jsRowSum(backend, sum));
    return result;
  }
  return withKernelScope(backend, backendName, (s) => {
    f32(backend, result).set(simdRowSum(backend, s, simd, sum));
    return result;
  });
}

/**
 * Sum over all leading axes, keeping the last (a bias gradient: dy summed
 * over batch and positions). The stock kernel transposes the reduced axes
 * to the end first; this is one pass, accumulating rows. Other sums go to
 * the stock kernel.
 */
export function sumKernel(backendName: string, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = requireInputs(args.inputs, ['x']);
    const { axis, keepDims } = args.attrs as unknown as SumAttrs;
    const rank = x.shape.length;
    const axes = util.parseAxisParam(axis, x.shape).sort((p, q) => p - q);
    const leading = rank >= 2 && axes.length === rank - 1 && axes.every((a, i) => a === i);
    if (!leading || x.dtype !== 'float32') return stock(args);
    const backend = args.backend as BackendWasm;
    const C = x.shape[rank - 1];
    const [out] = heapOutputs(backend, [keepDims ? [...x.shape.slice(0, -1).map(() => 1), C] : [C]]);
    return rowSumInto(backend, backendName, { x, C }, out);
  };
}

export const sumConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: Sum,
  backendName,
  kernelFunc: sumKernel(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
