import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { RELU_BIAS_GRAD, RELU_GRAD, type ReluBiasGradAttrs } from '../../contract/custom-ops.js';
import { pointer, runShared, simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { requireInputs } from './kernel-scope.js';
import { rowSumInto } from './sum.js';

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

/**
 * The bias gradient under a ReLU, summed as the masked gradient is made
 * (and written, with keepGrad): the separate Sum read the conv's whole
 * gradient back, 0.4-0.5 ms a step on either thread count.
 */
const reluBiasGrad =
  (backendName: string): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const { dy, y } = requireInputs(inputs, ['dy', 'y']);
    const { keepGrad } = attrs as unknown as ReluBiasGradAttrs;
    const wasm = backend as BackendWasm;
    const C = dy.shape[dy.shape.length - 1];
    const [db, dz] = heapOutputs(wasm, keepGrad ? [[C], dy.shape] : [[C]]) as [TensorInfo, TensorInfo | undefined];
    rowSumInto(wasm, backendName, { x: dy, C, mask: y, out: dz }, db);
    return dz ? [db, dz] : [db];
  };

export const reluBiasGradConfig = (backendName: string): KernelConfig => ({
  kernelName: RELU_BIAS_GRAD,
  backendName,
  kernelFunc: reluBiasGrad(backendName),
});
