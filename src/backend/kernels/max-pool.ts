import { backend_util, MaxPool, type KernelConfig, type KernelFunc, type MaxPoolAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, simdKernels } from '../simd/kernels.js';
import { requireInputs, withKernelScope } from './kernel-scope.js';
import { tiles2x2 } from './pool-geometry.js';
import { runCounted } from './run-counted.js';

/**
 * MaxPool 2x2, stride 2, over windows that tile the input (the CNN's pool)
 * in one SIMD pass on the pool's threads; every other pool goes to the
 * stock kernel.
 */
export function maxPool(backendName: string, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { x } = requireInputs(args.inputs, ['x']);
    const a = args.attrs as unknown as MaxPoolAttrs;
    const simd = simdKernels();
    if (!simd || x.dtype !== 'float32' || x.shape.length !== 4) return stock(args);
    const info = backend_util.computePool2DInfo(x.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
    const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW } = info;
    if (!tiles2x2(info) || C % 4 !== 0) return stock(args);
    const backend = args.backend as BackendWasm;
    return withKernelScope(backend, backendName, (s) => {
      const y = backend.makeOutput([batchSize, OH, OW, C], 'float32');
      runCounted(s, backend, simd, 'maxPool2x2', [pointer(backend, x), pointer(backend, y), batchSize * OH, OW, C], batchSize * H * W * C);
      return y;
    });
  };
}

export const maxPoolConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: MaxPool,
  backendName,
  kernelFunc: maxPool(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
