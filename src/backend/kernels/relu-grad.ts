import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { RELU_BIAS_GRAD, type ReluBiasGradAttrs } from '../../contract/custom-ops.js';
import { heapOutputs } from './heap.js';
import { requireInputs } from './kernel-scope.js';
import { rowSumInto } from './sum.js';

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
