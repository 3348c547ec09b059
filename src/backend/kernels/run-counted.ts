import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, runShared, simdPool, type ParallelKernel, type SimdKernels } from '../simd/kernels.js';
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

/**
 * Runs a kernel whose last three arguments are its scratch (slotBytes per
 * thread), the counter of slots taken and the counter of work taken: on
 * every thread of the pool when there are `values` enough to share, or
 * alone. Returns the scratch's address and how many slots (threads) were
 * used, for the caller to combine what each left in its slot.
 */
export function runChunked(
  s: KernelScope,
  backend: BackendWasm,
  simd: SimdKernels,
  kernel: 'winogradConv' | 'winogradInputGradient' | 'winogradFilterGradient' | 'winogradConvGradients' | 'sumRows' | 'reluFilterGrad1x3',
  args: number[],
  slotBytes: number,
  values = Infinity,
): { scratch: number; slots: number } {
  const scratch = pointer(backend, s.make([((simdPool()?.size ?? 1) * slotBytes) / 4]));
  const counters = s.make([2], 'int32');
  (backend.typedArrayFromHeap(counters) as Int32Array).fill(0);
  const slots = pointer(backend, counters);
  if (!runShared(kernel, [...args, scratch, slots], values)) (simd[kernel] as (...a: number[]) => void)(...args, scratch, slots, slots + 4);
  return { scratch, slots: (backend.typedArrayFromHeap(counters) as Int32Array)[0] };
}
