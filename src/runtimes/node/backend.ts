import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { getBackend, setBackend } from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo } from '../../contract/backend-info.js';
import { InputError } from '../../core/errors.js';
import { startWasm } from '../../backend/wasm.js';
import { nodeSimdKernels, nodeSimdPool } from './simd.js';
import { nodeThreadsUnavailable, withNodeThreads } from './threads.js';

export const BACKENDS = ['wasm', 'cpu', 'tensorflow'] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface NodeBackendOptions {
  backend: BackendName;
  simd: boolean;
  threads: number;
}

const require = createRequire(import.meta.url);

export const defaultThreads = (): number => os.availableParallelism();

/** Starts the chosen tfjs backend in this Node process and says what it got. */
export async function startNodeBackend(options: NodeBackendOptions, warn: (msg: string) => void = (msg) => console.warn(`warning: ${msg}`)): Promise<BackendInfo> {
  switch (options.backend) {
    case 'wasm': {
      setWasmPaths(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm')) + path.sep);
      const unavailable = options.threads > 1 ? nodeThreadsUnavailable() : null;
      if (unavailable) warn(`wasm threads unavailable (${unavailable}); using 1 thread`);
      return startWasm(
        { simd: options.simd, threads: unavailable ? 1 : options.threads, withThreads: withNodeThreads, simdKernels: nodeSimdKernels, simdPool: nodeSimdPool },
        warn,
      );
    }
    case 'cpu':
      await setBackend('cpu');
      return { name: 'cpu', simd: false, threads: 1 };
    case 'tensorflow': {
      try {
        await import('@tensorflow/tfjs-node' as string);
      } catch {
        throw new InputError('backend "tensorflow" needs @tensorflow/tfjs-node, which is not installed');
      }
      if (!(await setBackend('tensorflow')) || getBackend() !== 'tensorflow') {
        throw new Error('the tensorflow backend failed to initialise');
      }
      return { name: 'tensorflow', simd: true, threads: defaultThreads() };
    }
  }
}
