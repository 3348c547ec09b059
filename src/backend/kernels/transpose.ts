import { Transpose, type KernelConfig, type KernelFunc, type TensorInfo, type TransposeAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import type { SimdKernels } from '../simd/kernels.js';
import { pointer, simdKernels } from '../simd/kernels.js';
import { requireInputs } from './kernel-scope.js';

type Heap = Float32Array | Int32Array | Uint8Array;

/** Drops size-1 axes and merges axes that stay adjacent and in order under `perm`. */
export function simplify(shape: number[], perm: number[]): { shape: number[]; perm: number[] } {
  const unit = (a: number) => shape[a] === 1;
  // Renumber the axes left after dropping unit ones, so neighbours become adjacent.
  const rank = shape.map((_, a) => shape.slice(0, a).filter((n) => n !== 1).length);
  const sizes = shape.filter((n) => n !== 1);
  const kept = perm.filter((a) => !unit(a)).map((a) => rank[a]);
  const groups: number[][] = [];
  for (const axis of kept) {
    const last = groups[groups.length - 1];
    if (last && axis === last[last.length - 1] + 1) last.push(axis);
    else groups.push([axis]);
  }
  // Groups in input order give the merged input shape; their order in perm the merged perm.
  const byInput = [...groups].sort((a, b) => a[0] - b[0]);
  return {
    shape: byInput.map((g) => g.reduce((n, a) => n * sizes[a], 1)),
    perm: groups.map((g) => byInput.indexOf(g)),
  };
}

/** 2-D transpose in cache-sized tiles. */
function transpose2d(src: Heap, dst: Heap, rows: number, cols: number): void {
  const T = 32;
  for (let i0 = 0; i0 < rows; i0 += T) {
    const i1 = Math.min(i0 + T, rows);
    for (let j0 = 0; j0 < cols; j0 += T) {
      const j1 = Math.min(j0 + T, cols);
      for (let i = i0; i < i1; i++) {
        const row = i * cols;
        for (let j = j0; j < j1; j++) dst[j * rows + i] = src[row + j];
      }
    }
  }
}

/** N-D transpose reading the input in order (contiguous) and writing through the output strides. */
function transposeNd(src: Heap, dst: Heap, shape: number[], perm: number[]): void {
  const rank = shape.length;
  const outShape = perm.map((a) => shape[a]);
  const outStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) outStrides[i] = outStrides[i + 1] * outShape[i + 1];
  // Output stride of each input axis.
  const stride = new Array<number>(rank);
  perm.forEach((axis, i) => (stride[axis] = outStrides[i]));
  const inner = shape[rank - 1];
  const innerStride = stride[rank - 1];
  const index = new Array<number>(rank - 1).fill(0);
  let base = 0;
  for (let s = 0; s < src.length; s += inner) {
    for (let k = 0, d = base; k < inner; k++, d += innerStride) dst[d] = src[s + k];
    for (let axis = rank - 2; axis >= 0; axis--) {
      base += stride[axis];
      if (++index[axis] < shape[axis]) break;
      base -= stride[axis] * shape[axis];
      index[axis] = 0;
    }
  }
}

/**
 * The layouts training transposes, in SIMD (4-byte elements): 2-D, [a,b,c]
 * to [c,b,a] (the conv filter gradient's input) and [a,b,c] to [b,a,c]
 * (its output gradient). False when the layout is another one.
 */
function simdTranspose(simd: SimdKernels, src: number, dst: number, { shape, perm }: { shape: number[]; perm: number[] }): boolean {
  const key = perm.join();
  if (key === '1,0') {
    simd.transpose2d(src, dst, shape[0], shape[1], shape[1], shape[0]);
  } else if (key === '2,1,0') {
    const [a, b, c] = shape;
    for (let s = 0; s < b; s++) simd.transpose2d(src + s * c * 4, dst + s * a * 4, a, c, b * c, b * a);
  } else if (key === '1,0,2') {
    simd.swapOuter(src, dst, shape[0], shape[1], shape[2]);
  } else {
    return false;
  }
  return true;
}

/**
 * Transpose on the wasm heap in JavaScript (SIMD for the common layouts): upstream's C++ kernel walks
 * every element with index arithmetic and is 7-11x slower than this for
 * the layouts training uses (the conv and dense gradients transpose
 * several MB per step).
 */
export function transposeKernel(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = requireInputs(args.inputs, ['x']);
    const backend = args.backend as BackendWasm;
    const { perm } = args.attrs as unknown as TransposeAttrs;
    const simple = simplify(x.shape, perm);
    if (simple.perm.every((a, i) => a === i) || x.dtype === 'string' || x.dtype === 'complex64') return stock(args);
    const out: TensorInfo = backend.makeOutput(
      perm.map((a) => x.shape[a]),
      x.dtype,
    );
    const simd = simdKernels();
    if (simd && x.dtype !== 'bool' && simdTranspose(simd, pointer(backend, x), pointer(backend, out), simple)) return out;
    // Views are taken after makeOutput: allocating may grow (and move) the heap.
    const src = backend.typedArrayFromHeap(x) as Heap;
    const dst = backend.typedArrayFromHeap(out) as Heap;
    if (simple.shape.length === 2) transpose2d(src, dst, simple.shape[0], simple.shape[1]);
    else transposeNd(src, dst, simple.shape, simple.perm);
    return out;
  };
}

export const transposeConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: Transpose,
  backendName,
  kernelFunc: transposeKernel(stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
