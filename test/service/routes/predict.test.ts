import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBase } from '../../../src/service/deps.js';
import { NODE_LIMITS } from '../../../src/service/limits.js';
import type { FileHeadStore } from '../../../src/runtimes/node/file-head-store.js';
import { auth, bytes, expectProblem, post } from '../../helpers/requests.js';
import { appSetup, appWith, type AppSetup } from '../../helpers/service.js';

describe('the Hono app (app.request): /v1/heads/{name}/predict', () => {
  let base: ServiceBase;
  let store: FileHeadStore;
  let request: AppSetup['request'];
  let testImages: number[][];
  let testLabels: number[];

  beforeAll(async () => {
    ({ base, store, request, testImages, testLabels } = await appSetup());
  });

  it('predicts flat images, 28x28 rows and base64 PNGs, in input order', async () => {
    const rows = Array.from({ length: 28 }, (_, r) => testImages[1].slice(r * 28, r * 28 + 28));
    const png = encode({ width: 28, height: 28, channels: 1, depth: 8, data: Uint8Array.from(testImages[2], (v) => Math.round(v * 255)) });
    const res = await request('/v1/heads/digits/predict', post({ images: [testImages[0], rows, { png: Buffer.from(png).toString('base64') }] }));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { head: { name: string; version: number }; predictions: Array<{ label: string; confidence: number; probabilities: Record<string, number> }> };
    expect(body.head).toEqual({ name: 'digits', version: 1 });
    expect(body.predictions).toHaveLength(3);
    // Same pixels in three encodings: same answer (PNG round-trips 8-bit MNIST exactly).
    const flat = await request('/v1/heads/digits/predict', post({ images: [testImages[1], testImages[2]] }));
    const [p1, p2] = ((await flat.json()) as typeof body).predictions;
    expect(body.predictions[1].probabilities).toEqual(p1.probabilities);
    expect(body.predictions[2].probabilities).toEqual(p2.probabilities);
    for (const p of body.predictions) expect(Object.keys(p.probabilities)).toEqual(['0', '1', '2', '3', '4']);
  });

  it('answers concurrent predictions (micro-batched) exactly as sequential ones', async () => {
    const one = async (i: number) =>
      ((await (await request('/v1/heads/digits/predict', post({ images: [testImages[i]] }))).json()) as { predictions: unknown[] }).predictions[0];
    const sequential: unknown[] = [];
    for (let i = 0; i < 12; i++) sequential.push(await one(i));
    const concurrent = await Promise.all(Array.from({ length: 12 }, (_, i) => one(i)));
    concurrent.forEach((p, i) => {
      const [a, b] = [p, sequential[i]] as Array<{ label: string; probabilities: Record<string, number> }>;
      expect(a.label).toBe(b.label);
      for (const k of Object.keys(b.probabilities)) expect(a.probabilities[k]).toBeCloseTo(b.probabilities[k], 6);
    });
  });

  it('predicts a raw image/png body', async () => {
    const png = encode({ width: 28, height: 28, channels: 1, depth: 8, data: Uint8Array.from(testImages[1], (v) => Math.round(v * 255)) });
    const res = await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes(png) });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { predictions: unknown[] }).predictions).toHaveLength(1);
  });

  it('predicts real test digits correctly with the transfer head', async () => {
    const res = await request('/v1/heads/digits/predict', post({ images: testImages }));
    const { predictions } = (await res.json()) as { predictions: Array<{ label: string }> };
    const seen = testLabels.map((l, i) => [l, predictions[i].label] as const).filter(([l]) => l < 5);
    expect(seen.filter(([l, p]) => String(l) === p).length / seen.length).toBeGreaterThan(0.8);
  });

  describe('rejects bad input with problem+json, never a 500', () => {
    const predict = (images: unknown) => request('/v1/heads/digits/predict', post({ images }));
    it('wrong shapes', async () => {
      const body = await expectProblem(await predict([[0.5, 0.5]]), 422, 'validation');
      expect(body.errors!.some((e) => e.field === 'images[0]')).toBe(true);
      const rows = await expectProblem(await predict([Array.from({ length: 28 }, () => [0.1])]), 422, 'validation');
      expect(rows.errors).toEqual([{ field: 'images[0]', message: expect.stringMatching(/^must be 784 numbers in \[0, 1\], 28 rows of 28 numbers .*the base takes 28x28x1 images/) }]);
      const ragged = await expectProblem(await predict([[[0.1, 0.2], [0.1]]]), 422, 'validation');
      expect(ragged.errors).toEqual([{ field: 'images[0][1]', message: 'must be a row of 2 numbers, as the first row is' }]);
      await expectProblem(await predict('x'), 422, 'validation', /images: must be of type array/);
      await expectProblem(await request('/v1/heads/digits/predict', post({ images: [testImages[0]], extra: 1 })), 422, 'validation', /unknown field extra/);
    });
    it('non-numbers, non-finite numbers and values outside [0, 1]', async () => {
      const bad = [...testImages[0]] as unknown[];
      bad[3] = 'NaN';
      let body = await expectProblem(await predict([bad]), 422, 'validation');
      expect(body.errors).toContainEqual({ field: 'images[0][3]', message: 'must be a finite number' });
      body = await expectProblem(await request('/v1/heads/digits/predict', post(`{"images":[[${'0,'.repeat(783)}1e999]]}`)), 422, 'validation');
      expect(body.errors![0].field).toBe('images[0][783]');
      const high = [...testImages[0]];
      high[10] = 1.5;
      high[11] = -0.1;
      body = await expectProblem(await predict([high]), 422, 'validation');
      expect(body.errors).toEqual([
        { field: 'images[0][10]', message: 'must be at most 1' },
        { field: 'images[0][11]', message: 'must be at least 0' },
      ]);
    });
    it('too many images, none, bad PNGs, malformed JSON', async () => {
      await expectProblem(await predict(Array.from({ length: NODE_LIMITS.maxPredictImages + 1 }, () => testImages[0])), 422, 'validation', /at most 256 items/);
      await expectProblem(await predict([]), 422, 'validation', /at least 1 items/);
      await expectProblem(await predict([{ png: Buffer.from('hello').toString('base64') }]), 422, 'validation', /images\[0\]\.png: not a PNG image/);
      await expectProblem(await predict([{ png: '***' }]), 422, 'validation');
      await expectProblem(await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: bytes(new Uint8Array([1, 2, 3])) }), 422, 'validation', /body: not a PNG image/);
      await expectProblem(await request('/v1/heads/digits/predict', post('{"images": [')), 400, 'malformed-request');
    });
    it('unknown heads, invalid and path-traversing names, unknown routes', async () => {
      await expectProblem(await request('/v1/heads/nope/predict', post({ images: [testImages[0]] })), 404, 'not-found', /no head named "nope"/);
      await expectProblem(await request('/v1/heads/nope'), 404, 'not-found');
      await expectProblem(await request('/v1/heads/..%2F..%2Fetc/predict', post({ images: [testImages[0]] })), 422, 'validation', /name: must be 1-64/);
      await expectProblem(await request(`/v1/heads/${'x'.repeat(65)}`), 422, 'validation');
      await expectProblem(await request('/v2/nothing'), 404, 'not-found', /no route for GET \/v2\/nothing/);
    });
    it('wrong content types (415) and bodies over the limit (413)', async () => {
      await expectProblem(await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' }), 415, 'unsupported-media-type');
      await expectProblem(await request('/v1/heads/digits/predict', { method: 'POST', body: bytes(new TextEncoder().encode('{}')) }), 415, 'unsupported-media-type', /no Content-Type/);
      await expectProblem(await request('/v1/heads/digits/train', { method: 'POST', headers: { ...auth, 'content-type': 'text/csv' }, body: 'a' }), 415, 'unsupported-media-type');
      const small = appWith(base, store, { limits: { ...NODE_LIMITS, maxBodyBytes: 1000 } });
      await expectProblem(await small.app.request('/v1/heads/digits/predict', post({ images: [testImages[0]] })), 413, 'too-large');
      small.dispose();
    });
  });
});
