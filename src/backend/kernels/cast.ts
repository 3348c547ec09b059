import { Cast, type CastAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import { identity } from './identity.js';
import { requireInputs } from './kernel-scope.js';

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
