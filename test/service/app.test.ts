import * as tf from '@tensorflow/tfjs';
import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { auth, bytes, post } from '../helpers/requests.js';
import { appSetup, digitsRequest, type AppSetup } from '../helpers/service.js';

describe('the Hono app (app.request): every route', () => {
  let request: AppSetup['request'];
  let testImages: number[][];

  beforeAll(async () => {
    ({ request, testImages } = await appSetup());
  });

  it('does not leak tensors across 1,000 mixed requests', async () => {
    const png = encode({ width: 28, height: 28, channels: 1, depth: 8, data: Uint8Array.from(testImages[5], (v) => Math.round(v * 255)) });
    const { body } = await digitsRequest([1, 7], 3, 0);
    // Warm the head cache so loaded heads are counted before, not during.
    await request('/v1/heads/digits/predict', post({ images: [testImages[0]] }));
    await request('/v1/heads/leaky/train', post({ ...body, epochs: 1 }, auth));
    await request('/v1/heads/leaky/predict', post({ images: [testImages[0]] }));
    const before = tf.memory().numTensors;
    const statuses = new Map<number, number>();
    for (let i = 0; i < 1000; i++) {
      let res: Response;
      switch (i % 10) {
        case 0:
          res = await request('/v1/heads/digits/predict', post({ images: testImages.slice(0, 8) }));
          break;
        case 1:
          res = await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes(png) });
          break;
        case 2:
          res = await request('/v1/heads/digits/predict', post({ images: [[2]] }));
          break;
        case 3:
          res = await request('/v1/heads/nope/predict', post({ images: [testImages[0]] }));
          break;
        case 4:
          res = await request('/v1/heads');
          break;
        case 5:
          res = await request('/healthz');
          break;
        case 6:
          res = await request('/v1/heads/leaky/predict', post({ images: testImages.slice(0, 3) }));
          break;
        case 7:
          res = await request('/v1/heads/x/train', post({ labels: ['a'] }, auth));
          break;
        case 8:
          res = await request('/v1/model');
          break;
        default:
          res = await request('/v1/heads/digits/predict', post('{"images":'));
      }
      await res.arrayBuffer();
      statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(statuses.get(500)).toBeUndefined();
    expect(statuses.get(200)).toBe(600);
  });
});
