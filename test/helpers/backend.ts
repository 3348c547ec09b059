import { afterAll, beforeAll, describe } from 'vitest';
import { simdKernels, useSimdKernels, type SimdKernels } from '../../src/backend/simd/kernels.js';
import { startNodeBackend } from '../../src/runtimes/node/backend.js';

/** Starts the wasm backend as the CLI does (SIMD, 2 threads) for a test file. */
export const startTestWasm = (threads = 2) =>
  startNodeBackend({ backend: 'wasm', simd: true, threads }, (msg) => {
    throw new Error(`unexpected backend warning: ${msg}`);
  });

/**
 * Runs a describe block once with edgetune's SIMD kernels and once with the
 * JavaScript fallback (what --no-simd and runtimes without the module use).
 */
export function forEachKernelPath(body: (path: string) => void): void {
  let simd: SimdKernels | undefined;
  for (const path of ['simd', 'javascript']) {
    describe(`${path} kernels`, () => {
      beforeAll(async () => {
        await startTestWasm();
        simd ??= simdKernels();
        if (!simd) throw new Error('the SIMD kernels did not start');
        useSimdKernels(path === 'simd' ? simd : undefined);
      });
      afterAll(() => useSimdKernels(simd));
      body(path);
    });
  }
}
