import type { KernelConfig } from '@tensorflow/tfjs';
import { POOL_RELU_GRAD } from '../../contract/custom-ops.js';
import { poolGradient } from './pool-gradient.js';

/** MaxPoolGrad through the ReLU whose output the pool read (inputs dy and input, MaxPoolGrad's attributes). */
export const poolReluGradConfig = (backendName: string): KernelConfig => ({ kernelName: POOL_RELU_GRAD, backendName, kernelFunc: poolGradient(true) });
