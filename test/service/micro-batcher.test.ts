import { describe, expect, it } from 'vitest';
import { IMAGE_SIZE } from '../../src/core/seed.js';
import { MicroBatcher } from '../../src/service/micro-batcher.js';

/** A "model" that answers each image with its first pixel and counts its calls. */
function fake() {
  const calls: Array<{ key: string; count: number }> = [];
  const run = (key: string) => (pixels: Float32Array, count: number) => {
    calls.push({ key, count });
    return Array.from({ length: count }, (_, i) => `${key}:${pixels[i * IMAGE_SIZE]}`);
  };
  return { calls, run };
}
const images = (...firsts: number[]) => {
  const px = new Float32Array(firsts.length * IMAGE_SIZE);
  firsts.forEach((v, i) => (px[i * IMAGE_SIZE] = v));
  return px;
};

describe('MicroBatcher', () => {
  it('runs concurrent requests for one key as one call and hands each its own results', async () => {
    const { calls, run } = fake();
    const batcher = new MicroBatcher<string>({ windowMs: 5, maxImages: 256 });
    const [a, b, c] = await Promise.all([
      batcher.submit('h', images(1), 1, run('h')),
      batcher.submit('h', images(2, 3), 2, run('h')),
      batcher.submit('other', images(4), 1, run('other')),
    ]);
    expect(a).toEqual(['h:1']);
    expect(b).toEqual(['h:2', 'h:3']);
    expect(c).toEqual(['other:4']);
    expect(calls).toEqual([
      { key: 'h', count: 3 },
      { key: 'other', count: 1 },
    ]);
  });

  it('runs a full batch at once, within the submit that fills it, and starts a new one', async () => {
    const { calls, run } = fake();
    const batcher = new MicroBatcher<string>({ windowMs: 20, maxImages: 3 });
    const first = batcher.submit('h', images(1, 2), 2, run('h'));
    const second = batcher.submit('h', images(3), 1, run('h'));
    // The model ran inside the second submit; each request still answers from its own timer.
    expect(calls).toEqual([{ key: 'h', count: 3 }]);
    const next = [batcher.submit('h', images(4, 5), 2, run('h')), batcher.submit('h', images(6, 7), 2, run('h'))];
    expect(calls.map((c) => c.count)).toEqual([3, 2]);
    expect(await Promise.all([first, second, ...next])).toEqual([['h:1', 'h:2'], ['h:3'], ['h:4', 'h:5'], ['h:6', 'h:7']]);
    expect(calls.map((c) => c.count)).toEqual([3, 2, 2]);
  });

  it('passes a failure to every request of the batch', async () => {
    const batcher = new MicroBatcher<string>({ windowMs: 2, maxImages: 10 });
    const boom = () => {
      throw new Error('boom');
    };
    const results = await Promise.allSettled([batcher.submit('h', images(1), 1, boom), batcher.submit('h', images(2), 1, boom)]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
  });

  it('calls straight through with a zero window', async () => {
    const { calls, run } = fake();
    const batcher = new MicroBatcher<string>({ windowMs: 0, maxImages: 10 });
    await Promise.all([batcher.submit('h', images(1), 1, run('h')), batcher.submit('h', images(2), 1, run('h'))]);
    expect(calls).toHaveLength(2);
  });
});
