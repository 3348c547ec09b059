import { Identity, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInputs } from './kernel-scope.js';

/**
 * Identity as a second reference to the input's buffer, as the cpu backend
 * does, instead of upstream wasm's copy. The engine runs Identity on every
 * tensor it saves for the backward pass, so the copy cost a training step of
 * the CNN six full passes over its largest activations (~4 ms at 2 threads).
 * Sharing is safe because no wasm kernel writes into its inputs.
 */
export const identity: KernelFunc = ({ inputs, backend }) => {
  const { x } = requireInputs(inputs, ['x']);
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

export const identityConfig = (backendName: string): KernelConfig => ({
  kernelName: Identity,
  backendName,
  kernelFunc: identity,
});
