import { Sum, util, type KernelConfig, type KernelFunc, type SumAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { requireInputs, withKernelScope } from './kernel-scope.js';
import { runChunked } from './run-counted.js';

/**
 * Sum over all leading axes, keeping the last (a bias gradient: dy summed
 * over batch and positions). The stock kernel transposes the reduced axes
 * to the end first; this is one pass, accumulating rows, shared with the
 * helper threads in chunks of 1024 rows when there are enough. Other sums
 * go to the stock kernel.
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
    const simd = simdKernels();
    if (simd && C % 4 === 0) {
      const rows = util.sizeFromShape(x.shape) / C;
      return withKernelScope(backend, backendName, (s) => {
        // Each thread's slot: C float32 block sums, then C float64 totals, added here.
        const { scratch, slots } = runChunked(s, backend, simd, 'sumRows', [pointer(backend, x), rows, C], 12 * C, rows * C);
        const total = new Float64Array(C);
        for (let i = 0; i < slots; i++) {
          const slot = new Float64Array(f32(backend, x).buffer, scratch + i * 12 * C + 4 * C, C);
          for (let c = 0; c < C; c++) total[c] += slot[c];
        }
        f32(backend, out).set(total);
        return out;
      });
    }
    const [src, dst] = [x, out].map((t) => f32(backend, t));
    const acc = new Float64Array(C);
    for (let i = 0; i < src.length; i += C) for (let c = 0; c < C; c++) acc[c] += src[i + c];
    dst.set(acc);
    return out;
  };
}

export const sumConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: Sum,
  backendName,
  kernelFunc: sumKernel(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
