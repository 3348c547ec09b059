const GOLDEN = 0x6d2b79f5;

/** A dropout's generator threshold (an unsigned fraction of 2^32: below it, dropped) and the factor of the values kept. */
export const dropoutLevels = (rate: number): { threshold: number; keep: number } => ({ threshold: Math.floor(rate * 4294967296), keep: 1 / (1 - rate) });

/**
 * Fills mask[from..] with 1/(1 - rate) or, with probability rate, 0. Value i
 * comes from mulberry32's output for counter i (state seed + (i + 1) * C):
 * the generator is counter-based, so a kernel can fill any part, or four
 * lanes at once, and give the same mask.
 */
export function fillDropoutMask(mask: Float32Array, from: number, seed: number, rate: number): void {
  const { threshold, keep } = dropoutLevels(rate);
  let a = (seed + Math.imul(from + 1, GOLDEN)) | 0;
  for (let i = from; i < mask.length; i++) {
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    mask[i] = (t ^ (t >>> 14)) >>> 0 < threshold ? 0 : keep;
    a = (a + GOLDEN) | 0;
  }
}
