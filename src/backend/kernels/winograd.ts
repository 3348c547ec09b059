import { BatchMatMul, type TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, runShared, simdPool, type SimdKernels } from '../simd/kernels.js';
import { withKernelScope, type KernelScope } from './kernel-scope.js';

export interface WinogradConv {
  x: TensorInfo;
  /**
   * The 3x3 filter, [3, 3, C, CO]: a copy, not a view of the heap (the
   * temporaries may grow a non-shared heap, which detaches older views).
   */
  filter: Float32Array;
  outChannels: number;
  /** Added per output channel, or none. */
  bias?: TensorInfo;
  relu: boolean;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

/**
 * Whether winogradConv takes this conv (channels in whole SIMD vectors) and
 * pays: each of its 36 products is a call into XNNPACK (~20 µs apiece with
 * threads), so small batches stay with the direct conv. The CNN's second
 * conv, stock vs Winograd: 0.27 vs 0.96 ms at batch 1 and 7.0 vs 7.5 ms at
 * 32 on two threads, 26 vs 20 ms at 128; on one thread 1.5 vs 1.6 ms at 4,
 * 2.8 vs 2.0 at 8. Tiles are 4x4 outputs: 36 per image there.
 */
export function winogradPays(inChannels: number, outChannels: number, outputs: number): boolean {
  const tiles = outputs / 16;
  return inChannels % 4 === 0 && outChannels % 4 === 0 && tiles >= (simdPool() ? 2048 : 256);
}

/** G of Winograd F(4x4, 3x3): the filter transform U = G g Gᵀ. */
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/** U = G g Gᵀ for each channel pair of g [3, 3, C, CO], into 36 matrices [C, CO] (matrix 6i + j holds U[i][j]). */
function transformFilter(backend: BackendWasm, us: TensorInfo[], g: Float32Array, C: number, CO: number): void {
  const views = us.map((u) => backend.typedArrayFromHeap(u) as Float32Array);
  const n = C * CO;
  const gg = new Float64Array(18);
  for (let o = 0; o < n; o++) {
    // G g: 6 rows of 3
    for (let i = 0; i < 6; i++) {
      const [a, b, c] = G[i];
      for (let j = 0; j < 3; j++) gg[3 * i + j] = a * g[j * n + o] + b * g[(3 + j) * n + o] + c * g[(6 + j) * n + o];
    }
    for (let i = 0; i < 6; i++) {
      for (let j = 0; j < 6; j++) views[6 * i + j][o] = gg[3 * i] * G[j][0] + gg[3 * i + 1] * G[j][1] + gg[3 * i + 2] * G[j][2];
    }
  }
}

/** An int32 tensor holding the heap addresses of `ts`, for kernels that take 36 matrices. */
function addressTable(s: KernelScope, backend: BackendWasm, ts: TensorInfo[]): number {
  const table = s.make([ts.length], 'int32');
  (backend.typedArrayFromHeap(table) as Int32Array).set(ts.map((t) => pointer(backend, t)));
  return pointer(backend, table);
}

/**
 * A 3x3, stride-1 convolution (NHWC) by Winograd F(4x4, 3x3): the input and
 * output transforms are SIMD kernels (threaded where helpers run), the 36
 * products of [tiles, C] by [C, CO] go to the backend's own (XNNPACK)
 * matrix multiply. 4x fewer multiplies than the direct conv; padding is
 * read as zeros, not copied.
 */
export function winogradConv(backend: BackendWasm, backendName: string, simd: SimdKernels, conv: WinogradConv): TensorInfo {
  const [B, H, W, C] = conv.x.shape;
  const CO = conv.outChannels;
  const TH = Math.ceil(conv.outHeight / 4);
  const TW = Math.ceil(conv.outWidth / 4);
  const tiles = B * TH * TW;
  return withKernelScope(backend, backendName, (s) => {
    const us = Array.from({ length: 36 }, () => s.make([1, C, CO]));
    const vs = Array.from({ length: 36 }, () => s.make([1, tiles, C]));
    transformFilter(backend, us, conv.filter, C, CO);
    const input = [pointer(backend, conv.x), addressTable(s, backend, vs), H, W, C, conv.padTop, conv.padLeft, TH, TW];
    if (!runShared('winogradInputShared', [...input, tiles], tiles * C * 36)) simd.winogradInput(...(input as Input), 0, tiles);
    const ms = vs.map((v, k) => s.run(BatchMatMul, { a: v, b: us[k] }, { transposeA: false, transposeB: false }));
    const y = backend.makeOutput([B, conv.outHeight, conv.outWidth, CO], 'float32');
    const bias = conv.bias ? pointer(backend, conv.bias) : 0;
    const output = [addressTable(s, backend, ms), bias, pointer(backend, y), conv.outHeight, conv.outWidth, CO, TH, TW, conv.relu ? 1 : 0];
    if (!runShared('winogradOutputShared', [...output, tiles], tiles * CO * 36)) simd.winogradOutput(...(output as Output), 0, tiles);
    return y;
  });
}

type Input = [number, number, number, number, number, number, number, number, number];
type Output = Input;
