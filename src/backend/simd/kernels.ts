import type { TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import { PARALLEL_KERNELS, type SimdKernels } from './exports.generated.js';

// The module's interface, derived from manifest.js by scripts/build-simd.js.
export type { SimdKernels } from './exports.generated.js';
export { PARALLEL_KERNELS } from './exports.generated.js';

export type ParallelKernel = (typeof PARALLEL_KERNELS)[number];

/** Helper threads running the same kernels on the same memory. */
export interface SimdPool {
  /** Threads in all, this one included. */
  readonly size: number;
  /**
   * Runs `kernel` with each argument list at the same time, the first here
   * and the others on helpers, skipping helpers not ready yet and those not
   * started when this thread's part is done (the kernels share their work
   * through the counter, so nothing is lost). The pool zeroes its counter
   * and appends its address to every list. Returns which lists ran.
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
