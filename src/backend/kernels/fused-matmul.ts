import { _FusedMatMul, type _FusedMatMulAttrs, type KernelConfig, type KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { simdKernels } from '../simd/kernels.js';
import { productOf, simdMatMul, simdTakes } from './simd-matmul.js';

/**
 * The Dense layer with its bias and ReLU (or none), as inference runs it:
 * on the SIMD matmul where it takes the product, bias and ReLU applied in
 * its registers; everything else on the stock kernel.
 */
export function fusedMatMul(backendName: string, stock: KernelFunc): KernelFunc {
  return (args) => {
    const { a, b, bias, preluActivationWeights } = args.inputs;
    const { transposeA, transposeB, activation } = args.attrs as unknown as _FusedMatMulAttrs;
    const simd = simdKernels();
    const plainBias = bias == null || (bias.shape.length === 1 && bias.dtype === 'float32');
    if (!simd || !a || !b || preluActivationWeights || !plainBias || (activation !== 'linear' && activation !== 'relu') || !simdTakes(a, b, transposeA, transposeB)) {
      return stock(args);
    }
    if (bias && bias.shape[0] !== productOf(a, b, transposeA, transposeB).n) return stock(args);
    return simdMatMul(args.backend as BackendWasm, backendName, simd, { a, b, transposeA, transposeB, bias, relu: activation === 'relu' });
  };
}

export const fusedMatMulConfig = (backendName: string, stock: KernelConfig): KernelConfig => ({
  kernelName: _FusedMatMul,
  backendName,
  kernelFunc: fusedMatMul(backendName, stock.kernelFunc),
  setupFunc: stock.setupFunc,
});
