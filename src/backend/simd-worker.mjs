// A helper thread for edgetune's SIMD kernels (Node worker_threads). It runs
// the same module on the wasm backend's shared memory and waits on a small
// control block there: main bumps the generation, the worker runs the job
// and publishes the generation it finished (Atomics, no messages per job).
import { workerData } from 'node:worker_threads';

const { module, memory, control, functions } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(memory.buffer, control, 32);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, 0, seen);
  seen = Atomics.load(ctrl, 0);
  const args = Array.from(ctrl.subarray(4, 4 + ctrl[3]));
  kernels[functions[ctrl[2]]](...args);
  Atomics.store(ctrl, 1, seen);
  Atomics.notify(ctrl, 1);
}
