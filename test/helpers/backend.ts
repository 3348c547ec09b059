import { afterAll, beforeAll, describe } from 'vitest';
import { simdKernels, simdPool, useSimdKernels, type SimdKernels, type SimdPool } from '../../src/backend/simd/kernels.js';
import { startNodeBackend } from '../../src/runtimes/node/backend.js';

/** Starts the wasm backend as the CLI does (SIMD, 2 threads) for a test file. */
export const startTestWasm = (threads = 2) =>
  startNodeBackend({ backend: 'wasm', simd: true, threads }, (msg) => {
    throw new Error(`unexpected backend warning: ${msg}`);
  });

/**
 * Runs a describe block with edgetune's SIMD kernels on two threads (the
 * helper pool), on one, and with the JavaScript fallback (what --no-simd and
 * runtimes without the module use).
 */
export function forEachKernelPath(body: (path: string) => void): void {
  let simd: SimdKernels | undefined;
  let pool: SimdPool | undefined;
  for (const path of ['simd threads', 'simd', 'javascript']) {
    describe(`${path} kernels`, () => {
      beforeAll(async () => {
        await startTestWasm();
        simd ??= simdKernels();
        pool ??= simdPool();
        if (!simd || !pool) throw new Error('the SIMD kernels or their helper threads did not start');
        useSimdKernels(path === 'javascript' ? undefined : simd, path === 'simd threads' ? pool : undefined);
      });
      afterAll(() => useSimdKernels(simd, pool));
      body(path);
    });
  }
}
