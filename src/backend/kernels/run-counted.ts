import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, runShared, type ParallelKernel, type SimdKernels } from '../simd/kernels.js';
import type { KernelScope } from './kernel-scope.js';

/**
 * Runs a kernel that takes its work from a counter (its last argument): on
 * every thread of the pool when there are `values` enough to share (see
 * runShared), else alone with a counter of its own.
 */
export function runCounted(s: KernelScope, backend: BackendWasm, simd: SimdKernels, kernel: ParallelKernel, args: number[], values = Infinity): void {
  if (runShared(kernel, args, values)) return;
  const counter = s.make([1], 'int32');
  (backend.typedArrayFromHeap(counter) as Int32Array)[0] = 0;
  (simd[kernel] as (...a: number[]) => void)(...args, pointer(backend, counter));
}
