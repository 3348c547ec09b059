import { backend_util, MaxPoolGrad, type KernelConfig, type KernelFunc, type MaxPoolGradAttrs } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { f32, heapOutputs } from './heap.js';
import { requireInputs } from './kernel-scope.js';

/**
 * MaxPool's gradient: each output's gradient goes to the first maximum of
 * its window (as tfjs's cpu backend and TensorFlow do), accumulated where
 * windows overlap. One JavaScript pass over the heap; the stock wasm kernel
 * took 40 ms per training step for the model's 2x2 pool.
 */
const maxPoolGrad: KernelFunc = (args) => {
  const { dy, input } = requireInputs(args.inputs, ['dy', 'input']);
  const backend = args.backend as BackendWasm;
  const a = args.attrs as unknown as MaxPoolGradAttrs;
  const info = backend_util.computePool2DInfo(input.shape as [number, number, number, number], a.filterSize, a.strides, 1, a.pad, a.dimRoundingMode);
  const { batchSize, inHeight: H, inWidth: W, inChannels: C, outHeight: OH, outWidth: OW, strideHeight: sh, strideWidth: sw, filterHeight: fh, filterWidth: fw } = info;
  const top = info.padInfo.top;
  const left = info.padInfo.left;
  const [out] = heapOutputs(backend, [input.shape]);
  const [x, g, dx] = [input, dy, out].map((t) => f32(backend, t));
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
  return out;
};

export const maxPoolGradConfig = (backendName: string): KernelConfig => ({ kernelName: MaxPoolGrad, backendName, kernelFunc: maxPoolGrad });
