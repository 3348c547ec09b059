import { createRequire } from 'node:module';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker as NodeWorker, type WorkerOptions } from 'node:worker_threads';

const require = createRequire(import.meta.url);
const wasmOut = (file: string) => require.resolve(`@tensorflow/tfjs-backend-wasm/wasm-out/${file}`);
const workerEntry = fileURLToPath(new URL('./pthread-worker.cjs', import.meta.url));

/**
 * A worker_threads Worker that starts our file-based pthread entry and never
 * holds the event loop open: pthreads park in Atomics.wait between jobs and
 * the main thread joins them synchronously, so an idle pool must not keep the
 * process alive (Emscripten calls ref() on every running pthread).
 */
class PthreadWorker extends NodeWorker {
  private readonly pthread: boolean;

  constructor(url: string | URL, options?: WorkerOptions) {
    const pthread = url === workerEntry;
    super(url, pthread ? { ...options, workerData: pthreadData() } : options);
    this.pthread = pthread;
    if (pthread) this.unref();
  }

  override ref(): void {
    if (!this.pthread) super.ref();
  }
}

const pthreadData = () => ({
  mainScript: wasmOut('tfjs-backend-wasm-threaded-simd.js'),
  workerScript: wasmOut('tfjs-backend-wasm-threaded-simd.worker.js'),
});

let workerInstalled = false;

/** Why threads cannot start in this process, or null when they can. */
export function nodeThreadsUnavailable(): string | null {
  if (typeof SharedArrayBuffer !== 'function') return 'SharedArrayBuffer is disabled in this Node process';
  if (typeof Atomics?.wait !== 'function') return 'Atomics.wait is unavailable';
  return null;
}

/**
 * Lets tfjs-backend-wasm start its threaded-SIMD binary under Node, for the
 * duration of `init` (the backend initialisation). Patches only globals, never
 * files under node_modules:
 * - the pthread script blob URL becomes our worker file;
 * - global Worker becomes PthreadWorker (the glue assigns worker_threads'
 *   Worker to it when it loads, so the assignment is ignored);
 * - os.cpus() reports 2 x threads while the module starts, because the binary
 *   caps its pool at logical cores / 2 (tuned for hyper-threaded desktops).
 */
export async function withNodeThreads<T>(threads: number, init: () => Promise<T>): Promise<T> {
  if (!workerInstalled) {
    Object.defineProperty(globalThis, 'Worker', { get: () => PthreadWorker, set: () => {}, configurable: true });
    workerInstalled = true;
  }
  const createObjectURL = URL.createObjectURL;
  const cpus = os.cpus;
  URL.createObjectURL = (obj: Blob | MediaSource) =>
    obj instanceof Blob && obj.type === 'application/javascript' ? workerEntry : createObjectURL(obj);
  os.cpus = () => {
    const real = cpus();
    return Array.from({ length: 2 * threads }, (_, i) => real[i % real.length]);
  };
  try {
    return await init();
  } finally {
    URL.createObjectURL = createObjectURL;
    os.cpus = cpus;
  }
}
