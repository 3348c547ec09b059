import { startNodeBackend } from '../../src/runtimes/node/backend.js';

/** Starts the wasm backend as the CLI does (SIMD, 2 threads) for a test file. */
export const startTestWasm = (threads = 2) =>
  startNodeBackend({ backend: 'wasm', simd: true, threads }, (msg) => {
    throw new Error(`unexpected backend warning: ${msg}`);
  });
