import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import type { BackendInfo } from '../../contract/backend-info.js';
import { startWasm } from '../../backend/wasm.js';

export interface PageBackend {
  info: BackendInfo;
  /** Why the page got fewer threads than the machine has cores. */
  note: string;
}

/**
 * tfjs wasm in the page, threaded where the page is cross-origin isolated
 * (SharedArrayBuffer). tfjs itself caps threads at half the logical cores
 * (and 8), so a 2-core machine gets 1.
 */
export async function startPageWasm(): Promise<PageBackend> {
  setWasmPaths('/web/');
  const cores = navigator.hardwareConcurrency || 1;
  const isolated = globalThis.crossOriginIsolated === true;
  const warnings: string[] = [];
  const info = await startWasm(
    {
      simd: true,
      threads: isolated ? cores : 1,
      withThreads: isolated ? (_n, init) => init() : undefined,
      simdKernels: (shared) => WebAssembly.compileStreaming(fetch(`/web/edgetune-simd${shared ? '-shared' : ''}.wasm`)),
    },
    (w) => warnings.push(w),
  );
  let note = '';
  if (!isolated) note = 'threads need a cross-origin isolated page (COOP/COEP headers)';
  else if (info.threads < cores) note = `tfjs uses at most half of the ${cores} logical cores`;
  if (!info.simd) note = [note, 'this browser lacks wasm SIMD'].filter(Boolean).join('; ');
  if (warnings.length) note = [note, ...warnings].filter(Boolean).join('; ');
  return { info, note };
}
