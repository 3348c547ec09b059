import { InvalidArgumentError } from 'commander';

// Apart from options.ts so that scripts (the bench) can parse integers
// without loading the wasm backend, which registers itself on import.

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
