import { describe, expect, it } from 'vitest';
import { PIXELS } from '../../src/service/limits.js';
import { MicroBatcher } from '../../src/service/micro-batcher.js';

/** A "model" that answers each image with its first pixel and counts its calls. */
function fake() {
  const calls: Array<{ key: string; count: number }> = [];
  const run = async (key: string, pixels: Float32Array, count: number) => {
    calls.push({ key, count });
    return Array.from({ length: count }, (_, i) => `${key}:${pixels[i * PIXELS]}`);
  };
  return { calls, run };
}
const images = (...firsts: number[]) => {
  const px = new Float32Array(firsts.length * PIXELS);
  firsts.forEach((v, i) => (px[i * PIXELS] = v));
  return px;
};

describe('MicroBatcher', () => {
  it('runs concurrent requests for one head as one call and hands each its own results', async () => {
    const { calls, run } = fake();
    const batcher = new MicroBatcher({ windowMs: 5, maxImages: 256 }, run);
    const [a, b, c] = await Promise.all([batcher.submit('h', images(1), 1), batcher.submit('h', images(2, 3), 2), batcher.submit('other', images(4), 1)]);
    expect(a).toEqual(['h:1']);
    expect(b).toEqual(['h:2', 'h:3']);
    expect(c).toEqual(['other:4']);
    expect(calls).toEqual([
      { key: 'h', count: 3 },
      { key: 'other', count: 1 },
    ]);
  });

  it('sends a full batch at once and starts a new one', async () => {
    const { calls, run } = fake();
    const batcher = new MicroBatcher({ windowMs: 1000, maxImages: 3 }, run);
    const started = performance.now();
    const results = await Promise.all([batcher.submit('h', images(1, 2), 2), batcher.submit('h', images(3), 1)]);
    expect(performance.now() - started).toBeLessThan(500);
    expect(results).toEqual([['h:1', 'h:2'], ['h:3']]);
    const next = [batcher.submit('h', images(4, 5), 2), batcher.submit('h', images(6, 7), 2)];
    await Promise.race([Promise.all(next), new Promise((r) => setTimeout(r, 50))]);
    expect(calls.map((c) => c.count)).toEqual([3, 2]);
  });

  it('passes a failure to every request of the batch', async () => {
    const batcher = new MicroBatcher({ windowMs: 2, maxImages: 10 }, async () => {
      throw new Error('boom');
    });
    const results = await Promise.allSettled([batcher.submit('h', images(1), 1), batcher.submit('h', images(2), 1)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('calls straight through with a zero window', async () => {
    const { calls, run } = fake();
    const batcher = new MicroBatcher({ windowMs: 0, maxImages: 10 }, run);
    await Promise.all([batcher.submit('h', images(1), 1), batcher.submit('h', images(2), 1)]);
    expect(calls).toHaveLength(2);
  });
});
