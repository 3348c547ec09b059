import { util, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { KERAS_ADADELTA, type KerasAdadeltaAttrs } from '../../contract/custom-ops.js';
import { floatBits, pointer, runShared, simdKernels } from '../simd/kernels.js';
import { requireInputs } from './kernel-scope.js';

/**
 * The whole Keras Adadelta update of one variable in a single pass over the
 * wasm heap. The same update as tf ops is 13 kernels, each a full pass with
 * its own output buffer: 6-9 ms per step for the 590k dense weights, against
 * ~1.5 ms here.
 */
const kerasAdadelta: KernelFunc = (args) => {
  const { value, grad, accumGrad, accumDelta } = requireInputs(args.inputs, ['value', 'grad', 'accumGrad', 'accumDelta']);
  const { learningRate, rho, epsilon } = args.attrs as unknown as KerasAdadeltaAttrs;
  const backend = args.backend as BackendWasm;
  const outs: TensorInfo[] = [0, 1, 2].map(() => backend.makeOutput(value.shape, 'float32'));
  const n = util.sizeFromShape(value.shape);
  const simd = simdKernels();
  // SIMD takes whole groups of 4; JavaScript does the rest (and everything without SIMD).
  const done = simd ? n & ~3 : 0;
  if (simd) {
    const [w, g, g2, d2, nw, ng2, nd2] = [value, grad, accumGrad, accumDelta, ...outs].map((t) => pointer(backend, t));
    const floats = [learningRate, rho, epsilon].map(floatBits);
    if (!runShared('adadeltaShared', [w, g, g2, d2, nw, ng2, nd2, done, ...floats], done)) {
      simd.adadelta(w, g, g2, d2, nw, ng2, nd2, done, learningRate, rho, epsilon);
    }
  }
  // Views after allocating: allocation may grow the heap.
  const [w, g, ag, ad] = [value, grad, accumGrad, accumDelta].map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  const [nw, nag, nad] = outs.map((t) => backend.typedArrayFromHeap(t) as Float32Array);
  const keep = 1 - rho;
  for (let i = done; i < n; i++) {
    const gi = g[i];
    const gradSq = rho * ag[i] + keep * gi * gi;
    const step = (Math.sqrt(ad[i] + epsilon) / Math.sqrt(gradSq + epsilon)) * gi;
    nag[i] = gradSq;
    nad[i] = rho * ad[i] + keep * step * step;
    nw[i] = w[i] - learningRate * step;
  }
  return outs;
};

export const kerasAdadeltaConfig = (backendName: string): KernelConfig => ({
  kernelName: KERAS_ADADELTA,
  backendName,
  kernelFunc: kerasAdadelta,
});
