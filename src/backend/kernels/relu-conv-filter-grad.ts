import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { RELU_BIAS_GRAD, RELU_CONV_FILTER_GRAD, type ReluConvFilterGradAttrs } from '../../contract/custom-ops.js';
import { pointer, simdKernels } from '../simd/kernels.js';
import { forwardConvInfo, stride1Nhwc } from './conv-geometry.js';
import { f32 } from './heap.js';
import { KernelScope, requireInputs } from './kernel-scope.js';
import { runChunked } from './run-counted.js';

type Shape4 = [number, number, number, number];

/**
 * One SIMD pass where the conv has one input channel, a 3-wide filter, stride
 * 1 and no padding (conv 1 of the CNN; see reluFilterGrad1x3); elsewhere the
 * ReLU's gradient, then Conv2DBackpropFilter on it.
 */
const reluConvFilterGrad =
  (backendName: string): KernelFunc =>
  ({ inputs, backend, attrs }) => {
    const { x, dy, y } = requireInputs(inputs, ['x', 'dy', 'y']);
    const a = attrs as unknown as ReluConvFilterGradAttrs;
    const wasm = backend as BackendWasm;
    const info = forwardConvInfo(x.shape as Shape4, a.filterShape, { ...a, dataFormat: 'NHWC' });
    const { inChannels: C, filterHeight: KH, filterWidth: KW, outChannels: CO, outHeight: OH, outWidth: OW, batchSize } = info;
    const valid = info.padInfo.top + info.padInfo.bottom + info.padInfo.left + info.padInfo.right === 0;
    const simd = simdKernels();
    const s = new KernelScope(wasm, backendName);
    try {
      if (simd && stride1Nhwc(info) && valid && C === 1 && KW === 3 && CO % 8 === 0) {
        const [dw, db] = [s.make(a.filterShape), s.make([CO])];
        const rows = batchSize * OH;
        const slotBytes = 4 * CO * (2 + 3 * KH + 1 + 64 * OW);
        const { scratch, slots } = runChunked(s, wasm, simd, 'reluFilterGrad1x3', [pointer(wasm, x), pointer(wasm, dy), pointer(wasm, y), info.inHeight, info.inWidth, KH, CO, rows], slotBytes, rows * OW * CO);
        const [w, b] = [f32(wasm, dw), f32(wasm, db)];
        w.fill(0);
        b.fill(0);
        for (let i = 0; i < slots; i++) {
          const slot = scratch + i * slotBytes;
          const sums = new Float64Array(w.buffer, slot, CO);
          const part = new Float32Array(w.buffer, slot + 8 * CO, w.length);
          for (let c = 0; c < CO; c++) b[c] += sums[c];
          for (let j = 0; j < w.length; j++) w[j] += part[j];
        }
        return [s.keep(dw), s.keep(db)];
      }
      const [db, dz] = s.runAll(RELU_BIAS_GRAD, { dy, y }, { keepGrad: true });
      const dw = s.run('Conv2DBackpropFilter', { x, dy: dz }, { strides: a.strides, pad: a.pad, dataFormat: 'NHWC', filterShape: a.filterShape });
      return [s.keep(dw), s.keep(db)];
    } finally {
      s.dispose();
    }
  };

export const reluConvFilterGradConfig = (backendName: string): KernelConfig => ({
  kernelName: RELU_CONV_FILTER_GRAD,
  backendName,
  kernelFunc: reluConvFilterGrad(backendName),
});
