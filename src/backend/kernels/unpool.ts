import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { pointer, runShared, simdKernels } from '../simd/kernels.js';
import { f32 } from './heap.js';

/** No input of the window gets the gradient: its maximum is not positive, so the ReLU passes none. */
const NO_ROUTE = 4;

/**
 * Calls `window(p0, q)` for each window of a 2x2, stride-2 pool over
 * [B, H, W, C] (an odd last row or column has none): p0 the offset of its
 * first input, q of its output in [B, floor(H / 2), floor(W / 2), C].
 */
function forEachWindow(B: number, H: number, W: number, C: number, window: (p0: number, q: number) => void): void {
  const PH = H >> 1;
  const PW = W >> 1;
  for (let b = 0; b < B; b++) {
    for (let ph = 0; ph < PH; ph++) {
      for (let pw = 0; pw < PW; pw++) window(((b * H + 2 * ph) * W + 2 * pw) * C, ((b * PH + ph) * PW + pw) * C);
    }
  }
}

/**
 * The routes of a 2x2, stride-2 max pool over y [B, H, W, C], a ReLU's
 * output, into routes [B, floor(H / 2), floor(W / 2), C] (see CONV_RELU_POOL):
 * the first maximum of each window in scan order, as MaxPoolGrad routes on
 * cpu, or NO_ROUTE where it is not positive.
 */
export function poolRoutes(y: Float32Array, routes: Int32Array, B: number, H: number, W: number, C: number): void {
  // The window's four inputs, from its first, in scan order.
  const offsets = [0, C, W * C, W * C + C];
  forEachWindow(B, H, W, C, (p0, q) => {
    for (let c = 0; c < C; c++) {
      let route = 0;
      let best = y[p0 + c];
      for (let k = 1; k < 4; k++) {
        if (y[p0 + offsets[k] + c] > best) {
          best = y[p0 + offsets[k] + c];
          route = k;
        }
      }
      routes[q + c] = best > 0 ? route : NO_ROUTE;
    }
  });
}

/**
 * The gradient of the pool's input, into out [B, H, W, C], from the pool's
 * gradient dy and its routes: each window's gradient to the input its route
 * names, 0 elsewhere (and in an odd last row or column, which no window
 * covers). Where the windows tile the input, every input is written once,
 * with no zero fill: a SIMD pass, on the pool's threads.
 */
export function unpool2x2(backend: BackendWasm, dy: TensorInfo, routes: TensorInfo, out: TensorInfo): void {
  const [B, PH, PW, C] = dy.shape;
  const [, H, W] = out.shape;
  const simd = simdKernels();
  if (simd && C % 4 === 0 && H === 2 * PH && W === 2 * PW) {
    const kernelArgs = [pointer(backend, dy), pointer(backend, routes), pointer(backend, out), B * PH, PW, C] as const;
    if (!runShared('unpool2x2Shared', [...kernelArgs], B * H * W * C)) simd.unpool2x2(...kernelArgs);
    return;
  }
  const g = f32(backend, dy);
  const to = backend.typedArrayFromHeap(routes) as Int32Array;
  const dx = f32(backend, out);
  dx.fill(0);
  forEachWindow(B, H, W, C, (p0, q) => {
    for (let c = 0; c < C; c++) {
      const route = to[q + c];
      if (route !== NO_ROUTE) dx[p0 + (route >> 1) * W * C + (route & 1) * C + c] = g[q + c];
    }
  });
}
