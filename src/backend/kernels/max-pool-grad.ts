import { MaxPoolGrad, type KernelConfig } from '@tensorflow/tfjs';
import { poolGradient } from './pool-gradient.js';

export const maxPoolGradConfig = (backendName: string): KernelConfig => ({ kernelName: MaxPoolGrad, backendName, kernelFunc: poolGradient(false) });
