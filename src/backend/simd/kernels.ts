import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/** The exports of kernels.wat; pointers are byte offsets into tfjs's wasm heap. */
export interface SimdKernels {
  transpose2d(src: number, dst: number, rows: number, cols: number, srcStride: number, dstStride: number): void;
  swapOuter(src: number, dst: number, a: number, b: number, c: number): void;
  maxPoolGrad2x2(x: number, g: number, dx: number, rowsOut: number, outWidth: number, channels: number, relu: number): void;
  sumRows(src: number, rows: number, channels: number, scratch: number, slots: number, next: number): void;
  adadelta(w: number, g: number, g2: number, d2: number, nw: number, ng2: number, nd2: number, n: number, lr: number, rho: number, eps: number): void;
  convFilterGrad(x: number, dy: number, dw: number, h: number, w: number, c: number, kh: number, kw: number, co: number, rowStart: number, rowEnd: number, pair: number): void;
  convFilterGradShared(x: number, dy: number, dw: number, h: number, w: number, c: number, kh: number, kw: number, co: number, rows: number, pair: number, next: number): void;
  addInto(dst: number, src: number, n: number): void;
  reluGrad(dy: number, y: number, out: number, n: number): void;
  dropoutMask(out: number, n: number, seed: number, threshold: number, keep: number): void;
  winogradFilter(g: number, u: number, c: number, co: number): void;
  winogradConv(
    x: number, u: number, bias: number, y: number, h: number, w: number, c: number, co: number, padTop: number, padLeft: number,
    tilesH: number, tilesW: number, outH: number, outW: number, relu: number, tiles: number, scratch: number, slots: number, next: number,
  ): void;
  winogradFilterGradient(
    x: number, dy: number, h: number, w: number, c: number, co: number, padTop: number, padLeft: number,
    tilesH: number, tilesW: number, outH: number, outW: number, tiles: number, scratch: number, slots: number, next: number,
  ): void;
  winogradFilterGradientOut(w: number, dw: number, c: number, co: number): void;
  matmulPack(a: number, b: number, ap: number, bp: number, m: number, n: number, k: number, aRow: number, aCol: number, bRow: number, bT: number, next: number): void;
  maxPool2x2(x: number, y: number, rowsOut: number, outWidth: number, channels: number, next: number): void;
  singleChannelConv(
    x: number, f: number, bias: number, y: number, h: number, w: number, kh: number, kw: number, co: number, oh: number, ow: number, relu: number,
    rowsOut: number, next: number,
  ): void;
  matmul(ap: number, bp: number, c: number, m: number, n: number, k: number, bias: number, relu: number, rowsPer: number, next: number): void;
  // The threaded forms (see PARALLEL_KERNELS): floats as bits, the counter last.
  reluGradShared(dy: number, y: number, out: number, n: number, next: number): void;
  multiplyShared(a: number, b: number, out: number, n: number, next: number): void;
  adadeltaShared(w: number, g: number, g2: number, d2: number, nw: number, ng2: number, nd2: number, n: number, lr: number, rho: number, eps: number, next: number): void;
  dropoutMaskShared(out: number, n: number, seed: number, threshold: number, keep: number, next: number): void;
  maxPoolGrad2x2Shared(x: number, g: number, dx: number, rowsOut: number, outWidth: number, channels: number, relu: number, next: number): void;
}

/**
 * Kernels helper threads can run: integer arguments only (floats as their
 * bits), the last one the address of the counter their threads share work by.
 */
export const PARALLEL_KERNELS = [
  'convFilterGradShared',
  'reluGradShared',
  'multiplyShared',
  'adadeltaShared',
  'dropoutMaskShared',
  'maxPoolGrad2x2Shared',
  'sumRows',
  'winogradConv',
  'winogradFilterGradient',
  'matmulPack',
  'matmul',
  'maxPool2x2',
  'singleChannelConv',
] as const;

export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];

/** Helper threads running the same kernels on the same memory. */
export interface SimdPool {
  /** Threads in all, this one included. */
  readonly size: number;
  /**
   * Runs `kernel` with each argument list at the same time, the first here
   * and the others on helpers, skipping helpers not ready yet (the kernels
   * share their work through the counter, so nothing is lost). The pool
   * zeroes its counter and appends its address to every list. Returns
   * which lists ran.
   */
  parallel(kernel: ParallelKernel, parts: number[][]): boolean[];
}

/**
 * Below this many values a one-pass kernel runs on this thread alone: waking
 * a helper costs more than it would take over.
 */
const SHARED_MIN_VALUES = 65536;

/** Whether a kernel over `values` values goes to the pool's threads (see runShared). */
export const sharesWork = (values: number): boolean => helpers != null && values >= SHARED_MIN_VALUES;

/**
 * Runs a one-pass kernel over `values` values on every thread of the pool
 * (same arguments; the threads take chunks from the counter), and says
 * whether it did: false without a pool or for few values, to run the plain
 * kernel instead.
 */
export function runShared(kernel: ParallelKernel, args: number[], values: number): boolean {
  if (!helpers || !sharesWork(values)) return false;
  helpers.parallel(kernel, Array.from({ length: helpers.size }, () => args));
  return true;
}

/** A float's bits as an int32, for a kernel argument a helper thread receives. */
export const floatBits = (v: number): number => new Int32Array(Float32Array.of(v).buffer)[0];

/** Where a runtime finds the compiled kernels: the shared-memory build or the plain one. */
export type SimdModuleSource = (sharedMemory: boolean) => Promise<WebAssembly.Module>;

let active: SimdKernels | undefined;
let helpers: SimdPool | undefined;

/** The SIMD kernels, once started on the current wasm backend; undefined means use the JavaScript kernels. */
export const simdKernels = (): SimdKernels | undefined => active;

/** Helper threads for the kernels, where the runtime provides them. */
export const simdPool = (): SimdPool | undefined => helpers;

/** Sets (or, with undefined, clears) the kernels the wasm backend's edgetune kernels use. */
export function useSimdKernels(kernels: SimdKernels | undefined, pool?: SimdPool): void {
  active = kernels;
  helpers = kernels ? pool : undefined;
}

interface EmscriptenModule {
  wasmMemory?: WebAssembly.Memory;
  asm?: { memory?: WebAssembly.Memory };
}

/** Started kernels and what helper threads need to run them too. */
export interface StartedKernels {
  kernels: SimdKernels;
  module: WebAssembly.Module;
  memory: WebAssembly.Memory;
  backend: BackendWasm;
}

/**
 * Instantiates the kernels on the wasm backend's own memory (imported, so
 * they read and write tensors in place): shared for the threaded binary,
 * plain otherwise. A Module, not bytes, so this works where compiling at
 * run time is forbidden (workerd).
 */

export async function startSimdKernels(backend: BackendWasm, source: SimdModuleSource): Promise<StartedKernels> {
  const emscripten = backend.wasm as unknown as EmscriptenModule;
  const memory = emscripten.wasmMemory ?? emscripten.asm?.memory;
  if (!memory) throw new Error('the wasm backend does not expose its memory');
  const shared = typeof SharedArrayBuffer === 'function' && memory.buffer instanceof SharedArrayBuffer;
  const module = await source(shared);
  // Given a Module, instantiate() yields the Instance; a runtime that wraps
  // it (workerd start-up, see runtimes/worker/wasm.ts) may yield {instance}.
  const result = (await WebAssembly.instantiate(module, { env: { memory } })) as WebAssembly.Instance | { instance: WebAssembly.Instance };
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  return { kernels: instance.exports as unknown as SimdKernels, module, memory, backend };
}

/** Byte offset of a tensor's data on the wasm heap. */
export const pointer = (backend: BackendWasm, t: TensorInfo): number =>
  (backend.dataIdMap.get(t.dataId) as unknown as { memoryOffset: number }).memoryOffset;
