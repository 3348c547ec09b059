import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm';
import kernelsPlain from '../../../build/edgetune-simd.wasm';
import kernelsShared from '../../../build/edgetune-simd-shared.wasm';
import type { BackendInfo } from '../../contract/backend-info.js';
import { startWasm } from '../../backend/wasm.js';

// Workers forbid compiling wasm from bytes at run time: the binaries arrive
// as WebAssembly.Module imports (wrangler's default rule for .wasm) and are
// handed to tfjs through its "platform fetch" path.
const MODULES: Record<string, WebAssembly.Module> = { plain: plainWasm, simd: simdWasm };

/** A tfjs platform whose fetch answers the wasm names above with their modules. */
const workerPlatform = {
  fetch: async (path: string) => {
    const module = MODULES[path];
    if (!module) throw new Error(`no wasm module ${path}`);
    return { ok: true, arrayBuffer: async () => module } as unknown as Response;
  },
  now: () => performance.now(),
  encode: (text: string) => new TextEncoder().encode(text),
  decode: (bytes: Uint8Array) => new TextDecoder().decode(bytes),
  isTypedArray: (a: unknown): a is Float32Array | Int32Array | Uint8Array | Uint8ClampedArray => ArrayBuffer.isView(a) && !(a instanceof DataView),
  setTimeoutCustom: (f: () => void, delay: number) => setTimeout(f, delay),
};

/**
 * Starts tfjs's wasm SIMD backend in workerd (single-threaded: no threads in
 * Workers). tfjs hands the fetched "bytes" to WebAssembly.instantiate and
 * expects {instance, module}; given a Module, instantiate returns just the
 * Instance, so during start-up a wrapper adds the module back.
 */
export async function startWorkerWasm(): Promise<BackendInfo> {
  setWasmPaths({ 'tfjs-backend-wasm.wasm': 'plain', 'tfjs-backend-wasm-simd.wasm': 'simd', 'tfjs-backend-wasm-threaded-simd.wasm': 'plain' }, true);
  tf.env().setPlatform('workerd', workerPlatform as unknown as Parameters<ReturnType<typeof tf.env>['setPlatform']>[1]);
  const instantiate = WebAssembly.instantiate;
  const wrapped = (source: BufferSource | WebAssembly.Module, imports?: WebAssembly.Imports) =>
    source instanceof WebAssembly.Module
      ? instantiate(source, imports).then((instance) => ({ instance, module: source }))
      : instantiate(source as BufferSource, imports);
  WebAssembly.instantiate = wrapped as typeof WebAssembly.instantiate;
  try {
    return await startWasm({ simd: true, threads: 1, simdKernels: async (shared) => (shared ? kernelsShared : kernelsPlain) });
  } finally {
    WebAssembly.instantiate = instantiate;
  }
}
