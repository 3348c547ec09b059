import {
  _FusedMatMul,
  BatchMatMul,
  type BatchMatMulAttrs,
  type _FusedMatMulAttrs,
  type KernelConfig,
  type KernelFunc,
  type TensorInfo,
} from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, simdKernels, type SimdKernels } from '../simd/kernels.js';
import { requireInputs, withKernelScope } from './kernel-scope.js';
import { runCounted } from './run-counted.js';

const swapLastTwo = (rank: number) => [...Array(rank - 2).keys(), rank - 1, rank - 2];

/** One matrix: every dimension before the last two is 1. */
const oneMatrix = (t: TensorInfo) => t.shape.slice(0, -2).every((d) => d === 1);

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

function productOf(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): Product {
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
function simdMatMul(
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
function simdTakes(a: TensorInfo, b: TensorInfo, transposeA: boolean, transposeB: boolean): boolean {
  return a.shape.length === b.shape.length && oneMatrix(a) && oneMatrix(b) && a.dtype === 'float32' && b.dtype === 'float32' && simdMatMulTakes(productOf(a, b, transposeA, transposeB));
}

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

/**
 * The Dense layer with its bias and ReLU (or none), as inference runs it:
 * on the SIMD matmul where it takes the product, bias and ReLU applied in
 * its registers; everything else on the stock kernel.
 */
export function fusedMatMul(backendName: string, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const { transposeA, transposeB, activation } = args.attrs as unknown as _FusedMatMulAttrs;
    const simd = simdKernels();
    const plainBias = bias == null || (bias.shape.length === 1 && bias.dtype === 'float32');
    if (!simd || !a || !b || preluActivationWeights || !plainBias || (activation !== 'linear' && activation !== 'relu') || !simdTakes(a, b, transposeA, transposeB)) {
      return stock(args);
    }
    if (bias && bias.shape[0] !== productOf(a, b, transposeA, transposeB).n) return stock(args);
    return simdMatMul(args.backend as BackendWasm, backendName, simd, { a, b, transposeA, transposeB, bias, relu: activation === 'relu' });
  };
}

export const fusedMatMulConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: _FusedMatMul,
  backendName,
  kernelFunc: fusedMatMul(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});

export const batchMatMulConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: BatchMatMul,
  backendName,
  kernelFunc: batchMatMul(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
