import { Multiply, util, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, runShared, sharesWork, simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { requireInputs } from './kernel-scope.js';

/**
 * A product of two float32 tensors of the same shape (dropout, forward and
 * backward) shared with the helper threads when it is big enough; XNNPACK,
 * which the stock kernel calls, keeps to one thread beside them. Everything
 * else goes to the stock kernel.
 */
export function multiply(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b } = requireInputs(args.inputs, ['a', 'b']);
    const sameShape = a.shape.length === b.shape.length && a.shape.every((d, i) => d === b.shape[i]);
    const n = util.sizeFromShape(a.shape);
    // SIMD takes whole groups of 4; JavaScript does the rest.
    const done = n & ~3;
    if (!simdKernels() || !sameShape || a.dtype !== 'float32' || b.dtype !== 'float32' || !sharesWork(done)) return stock(args);
    const backend = args.backend as BackendWasm;
    const [out] = heapOutputs(backend, [a.shape]);
    runShared('multiplyShared', [pointer(backend, a), pointer(backend, b), pointer(backend, out), done], done);
    const [x, y, z] = [a, b, out].map((t) => f32(backend, t));
    for (let i = done; i < n; i++) z[i] = x[i] * y[i];
    return out;
  };
}

export const multiplyConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: Multiply,
  backendName,
  kernelFunc: multiply(stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
