import { readFile } from 'node:fs/promises';
import type { SimdModuleSource } from './simd/kernels.js';

// build/ of this package: the same path from src/backend and dist/backend.
const BUILD = new URL('../../build/', import.meta.url);

/** The SIMD kernels npm run build assembles, compiled from their file. */
export const nodeSimdKernels: SimdModuleSource = async (shared) =>
  WebAssembly.compile(await readFile(new URL(shared ? 'edgetune-simd-shared.wasm' : 'edgetune-simd.wasm', BUILD)));
