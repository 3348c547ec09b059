import { readFile } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { PARALLEL_KERNELS, type ParallelKernel, type SimdModuleSource, type SimdPool, type StartedKernels } from '../../backend/simd/kernels.js';

// build/ of this package: the same path from src/runtimes/node and dist/runtimes/node.
const BUILD = new URL('../../../build/', import.meta.url);
const WORKER = new URL('./simd-worker.mjs', import.meta.url);
const HELPER_TIMEOUT_MS = 60_000;
// Main watches for the helpers' answer this long before sleeping on it: waking
// from Atomics.wait took ~100 us on this VM, and main has nothing else to do
// meanwhile (t2 step 0.4-1.7% faster in five interleaved A/B runs).
const MAIN_WATCH_MS = 1;

/** The SIMD kernels npm run build assembles, compiled from their file. */
export const nodeSimdKernels: SimdModuleSource = async (shared) =>
  WebAssembly.compile(await readFile(new URL(shared ? 'edgetune-simd-shared.wasm' : 'edgetune-simd.wasm', BUILD)));

const malloc = (started: StartedKernels, bytes: number): number =>
  (started.backend.wasm as unknown as { _malloc(bytes: number): number })._malloc(bytes);

/**
 * A worker_thread running the kernels on the backend's shared memory,
 * driven through a 32-int control block there (layout in simd-worker.mjs).
 * It never holds the event loop open. Returns the block (a view made once
 * stays valid, as shared memory grows in place) and the worker.
 */
export function startSimdHelper(started: StartedKernels): { block: Int32Array; worker: Worker } {
  const control = malloc(started, 32 * 4);
  const block = new Int32Array(started.memory.buffer, control, 32).fill(0);
  const worker = new Worker(WORKER, { workerData: { module: started.module, memory: started.memory, control, functions: PARALLEL_KERNELS } });
  worker.unref();
  return { block, worker };
}

/** Gives a helper `kernel` on `args` and wakes it; returns the job's generation, which the helper answers with. */
export function postJob(block: Int32Array, kernel: ParallelKernel, args: number[]): number {
  block[2] = PARALLEL_KERNELS.indexOf(kernel);
  block[3] = args.length;
  block.set(args, 4);
  const generation = (Atomics.load(block, 0) + 1) | 0;
  // Open to a claim before the helper can see the job (see takeBack).
  Atomics.store(block, 29, generation);
  Atomics.store(block, 0, generation);
  Atomics.notify(block, 0);
  return generation;
}

/**
 * Takes job `generation` back from a helper that has not started it, and
 * says whether it did; then that helper never runs it. The helper claims a
 * job with the same exchange, so exactly one of the two wins. Main takes
 * back what it finished alone rather than wait for a helper to be
 * scheduled: with another process busy on the second core, steps on two
 * threads were 8% faster (0.88-0.94 over 8 interleaved rounds), and no
 * different without one.
 */
export const takeBack = (block: Int32Array, generation: number): boolean =>
  Atomics.compareExchange(block, 29, generation, ~generation) === generation;

/**
 * threads - 1 helpers (startSimdHelper). A job goes only to helpers that
 * have said they are ready, so nothing waits on a thread still starting (or
 * one that never does), and is taken back from those that have not started
 * it when this thread is done; the kernels share their work through
 * counters, so whoever runs takes it all. Without shared memory (one
 * thread), none.
 */
export function nodeSimdPool(started: StartedKernels, threads: number): SimdPool | undefined {
  if (threads < 2 || !(started.memory.buffer instanceof SharedArrayBuffer)) return undefined;
  const counter = malloc(started, 4);
  const counterView = new Int32Array(started.memory.buffer, counter, 1);
  const helpers = Array.from({ length: threads - 1 }, () => startSimdHelper(started).block);
  return {
    size: threads,
    parallel(kernel, parts) {
      Atomics.store(counterView, 0, 0);
      const lists = parts.map((args) => [...args, counter]);
      const ran = [true, ...helpers.map((block) => Atomics.load(block, 31) === 1)];
      const jobs = helpers.flatMap((block, i) => (ran[i + 1] ? [{ block, thread: i + 1, generation: postJob(block, kernel, lists[i + 1]) }] : []));
      let failure: { error: unknown } | undefined;
      try {
        (started.kernels[kernel] as (...args: number[]) => void)(...lists[0]);
      } catch (error) {
        failure = { error };
      }
      // Every helper's answer (or its job taken back) before returning or
      // throwing, even when this thread's part failed: until then a helper
      // may write into buffers the caller frees. The wait is bounded: a
      // helper that took the job and never answers becomes an error, not a
      // hung process.
      const deadline = Date.now() + HELPER_TIMEOUT_MS;
      const watchUntil = performance.now() + MAIN_WATCH_MS;
      let helperFailed = false;
      for (const { block, thread, generation } of jobs) {
        if (takeBack(block, generation)) {
          ran[thread] = false;
          continue;
        }
        while (Atomics.load(block, 1) !== generation && performance.now() < watchUntil);
        // Wait on the value just checked: a fresh read could already be the
        // answer, and waiting for that to change would sleep through it.
        for (let done = Atomics.load(block, 1); done !== generation; done = Atomics.load(block, 1)) {
          if (Date.now() > deadline) {
            // This thread's own failure, if any, goes with it rather than being lost.
            throw new Error(`a SIMD helper thread did not finish ${kernel} in ${HELPER_TIMEOUT_MS / 1000} s`, failure && { cause: failure.error });
          }
          Atomics.wait(block, 1, done, 1000);
        }
        if (Atomics.exchange(block, 30, 0) !== 0) helperFailed = true;
      }
      if (failure) throw failure.error;
      if (helperFailed) throw new Error(`a SIMD helper thread failed in ${kernel}`);
      return ran;
    },
  };
}
