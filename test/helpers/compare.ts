import * as tf from '@tensorflow/tfjs';
import { expect } from 'vitest';

/** Deterministic pseudo-random values in [-1, 1) so failures reproduce. */
export function randomValues(size: number, seed: number): Float32Array {
  const out = new Float32Array(size);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < size; i++) {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    out[i] = ((s >>> 0) / 2 ** 32) * 2 - 1;
  }
  return out;
}

/** Runs `f` on a backend and returns its output values, leaving nothing behind. */
export async function onBackend(name: string, f: () => tf.Tensor): Promise<{ shape: number[]; values: Float32Array }> {
  const previous = tf.getBackend();
  await tf.setBackend(name);
  try {
    const out = f();
    const values = (await out.data()) as Float32Array;
    const shape = out.shape;
    out.dispose();
    return { shape, values };
  } finally {
    await tf.setBackend(previous);
  }
}

/** max |a - b| / max |b|: the error measure the kernel contract is written in. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Infinity;
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return scale === 0 ? diff : diff / scale;
}

/**
 * Runs `f` on wasm and on cpu and expects the same shape and values within
 * `tolerance` (relativeError; 0 for exact, a number rather than a diff of
 * every value, which for large tensors takes minutes to print).
 */
export async function expectLikeCpu(f: () => tf.Tensor, tolerance: number): Promise<void> {
  const wasm = await onBackend('wasm', f);
  const cpu = await onBackend('cpu', f);
  expect(wasm.shape).toEqual(cpu.shape);
  expect(relativeError(wasm.values, cpu.values)).toBeLessThanOrEqual(tolerance);
}
