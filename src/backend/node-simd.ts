import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { PARALLEL_KERNELS, type SimdModuleSource, type SimdPool, type StartedKernels } from './simd/kernels.js';

// build/ of this package: the same path from src/backend and dist/backend.
const BUILD = new URL('../../build/', import.meta.url);
const WORKER = new URL('./simd-worker.mjs', import.meta.url);

/** The SIMD kernels npm run build assembles, compiled from their file. */
export const nodeSimdKernels: SimdModuleSource = async (shared) =>
  WebAssembly.compile(await readFile(new URL(shared ? 'edgetune-simd-shared.wasm' : 'edgetune-simd.wasm', BUILD)));

/**
 * threads - 1 worker_threads running the kernels on the backend's shared
 * memory, each driven through a 32-int control block on that memory
 * (generation, done, kernel, argument count, arguments). The helpers never
 * hold the event loop open. Without shared memory (one thread), none.
 */
export function nodeSimdPool(started: StartedKernels, threads: number): SimdPool | undefined {
  if (threads < 2 || !(started.memory.buffer instanceof SharedArrayBuffer)) return undefined;
  const malloc = (started.backend.wasm as unknown as { _malloc(bytes: number): number })._malloc;
  const helpers = Array.from({ length: threads - 1 }, () => {
    const control = malloc(32 * 4);
    new Int32Array(started.memory.buffer, control, 32).fill(0);
    const worker = new Worker(WORKER, { workerData: { module: started.module, memory: started.memory, control, functions: PARALLEL_KERNELS } });
    worker.unref();
    return control;
  });
  return {
    size: threads,
    parallel(kernel, parts) {
      const views = helpers.map((control) => new Int32Array(started.memory.buffer, control, 32));
      const generations = views.map((ctrl, i) => {
        const args = parts[i + 1];
        ctrl[2] = PARALLEL_KERNELS.indexOf(kernel);
        ctrl[3] = args.length;
        ctrl.set(args, 4);
        const generation = Atomics.add(ctrl, 0, 1) + 1;
        Atomics.notify(ctrl, 0);
        return generation;
      });
      (started.kernels[kernel] as (...args: number[]) => void)(...parts[0]);
      views.forEach((ctrl, i) => {
        while (Atomics.load(ctrl, 1) !== generations[i]) Atomics.wait(ctrl, 1, Atomics.load(ctrl, 1));
      });
    },
  };
}
