import { InvalidArgumentError, Option } from 'commander';
import { BACKENDS, defaultThreads, type BackendName, type NodeBackendOptions } from './backend.js';

export function positiveInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('must be a positive integer.');
  }
  return Number(value);
}

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('must be a non-negative integer.');
  }
  return Number(value);
}

/** "5,6,7,8,9" → [5, 6, 7, 8, 9]; labels are IDX bytes, so 0..255. */
export function classList(value: string): number[] {
  const parts = value.split(',').map((s) => s.trim());
  if (parts.some((p) => !/^\d+$/.test(p) || Number(p) > 255)) {
    throw new InvalidArgumentError('must be a comma-separated list of class labels (integers 0-255), e.g. 5,6,7,8,9.');
  }
  return parts.map(Number);
}

export const backendOptions = () => [
  new Option('--backend <name>', 'tfjs backend (tensorflow needs @tensorflow/tfjs-node installed)').choices(BACKENDS).default('wasm'),
  new Option('--threads <n>', 'wasm threads').argParser(positiveInt).default(defaultThreads(), 'all cores'),
  new Option('--no-simd', 'use the wasm binary without SIMD'),
];

export interface BackendFlags {
  backend: BackendName;
  threads: number;
  simd: boolean;
}

export const toBackendOptions = (flags: BackendFlags): NodeBackendOptions => ({
  backend: flags.backend,
  threads: flags.threads,
  simd: flags.simd,
});
