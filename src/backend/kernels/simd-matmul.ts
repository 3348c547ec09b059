import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, type SimdKernels } from '../simd/kernels.js';
import { withKernelScope } from './kernel-scope.js';
import { runCounted } from './run-counted.js';

/** One matrix: every dimension before the last two is 1. */
export const oneMatrix = (t: TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);

/**
 * Below this many multiply-adds the product stays with XNNPACK: waking a
 * helper and the per-call setup are not worth it.
 */
const SIMD_MIN_MACS = 1 << 20;

/** A product's sizes: C [m, n] = op(a) op(b), the shared dimension k. */
interface Product {
  m: number;
  n: number;
  k: number;
}

export function productOf(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Product {
  const [a0, a1] = a.shape.slice(-2);
  const [b0, b1] = b.shape.slice(-2);
  return { m: transposeA ? a1 : a0, k: transposeA ? a0 : a1, n: transposeB ? b0 : b1 };
}

/**
 * Whether the SIMD matmul takes this product: rows in blocks of 4, columns
 * in groups of 16, the shared dimension in vectors of 4, and enough of it.
 */
export const simdMatMulTakes = ({ m, n, k }: Product): boolean => m % 4 === 0 && n % 16 === 0 && k % 4 === 0 && m * n * k >= SIMD_MIN_MACS;

/**
 * op(a) op(b) by edgetune's SIMD matmul on every thread of the pool. Both
 * operands are packed first into blocks its inner loop reads in order (the
 * transposes happen there), so its speed does not depend on their layout:
 * reading a transposed operand in place, with strides of 18 KB, took 5 ms
 * in some runs and 12 ms in others for the same product. A chunk of rows
 * of A (up to 256 KB) stays in cache while the columns of B go by.
 */
export function simdMatMul(
  backend: BackendWasm,
  backendName: string,
  simd: SimdKernels,
  { a, b, transposeA, transposeB, bias, relu }: { a: TensorInfo; b: TensorInfo; transposeA: boolean; transposeB: boolean; bias?: TensorInfo; relu: boolean },
): TensorInfo {
  const { m, n, k } = productOf(a, b, transposeA, transposeB);
  return withKernelScope(backend, backendName, (s) => {
    const [ap, bp] = [s.make([m * k]), s.make([k * n])].map((t) => pointer(backend, t));
    const [aRow, aCol] = transposeA ? [1, m] : [k, 1];
    runCounted(s, backend, simd, 'matmulPack', [pointer(backend, a), pointer(backend, b), ap, bp, m, n, k, aRow, aCol, transposeB ? k : n, transposeB ? 1 : 0]);
    const c = backend.makeOutput([...a.shape.slice(0, -2), m, n], 'float32');
    const rowsPer = Math.max(4, Math.min(m, (65536 / k) & ~3));
    runCounted(s, backend, simd, 'matmul', [ap, bp, pointer(backend, c), m, n, k, bias ? pointer(backend, bias) : 0, relu ? 1 : 0, rowsPer]);
    return c;
  });
}

/** Whether a product of these operands can go to the SIMD matmul: one matrix each (a batch of 1), float32, a size it takes. */
export function simdTakes(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  return a.shape.length === b.shape.length && oneMatrix(a) && oneMatrix(b) && a.dtype === 'float32' && b.dtype === 'float32' && simdMatMulTakes(productOf(a, b, transposeA, transposeB));
}
