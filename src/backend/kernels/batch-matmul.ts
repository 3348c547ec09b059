import { BatchMatMul, type BatchMatMulAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../simd/kernels.js';
import { requireInputs, withKernelScope } from './kernel-scope.js';
import { oneMatrix, simdMatMul, simdTakes } from './simd-matmul.js';

const swapLastTwo = (rank: number) => [...Array(rank - 2).keys(), rank - 1, rank - 2];

/**
 * Single products (batch 1) of float32 matrices go to edgetune's SIMD
 * matmul where it takes them; the rest as before: the wasm BatchMatMul sends
 * any transposed operand to a scalar triple loop, only the plain form
 * reaches XNNPACK, so a transposed operand is transposed first with the
 * backend's Transpose kernel (4-10x faster for the Dense gradients).
 */
export function batchMatMul(backendName: string, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = requireInputs(args.inputs, ['a', 'b']);
    const { transposeA, transposeB } = args.attrs as unknown as BatchMatMulAttrs;
    const simd = simdKernels();
    if (simd && simdTakes(a, b, transposeA, transposeB)) {
      return simdMatMul(args.backend as BackendWasm, backendName, simd, { a, b, transposeA, transposeB, relu: false });
    }
    if ((!transposeA && !transposeB) || !oneMatrix(a) || !oneMatrix(b)) return stock(args);
    const [m, k] = a.shape.slice(-2);
    const n = b.shape[b.shape.length - 2];
    return withKernelScope(args.backend, backendName, (s) => {
      // a·bᵀ = (b·aᵀ)ᵀ. XNNPACK packs the right operand on every call, so when
      // b is the large one (dx = dy·Wᵀ of a wide Dense layer) moving aᵀ there
      // costs less than transposing and packing b (-1.8 ms for 128x4608).
      if (transposeB && !transposeA && 2 * m * k + m * n < 2 * n * k) {
        const aT = s.run('Transpose', { x: a }, { perm: swapLastTwo(a.shape.length) });
        const product = s.run(BatchMatMul, { a: b, b: aT }, { transposeA: false, transposeB: false });
        return s.run('Transpose', { x: product }, { perm: swapLastTwo(product.shape.length) });
      }
      const left = transposeA ? s.run('Transpose', { x: a }, { perm: swapLastTwo(a.shape.length) }) : a;
      const right = transposeB ? s.run('Transpose', { x: b }, { perm: swapLastTwo(b.shape.length) }) : b;
      return s.run(BatchMatMul, { a: left, b: right }, { transposeA: false, transposeB: false });
    });
  };
}

export const batchMatMulConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: BatchMatMul,
  backendName,
  kernelFunc: batchMatMul(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
