import { Cast, Identity, type CastAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { requireInputs } from './kernel-scope.js';

/**
 * Identity as a second reference to the input's buffer, as the cpu backend
 * does, instead of upstream wasm's copy. The engine runs Identity on every
 * tensor it saves for the backward pass, so the copy cost a training step of
 * the CNN six full passes over its largest activations (~4 ms at 2 threads).
 * Sharing is safe because no wasm kernel writes into its inputs.
 */
const identity: KernelFunc = ({ inputs, backend }) => {
  const { x } = requireInputs(inputs, ['x']);
  (backend as BackendWasm).incRef(x.dataId);
  return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
};

export const identityConfig = (backendName: string): KernelConfig => ({
  kernelName: Identity,
  backendName,
  kernelFunc: identity,
});

/**
 * A cast to the dtype the tensor already has is an Identity too (tfjs's
 * Multiply gradient casts the other operand to float32 every step: a copy
 * of each dropout mask upstream); other casts go to the stock kernel.
 */
export function cast(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = requireInputs(args.inputs, ['x']);
    return (args.attrs as unknown as CastAttrs).dtype === x.dtype ? identity(args) : stock(args);
  };
}

export const castConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: Cast,
  backendName,
  kernelFunc: cast(stock.kernelFunc),
});
