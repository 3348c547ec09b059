import type { backend_util, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { WINOGRAD_CHUNK as CHUNK, WINOGRAD_MATRIX_PAD as PAD, WINOGRAD_TABLES_BYTES as TABLES } from '../simd/exports.generated.js';
import { floatBits, pointer, type SimdKernels } from '../simd/kernels.js';
import { stride1Nhwc } from './conv-geometry.js';
import { KernelScope, withKernelScope } from './kernel-scope.js';
import { runChunked } from './run-counted.js';

export interface WinogradConv {
  x: TensorInfo;
  /** The 3x3 filter, [3, 3, C, CO], on the heap. */
  filter: TensorInfo;
  outChannels: number;
  /** Added per output channel, or none. */
  bias?: TensorInfo;
  relu: boolean;
  padTop: number;
  padLeft: number;
  outHeight: number;
  outWidth: number;
}

/** A dropout of the pooled values (see dropoutLevels), drawn from the counter-based generator at seed. */
export interface WinogradDropout {
  seed: number;
  threshold: number;
  keep: number;
}

/** Bytes of the kernels' 36 matrices [rows, cols], each followed by its pad (see WINOGRAD_MATRIX_PAD). */
const matrices = (rows: number, cols: number) => 36 * (rows * cols * 4 + PAD);

/**
 * Whether winogradConv takes this conv and pays: input channels in whole
 * SIMD vectors, output channels in pairs of them, and enough 4x4 output
 * tiles. XNNPACK, the alternative, runs on one thread (see wasm.ts); the
 * CNN's second conv (36 tiles an image) at batch 1 took 0.64 ms there
 * against Winograd's 0.51.
 */
export function winogradPays(inChannels: number, outChannels: number, outputs: number): boolean {
  return inChannels % 4 === 0 && outChannels % 8 === 0 && outputs / 16 >= 32;
}

/** The three passes of a conv that have a Winograd kernel. */
export type WinogradPass = 'forward' | 'input gradient' | 'filter gradient';

/**
 * Whether a pass of the conv `info` (its forward geometry) goes to Winograd:
 * 3x3, stride 1, no dilation, NHWC, and it pays for the channels and tiles
 * of the Winograd conv the pass runs (the input gradient's swaps the
 * channels and has the input's positions as outputs).
 */
export function winogradTakes(info: backend_util.Conv2DInfo, pass: WinogradPass): boolean {
  if (!stride1Nhwc(info) || info.filterHeight !== 3 || info.filterWidth !== 3) return false;
  return pass === 'input gradient'
    ? winogradPays(info.outChannels, info.inChannels, info.batchSize * info.inHeight * info.inWidth)
    : winogradPays(info.inChannels, info.outChannels, info.batchSize * info.outHeight * info.outWidth);
}

/** Where winogradRun writes: the conv's output (or none), or its 2x2 max pool and, if given, the pool's routes. */
interface WinogradOutputs {
  y?: TensorInfo;
  pooled?: TensorInfo;
  routes?: TensorInfo;
}

/**
 * A 3x3, stride-1 convolution (NHWC) by Winograd F(4x4, 3x3): 4x fewer
 * multiplies than the direct conv. One SIMD kernel does it chunk by chunk
 * (input transform, the 36 matrix products, output transform) in each
 * thread's cache-sized scratch, with helper threads taking chunks where
 * they run. Padding is read as zeros, not copied.
 */
function winogradRun(backend: BackendWasm, s: KernelScope, simd: SimdKernels, conv: WinogradConv, out: WinogradOutputs, dropout?: WinogradDropout): void {
  const [B, H, W, C] = conv.x.shape;
  const CO = conv.outChannels;
  const TH = Math.ceil(conv.outHeight / 4);
  const TW = Math.ceil(conv.outWidth / 4);
  const tiles = B * TH * TW;
  const u = s.make([matrices(C, CO) / 4]);
  simd.winogradFilter(pointer(backend, conv.filter), pointer(backend, u), C, CO);
  const at = (t: TensorInfo | undefined) => (t ? pointer(backend, t) : 0);
  const args = [pointer(backend, conv.x), pointer(backend, u), at(conv.bias), at(out.pooled ? out.routes : out.y), at(out.pooled)];
  const drop = dropout ? [dropout.seed | 0, dropout.threshold | 0, floatBits(dropout.keep)] : [0, 0, floatBits(1)];
  const geometry = [H, W, C, CO, conv.padTop, conv.padLeft, TH, TW, conv.outHeight, conv.outWidth, conv.relu ? 1 : 0, ...drop, tiles];
  // A small conv (batch 1-3) runs on this thread alone: waking a helper costs more than it takes over.
  runChunked(s, backend, simd, 'winogradConv', [...args, ...geometry], matrices(CHUNK, C) + matrices(CHUNK, CO) + TABLES, B * conv.outHeight * conv.outWidth * CO);
}

/** The conv by Winograd (see winogradRun). */
export function winogradConv(backend: BackendWasm, backendName: string, simd: SimdKernels, conv: WinogradConv): TensorInfo {
  return withKernelScope(backend, backendName, (s) => {
    const y = backend.makeOutput([conv.x.shape[0], conv.outHeight, conv.outWidth, conv.outChannels], 'float32');
    winogradRun(backend, s, simd, conv, { y });
    return y;
  });
}

/** Whether winogradConvPool takes the conv's output: whole 4x4 tiles, so each 2x2 pool window lies in one tile. */
export const winogradPools = (conv: Pick<WinogradConv, 'outHeight' | 'outWidth'>): boolean => conv.outHeight % 4 === 0 && conv.outWidth % 4 === 0;

/**
 * The conv by Winograd with the 2x2, stride-2 max pool of its output taken
 * as each tile is written (needs winogradPools): the pooled output and, with
 * `routes`, the pool's routes (see CONV_RELU_POOL), all training's gradient
 * needs, and with them a dropout of the pooled values if given. The conv's
 * own output (9 MB for the seed CNN at batch 128) is never written.
 */
export function winogradConvPool(backend: BackendWasm, backendName: string, simd: SimdKernels, conv: WinogradConv, routes: boolean, dropout?: WinogradDropout): TensorInfo[] {
  const [B] = conv.x.shape;
  const shape = [B, conv.outHeight / 2, conv.outWidth / 2, conv.outChannels];
  const out = [backend.makeOutput(shape, 'float32'), ...(routes ? [backend.makeOutput(shape, 'int32')] : [])];
  const s = new KernelScope(backend, backendName);
  try {
    winogradRun(backend, s, simd, conv, { pooled: out[0], routes: out[1] }, dropout);
  } finally {
    s.dispose();
  }
  return out;
}

/** Tiles an image at most for winogradInputGradient: each thread's scratch holds one image's 36 Z and W matrices. */
const INPUT_GRADIENT_MAX_TILES = 64;

/**
 * Whether winogradInputGradient takes the input gradient of a conv that
 * winogradTakes for it: input channels in pairs of vectors, output channels
 * in vectors, and few enough tiles an image.
 */
export const winogradInputGradientTakes = (info: backend_util.Conv2DInfo): boolean =>
  info.inChannels % 8 === 0 && info.outChannels % 4 === 0 && Math.ceil(info.outHeight / 4) * Math.ceil(info.outWidth / 4) <= INPUT_GRADIENT_MAX_TILES;

export interface WinogradInputGradient {
  dy: TensorInfo;
  /** The filter with its channels swapped, [3, 3, CO, C]. */
  swapped: TensorInfo;
  inputShape: number[];
  padTop: number;
  padLeft: number;
}

/**
 * The input gradient of a 3x3, stride-1 convolution by Winograd F(4x4, 3x3),
 * as the adjoint of the forward pass: dx = Σ over dy's 4x4 tiles of B [(A
 * dY Aᵀ) Uᵀ] Bᵀ on each tile's input window. The conv's own tiles, not the
 * transposed conv's over dx: 36 an image for the CNN's second conv, not 49.
 * Each thread takes whole images (their windows overlap).
 */
export function winogradInputGradient(backend: BackendWasm, backendName: string, simd: SimdKernels, grad: WinogradInputGradient): TensorInfo {
  const [B, H, W, C] = grad.inputShape;
  const [, OH, OW, CO] = grad.dy.shape;
  const TH = Math.ceil(OH / 4);
  const TW = Math.ceil(OW / 4);
  const rows = (TH * TW + 3) & ~3;
  return withKernelScope(backend, backendName, (s) => {
    const u = s.make([matrices(CO, C) / 4]);
    simd.winogradFilter(pointer(backend, grad.swapped), pointer(backend, u), CO, C);
    const dx = backend.makeOutput([B, H, W, C], 'float32');
    const args = [pointer(backend, grad.dy), pointer(backend, u), pointer(backend, dx), H, W, C, CO, grad.padTop, grad.padLeft, TH, TW, OH, OW, B];
    runChunked(s, backend, simd, 'winogradInputGradient', args, TABLES + matrices(rows, C) + matrices(rows, CO), B * H * W * C);
    return dx;
  });
}

export interface WinogradFilterGradient {
  x: TensorInfo;
  dy: TensorInfo;
  filterShape: number[];
  padTop: number;
  padLeft: number;
}

/**
 * The filter gradient of a 3x3, stride-1 convolution by Winograd F(4x4,
 * 3x3): dW = Gᵀ [Σ over dy's 4x4 tiles of (Bᵀ x B) ⊙ (A dY Aᵀ)] G, 4x fewer
 * multiplies than summing x·dy directly. Each thread sums its chunks of
 * tiles in its own scratch; the sums are added, then transformed once.
 */
export function winogradFilterGradient(backend: BackendWasm, backendName: string, simd: SimdKernels, grad: WinogradFilterGradient): TensorInfo {
  const [B, H, W, C] = grad.x.shape;
  const [, OH, OW, CO] = grad.dy.shape;
  const TH = Math.ceil(OH / 4);
  const TW = Math.ceil(OW / 4);
  const tiles = B * TH * TW;
  const sumBytes = matrices(C, CO);
  const slotBytes = TABLES + sumBytes + matrices(CHUNK, C) + matrices(CHUNK, CO);
  return withKernelScope(backend, backendName, (s) => {
    const geometry = [H, W, C, CO, grad.padTop, grad.padLeft, TH, TW, OH, OW, tiles];
    const { scratch: at, slots } = runChunked(s, backend, simd, 'winogradFilterGradient', [pointer(backend, grad.x), pointer(backend, grad.dy), ...geometry], slotBytes, B * OH * OW * CO);
    // Each thread that ran took a slot; add theirs into the first.
    for (let i = 1; i < slots; i++) simd.addInto(at + TABLES, at + i * slotBytes + TABLES, sumBytes / 4);
    const dw = backend.makeOutput(grad.filterShape, 'float32');
    simd.winogradFilterGradientOut(at + TABLES, pointer(backend, dw), C, CO);
    return dw;
  });
}

export interface WinogradConvGradients {
  x: TensorInfo;
  /**
   * The gradient of the 2x2 max pool after the conv (and its ReLU), and the
   * pool's routes (see CONV_RELU_POOL): the kernel takes the conv's output
   * gradient from them as it reads each tile.
   */
  dy: TensorInfo;
  routes: TensorInfo;
  /** dy's factor: a dropout's keep after the pool, else 1. */
  scale: number;
  /** The filter with its channels swapped, [3, 3, CO, C]. */
  swapped: TensorInfo;
  padTop: number;
  padLeft: number;
}

/**
 * Both gradients of a 3x3, stride-1 convolution followed by a ReLU and a
 * 2x2 max pool, by Winograd F(4x4, 3x3) as winogradInputGradient and
 * winogradFilterGradient compute them, in one pass over the images that
 * transforms each tile of the conv's output gradient once for both (needs
 * winogradInputGradientTakes and winogradPools). Returns [dx, dfilter].
 * Measured on the seed CNN's training step: 5.6-5.9% faster on two threads
 * than the two kernels apart.
 */
export function winogradConvGradients(backend: BackendWasm, backendName: string, simd: SimdKernels, grad: WinogradConvGradients): TensorInfo[] {
  const [B, H, W, C] = grad.x.shape;
  const [, PH, PW, CO] = grad.dy.shape;
  const [OH, OW] = [2 * PH, 2 * PW];
  const TH = Math.ceil(OH / 4);
  const TW = Math.ceil(OW / 4);
  const rows = (TH * TW + 3) & ~3;
  const sumBytes = matrices(C, CO);
  const slotBytes = TABLES + sumBytes + 2 * matrices(rows, C) + matrices(rows, CO);
  const dx = backend.makeOutput([B, H, W, C], 'float32');
  const dw = withKernelScope(backend, backendName, (s) => {
    const u = s.make([matrices(CO, C) / 4]);
    simd.winogradFilter(pointer(backend, grad.swapped), pointer(backend, u), CO, C);
    const [xAt, dyAt, routesAt, uAt, dxAt] = [grad.x, grad.dy, grad.routes, u, dx].map((t) => pointer(backend, t));
    const args = [xAt, dyAt, routesAt, floatBits(grad.scale), uAt, dxAt, H, W, C, CO, grad.padTop, grad.padLeft, TH, TW, OH, OW, B];
    const { scratch: at, slots } = runChunked(s, backend, simd, 'winogradConvGradients', args, slotBytes, B * H * W * C);
    // Each thread that ran took a slot; add theirs into the first.
    for (let i = 1; i < slots; i++) simd.addInto(at + TABLES, at + i * slotBytes + TABLES, sumBytes / 4);
    const out = backend.makeOutput([3, 3, C, CO], 'float32');
    simd.winogradFilterGradientOut(at + TABLES, pointer(backend, out), C, CO);
    return out;
  });
  return [dx, dw];
}
