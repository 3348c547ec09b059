// A helper thread for edgetune's SIMD kernels (Node worker_threads). It runs
// the same module on the wasm backend's shared memory and waits on a small
// control block there: main bumps the generation, the worker runs the job
// and publishes the generation it finished (Atomics, no messages per job).
// Layout in int32s: 0 generation, 1 done, 2 kernel, 3 argument count,
// 4.. arguments, 29 claim, 30 failed, 31 ready.
import { workerData } from 'node:worker_threads';

const { module, memory, control, functions } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(memory.buffer, control, 32);
let seen = Atomics.load(ctrl, 0);
Atomics.store(ctrl, 31, 1);
// Watch for the next job a moment before sleeping: a step's jobs come a few
// hundred microseconds apart, and waking from Atomics.wait on this VM took
// ~100 us (300 us of watching: t2 step 0.9 ms faster, interleaved A/B).
const WATCH_MS = 0.3;
for (;;) {
  const until = performance.now() + WATCH_MS;
  while (Atomics.load(ctrl, 0) === seen && performance.now() < until);
  // Only a new generation is a job. A wake alone is not: main's notify can
  // come after this thread has already seen the job by watching and run it
  // (main descheduled between posting it and its notify), and running the
  // last job again then, on arguments main has moved on from, corrupted
  // the heap under CPU contention.
  while (Atomics.load(ctrl, 0) === seen) Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  // The job is this thread's only if main has not taken it back (takeBack in
  // simd.ts): then main has finished without this thread, and moved on.
  if (Atomics.compareExchange(ctrl, 29, seen, ~seen) !== seen) continue;
  try {
    kernels[functions[ctrl[2]]](...ctrl.subarray(4, 4 + ctrl[3]));
  } catch {
    // Reported through the block: main is blocked waiting, not listening for events.
    Atomics.store(ctrl, 30, 1);
  }
  Atomics.store(ctrl, 1, seen);
  Atomics.notify(ctrl, 1);
}
