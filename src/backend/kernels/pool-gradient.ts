import { backend_util, type KernelFunc, type MaxPoolGradAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, runShared, simdKernels } from '../simd/kernels.js';
import { f32, heapOutputs } from './heap.js';
import { requireInputs } from './kernel-scope.js';
import { tiles2x2 } from './pool-geometry.js';

/**
 * MaxPool's gradient: each output's gradient goes to the first maximum of
 * its window (as tfjs's cpu backend and TensorFlow do), accumulated where
 * windows overlap. One JavaScript pass over the heap; the stock wasm kernel
 * took 40 ms per training step for the model's 2x2 pool. With `relu` the
 * pool's input is a ReLU's output and the gradient also goes back through
 * that ReLU (to inputs > 0 only), in the same pass.
 */
export const poolGradient = (relu: boolean): KernelFunc => (args) => {
  const { dy, input } = requireInputs(args.inputs, ['dy', 'input']);
  const backend = args.backend as BackendWasm;
  const a = args.attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const [out] = heapOutputs(backend, [input.shape]);
  const [x, g, dx] = [input, dy, out].map((t) => f32(backend, t));
  if (tiles2x2(info)) {
    const simd = simdKernels();
    if (simd && C % 4 === 0) {
      const args = [pointer(backend, input), pointer(backend, dy), pointer(backend, out), batchSize * OH, OW, C, relu ? 1 : 0] as const;
      if (!runShared('maxPoolGrad2x2Shared', [...args], batchSize * H * W * C)) simd.maxPoolGrad2x2(...args);
    } else tiled2x2(x, g, dx, batchSize, OH, OW, C, relu);
    return out;
  }
  dx.fill(0);
  const best = new Float32Array(C);
  const where = new Int32Array(C);
  for (let b = 0; b < batchSize; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        best.fill(-Infinity);
        where.fill(-1);
        for (let kh = 0; kh < fh; kh++) {
          const ih = oh * sh - top + kh;
          if (ih < 0 || ih >= H) continue;
          for (let kw = 0; kw < fw; kw++) {
            const iw = ow * sw - left + kw;
            if (iw < 0 || iw >= W) continue;
            const base = ((b * H + ih) * W + iw) * C;
            for (let c = 0; c < C; c++) {
              const v = x[base + c];
              if (v > best[c]) {
                best[c] = v;
                where[c] = base + c;
              }
            }
          }
        }
        const gBase = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) if (where[c] >= 0) dx[where[c]] += g[gBase + c];
      }
    }
  }
  if (relu) for (let i = 0; i < dx.length; i++) if (!(x[i] > 0)) dx[i] = 0;
  return out;
};

/**
 * The common 2x2, stride 2 pool whose windows tile the input: every input
 * belongs to exactly one window, so each is written once (the gradient at
 * the window's first maximum, 0 elsewhere), with no zero fill or scatter.
 */
function tiled2x2(x: Float32Array, g: Float32Array, dx: Float32Array, B: number, OH: number, OW: number, C: number, relu: boolean): void {
  const row = 2 * OW * C;
  for (let b = 0; b < B; b++) {
    for (let oh = 0; oh < OH; oh++) {
      for (let ow = 0; ow < OW; ow++) {
        const p0 = ((b * 2 * OH + 2 * oh) * 2 * OW + 2 * ow) * C;
        const p1 = p0 + C;
        const p2 = p0 + row;
        const p3 = p2 + C;
        const q = ((b * OH + oh) * OW + ow) * C;
        for (let c = 0; c < C; c++) {
          const v0 = x[p0 + c];
          const v1 = x[p1 + c];
          const v2 = x[p2 + c];
          const v3 = x[p3 + c];
          // First maximum in scan order wins ties, as on cpu.
          let at = 0;
          let best = v0;
          if (v1 > best) {
            best = v1;
            at = 1;
          }
          if (v2 > best) {
            best = v2;
            at = 2;
          }
          if (v3 > best) {
            best = v3;
            at = 3;
          }
          const d = relu && !(best > 0) ? 0 : g[q + c];
          dx[p0 + c] = at === 0 ? d : 0;
          dx[p1 + c] = at === 1 ? d : 0;
          dx[p2 + c] = at === 2 ? d : 0;
          dx[p3 + c] = at === 3 ? d : 0;
        }
      }
    }
  }
}
