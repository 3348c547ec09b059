import { backend, env, getBackend, setBackend } from '@tensorflow/tfjs';
import { getThreadsCount, setThreadsCount, type BackendWasm } from '@tensorflow/tfjs-backend-wasm';
import {
  simdKernels,
  simdPool,
  startSimdKernels,
  useSimdKernels,
  type SimdKernels,
  type SimdModuleSource,
  type SimdPool,
  type StartedKernels,
} from './simd/kernels.js';
import { registerTrainingKernels } from './kernels/register.js';
import type { BackendInfo } from '../contract/backend-info.js';

export interface WasmStartOptions {
  /** Use the SIMD binaries when the engine supports them. */
  simd: boolean;
  /** Threads wanted; above 1 needs the threaded binary (and a runtime that can start it). */
  threads: number;
  /**
   * Runtime hook around backend initialisation that makes threads possible
   * (Node: worker_threads support). Omit where threads are not available.
   */
  withThreads?: <T>(threads: number, init: () => Promise<T>) => Promise<T>;
  /** The runtime's way to the compiled SIMD kernels; without it the JavaScript kernels are used. */
  simdKernels?: SimdModuleSource;
  /** Starts helper threads for the SIMD kernels (Node), which then have the threads to themselves; called with the threads obtained. */
  simdPool?: (started: StartedKernels, threads: number) => SimdPool | undefined;
}

/** Kernels (and helper threads) already started on a backend: starting again reuses them. */
const startedOn = new WeakMap<BackendWasm, { kernels: SimdKernels; pool?: SimdPool }>();

async function activate(): Promise<void> {
  const ok = await setBackend('wasm');
  if (!ok || getBackend() !== 'wasm') throw new Error('the wasm backend failed to initialise');
}

/**
 * Starts tfjs's wasm backend with the training kernels it lacks. Where the
 * threaded binary cannot start, falls back to single-threaded SIMD and says so
 * through `warn`.
 */
export async function startWasm(options: WasmStartOptions, warn: (msg: string) => void = () => {}): Promise<BackendInfo> {
  const flags = env();
  if (!options.simd) flags.set('WASM_HAS_SIMD_SUPPORT', false);
  const simd = (await flags.getAsync('WASM_HAS_SIMD_SUPPORT')) as boolean;
  registerTrainingKernels('wasm');

  const wantThreads = options.threads > 1 && simd && options.withThreads != null;
  if (options.threads > 1 && !wantThreads) {
    warn(simd ? 'wasm threads are not available in this runtime; using 1 thread' : 'wasm threads need SIMD; using 1 thread');
  }
  flags.set('WASM_HAS_MULTITHREAD_SUPPORT', wantThreads);
  // Where edgetune's SIMD kernels get helper threads of their own (Node),
  // they run every heavy op of the CNN and XNNPACK keeps one thread: each
  // XNNPACK op, however small, woke its worker, which then spun 0.5-0.8 ms on
  // the core the helpers need.
  const ownThreads = wantThreads && options.simdKernels != null && options.simdPool != null;
  setThreadsCount(wantThreads && !ownThreads ? options.threads : 1);
  if (!wantThreads) {
    await activate();
  } else {
    try {
      await options.withThreads!(options.threads, activate);
    } catch (err) {
      warn(`wasm threads could not start (${(err as Error).message ?? err}); using 1 thread`);
      flags.set('WASM_HAS_MULTITHREAD_SUPPORT', false);
      setThreadsCount(1);
      await activate();
    }
  }
  useSimdKernels(undefined);
  if (simd && options.simdKernels) {
    try {
      const wasm = backend() as BackendWasm;
      let ready = startedOn.get(wasm);
      if (!ready) {
        const started = await startSimdKernels(wasm, options.simdKernels);
        const threaded = flags.getBool('WASM_HAS_MULTITHREAD_SUPPORT');
        ready = { kernels: started.kernels, pool: options.simdPool?.(started, threaded ? options.threads : 1) };
        startedOn.set(wasm, ready);
      }
      useSimdKernels(ready.kernels, ready.pool);
    } catch (err) {
      warn(`edgetune's SIMD kernels could not start (${(err as Error).message}); using the JavaScript ones`);
    }
  }
  return { name: 'wasm', simd, threads: simdPool()?.size ?? getThreadsCount(), kernels: simdKernels() ? 'simd' : 'javascript' };
}
