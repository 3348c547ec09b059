import { util, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { DROPOUT_MASK, type DropoutMaskAttrs } from '../../contract/custom-ops.js';
import { dropoutLevels, fillDropoutMask } from '../../contract/dropout-mask.js';
import { floatBits, pointer, runShared, simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';

/** The dropout mask written straight into the wasm heap, four values at a time with SIMD. */
const dropoutMask: KernelFunc = ({ backend, attrs }) => {
  const { shape, rate, seed } = attrs as unknown as DropoutMaskAttrs;
  const wasm = backend as BackendWasm;
  const [out] = heapOutputs(wasm, [shape]);
  const n = util.sizeFromShape(shape);
  const simd = simdKernels();
  // SIMD takes whole groups of 4; JavaScript does the rest (and everything without SIMD).
  const done = simd ? n & ~3 : 0;
  if (simd) {
    const at = pointer(wasm, out);
    const { threshold, keep } = dropoutLevels(rate);
    if (!runShared('dropoutMaskShared', [at, done, seed, threshold, floatBits(keep)], done)) simd.dropoutMask(at, done, seed, threshold, keep);
  }
  fillDropoutMask(f32(wasm, out), done, seed, rate);
  return out;
};

export const dropoutMaskConfig = (backendName: string): KernelConfig => ({
  kernelName: DROPOUT_MASK,
  backendName,
  kernelFunc: dropoutMask,
});
