import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-matmul.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';

const registered = new Set<string>();

function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) != null) {
    unregisterKernel(config.kernelName, config.backendName);
  }
  registerKernel(config);
}

/**
 * Makes `backendName` (a wasm backend) complete and fast for training CNNs:
 * adds Conv2DBackpropFilter, replaces the scalar-loop Conv2DBackpropInput and
 * the transposed BatchMatMul path. Idempotent.
 */
export function registerTrainingKernels(backendName = 'wasm'): void {
  if (registered.has(backendName)) return;
  const stockMatMul = getKernel('BatchMatMul', backendName);
  if (stockMatMul == null) throw new Error(`backend ${backendName} has no BatchMatMul kernel to build on`);
  replaceKernel(conv2dBackpropFilterConfig(backendName));
  replaceKernel(conv2dBackpropInputConfig(backendName));
  replaceKernel(batchMatMulConfig(backendName, stockMatMul));
  registered.add(backendName);
}
