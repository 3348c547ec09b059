import { util, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { RELU_GRAD } from '../../contract/custom-ops.js';
import { pointer, runShared, simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { requireInputs } from './kernel-scope.js';

/** dy where the ReLU's output y is positive, else 0: one pass over the heap. */
const reluGrad: KernelFunc = ({ inputs, backend }) => {
  const { dy, y } = requireInputs(inputs, ['dy', 'y']);
  const wasm = backend as BackendWasm;
  const [out] = heapOutputs(wasm, [dy.shape]);
  const n = util.sizeFromShape(dy.shape);
  const simd = simdKernels();
  // SIMD takes whole groups of 4; JavaScript does the rest (and everything without SIMD).
  const done = simd ? n & ~3 : 0;
  if (simd) {
    const args = [pointer(wasm, dy), pointer(wasm, y), pointer(wasm, out), done] as const;
    if (!runShared('reluGradShared', [...args], done)) simd.reluGrad(...args);
  }
  const [g, act, dx] = [dy, y, out].map((t) => f32(wasm, t));
  for (let i = done; i < n; i++) dx[i] = act[i] > 0 ? g[i] : 0;
  return out;
};

export const reluGradConfig = (backendName: string): KernelConfig => ({
  kernelName: RELU_GRAD,
  backendName,
  kernelFunc: reluGrad,
});
