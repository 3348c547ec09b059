import { getKernel, registerKernel, unregisterKernel, type KernelConfig } from '@tensorflow/tfjs';
import { batchMatMulConfig } from './batch-matmul.js';
import { castConfig } from './cast.js';
import { conv2dBackpropFilterConfig } from './conv2d-backprop-filter.js';
import { convReluPoolConfig, convReluPoolGradConfig } from './conv-relu-pool.js';
import { conv2dBackpropInputConfig } from './conv2d-backprop-input.js';
import { dropoutMaskConfig } from './dropout-mask.js';
import { fusedConv2dConfig } from './fused-conv2d.js';
import { fusedMatMulConfig } from './fused-matmul.js';
import { identityConfig } from './identity.js';
import { kerasAdadeltaConfig } from './keras-adadelta.js';
import { maxPoolConfig } from './max-pool.js';
import { maxPoolGradConfig } from './max-pool-grad.js';
import { poolReluGradConfig } from './max-pool-relu-grad.js';
import { multiplyConfig } from './multiply.js';
import { reluBiasGradConfig } from './relu-grad.js';
import { reluConvFilterGradConfig } from './relu-conv-filter-grad.js';
import { sumConfig } from './sum.js';
import { transposeConfig } from './transpose.js';

const registered = new Set<string>();

function replaceKernel(config: KernelConfig): void {
  if (getKernel(config.kernelName, config.backendName) != null) {
    unregisterKernel(config.kernelName, config.backendName);
  }
  registerKernel(config);
}

/**
 * Makes `backendName` (a wasm backend) complete and fast for training CNNs:
 * adds Conv2DBackpropFilter, replaces the scalar-loop Conv2DBackpropInput,
 * the Dense layers' BatchMatMul and _FusedMatMul, Transpose, MaxPool and its gradient,
 * bias-gradient sums, large same-shape products, and the copies of Identity and same-dtype Cast, and adds the fused Keras Adadelta
 * update, ReLU gradient (alone, after MaxPool's, and with a first conv's filter gradient), dropout masks and a conv + ReLU + 2x2 pool in one pass (and its gradient from the pool's routes), and runs 3x3 convs by Winograd
 * and single-channel convs by a SIMD kernel. Idempotent.
 */
export function registerTrainingKernels(backendName = 'wasm'): void {
  if (registered.has(backendName)) return;
  const stock = (name: string) => {
    const config = getKernel(name, backendName);
    if (config == null) throw new Error(`backend ${backendName} has no ${name} kernel to build on`);
    return config;
  };
  const stockMatMul = stock('BatchMatMul');
  const stockFusedMatMul = stock('_FusedMatMul');
  const stockTranspose = stock('Transpose');
  const stockSum = stock('Sum');
  const stockFusedConv = stock('FusedConv2D');
  const stockMaxPool = stock('MaxPool');
  const stockMultiply = stock('Multiply');
  const stockCast = stock('Cast');
  replaceKernel(conv2dBackpropFilterConfig(backendName));
  replaceKernel(conv2dBackpropInputConfig(backendName));
  replaceKernel(batchMatMulConfig(backendName, stockMatMul));
  replaceKernel(fusedMatMulConfig(backendName, stockFusedMatMul));
  replaceKernel(transposeConfig(backendName, stockTranspose));
  replaceKernel(kerasAdadeltaConfig(backendName));
  replaceKernel(maxPoolConfig(backendName, stockMaxPool));
  replaceKernel(maxPoolGradConfig(backendName));
  replaceKernel(poolReluGradConfig(backendName));
  replaceKernel(sumConfig(backendName, stockSum));
  replaceKernel(identityConfig(backendName));
  replaceKernel(castConfig(backendName, stockCast));
  replaceKernel(reluBiasGradConfig(backendName));
  replaceKernel(reluConvFilterGradConfig(backendName));
  replaceKernel(multiplyConfig(backendName, stockMultiply));
  replaceKernel(dropoutMaskConfig(backendName));
  replaceKernel(fusedConv2dConfig(backendName, stockFusedConv));
  replaceKernel(convReluPoolConfig(backendName));
  replaceKernel(convReluPoolGradConfig(backendName));
  registered.add(backendName);
}
