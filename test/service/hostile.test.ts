import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBase } from '../../src/service/deps.js';
import { NODE_LIMITS } from '../../src/service/limits.js';
import { MAX_FIELD_ERRORS } from '../../src/service/problem.js';
import type { FileHeadStore } from '../../src/runtimes/node/file-head-store.js';
import { startTestWasm } from '../helpers/backend.js';
import { decoyHeader, noisePng, pngBomb, twoHeaders } from '../helpers/hostile-png.js';
import { quickModels } from '../helpers/models.js';
import { appWith, digitsRequest, parseSse, serviceBase, storeWithDigits, TOKEN } from '../helpers/service.js';

const auth = { authorization: `Bearer ${TOKEN}` };
const post = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => ({
  method: 'POST',
  headers,
  body: typeof body === 'string' ? body : JSON.stringify(body),
});
const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64');
const white = () => new Array(784).fill(0);

interface Problem {
  type: string;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}
async function problem(res: Response, status: number): Promise<Problem> {
  expect(res.status, await res.clone().text()).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  return (await res.json()) as Problem;
}

describe('the app under hostile input (app.request, file store)', () => {
  let base: ServiceBase;
  let store: FileHeadStore;
  let edgetune: ReturnType<typeof appWith>;
  const request = (path: string, init?: RequestInit) => edgetune.app.request(path, init);
  const metrics = async () => (await (await request('/metrics')).json()) as { tensors: number; decoding: { bytes: number; peakBytes: number; images: number; refused: number }; training: unknown };

  beforeAll(async () => {
    await startTestWasm();
    const models = (await quickModels(29)).result;
    base = await serviceBase(models);
    store = await storeWithDigits(models);
    edgetune = appWith(base, store);
  });

  it('refuses a PNG decompression bomb without inflating it (422; decoding never held more than the header allows)', async () => {
    const res = await request('/v1/heads/digits/predict', post({ images: [{ png: b64(pngBomb(500)) }] }));
    const body = await problem(res, 422);
    expect(body.errors).toEqual([{ field: 'images[0].png', message: 'corrupt PNG (the image data inflates to more than the 2 bytes its header needs)' }]);
    const raw = await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'image/png' }, body: pngBomb(500) as unknown as BodyInit });
    expect((await problem(raw, 422)).detail).toMatch(/^body: corrupt PNG \(the image data inflates to more than/);
    const m = await metrics();
    expect(m.decoding.bytes).toBe(0);
    expect(m.decoding.peakBytes).toBeLessThan(NODE_LIMITS.maxDecodedPixels * 8);
  });

  it('reads PNG sizes only from a first, single IHDR: decoys and second headers are refused', async () => {
    for (const png of [decoyHeader(64, 64), twoHeaders(5000, 5000)]) {
      const body = await problem(await request('/v1/heads/digits/predict', post({ images: [{ png: b64(png) }] })), 422);
      expect(body.errors![0].message).toMatch(/first chunk is not IHDR|more than one IHDR/);
    }
  });

  it('caps the decoded pixels of a request before decoding any of its PNGs', async () => {
    const { images, refused } = (await metrics()).decoding;
    const big = b64(noisePng(2048, 2048));
    const res = await request('/v1/heads/digits/predict', post({ images: Array.from({ length: 5 }, () => ({ png: big })) }));
    const body = await problem(res, 422);
    expect(body.errors).toEqual([{ field: 'images', message: `the images hold ${5 * 2048 * 2048} pixels in all, over the limit of ${NODE_LIMITS.maxDecodedPixels} per request` }]);
    const after = (await metrics()).decoding;
    expect(after.images).toBe(images);
    expect(after.refused).toBe(refused + 5);
    const oversized = await request('/v1/heads/digits/predict', post({ images: [{ png: b64(noisePng(2049, 2048)) }] }));
    expect((await problem(oversized, 422)).detail).toMatch(/PNG of 2049x2048 pixels is over the limit of 4194304/);
  });

  it('reports the first invalid pixels and stops: 160 images of 784 bad values, and 200 bad train examples', async () => {
    const bad = Array.from({ length: 160 }, () => new Array(784).fill(7));
    const body = await problem(await request('/v1/heads/digits/predict', post({ images: bad })), 422);
    expect(body.errors).toHaveLength(MAX_FIELD_ERRORS);
    expect(body.errors![0]).toEqual({ field: 'images[0][0]', message: 'must be at most 1' });
    expect(body.detail).toBe(`more than ${MAX_FIELD_ERRORS} fields are invalid (the first ${MAX_FIELD_ERRORS} are listed)`);
    const examples = Array.from({ length: 200 }, (_, i) => ({ image: new Array(784).fill('x'), label: i % 2 ? 'a' : 'b' }));
    const train = await problem(await request('/v1/heads/bad/train', post({ labels: ['a', 'b'], examples }, { 'content-type': 'application/json', ...auth })), 422);
    expect(train.errors![0]).toEqual({ field: 'examples[0].image[0]', message: 'must be a finite number' });
  });

  it('treats head names that are Object.prototype keys as plain names', async () => {
    for (const name of ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf']) {
      await problem(await request(`/v1/heads/${name}`), 404);
      await problem(await request(`/v1/heads/${name}/versions`), 404);
      await problem(await request(`/v1/heads/${name}`, { method: 'DELETE', headers: auth }), 404);
      await problem(await request(`/v1/heads/${name}/rollback`, { method: 'POST', headers: auth }), 404);
      await problem(await request(`/v1/heads/${name}/predict`, post({ images: [white()] })), 404);
    }
    const { body } = await digitsRequest([1, 7], 3, 0);
    const trained = await request('/v1/heads/constructor/train', post({ ...body, epochs: 1 }, { 'content-type': 'application/json', ...auth }));
    expect(trained.status).toBe(200);
    expect((await (await request('/v1/heads')).json()) as { heads: Array<{ name: string }> }).toMatchObject({ heads: expect.arrayContaining([expect.objectContaining({ name: 'constructor' })]) });
    expect((await request('/v1/heads/constructor', { method: 'DELETE', headers: auth })).status).toBe(204);
  });

  it('limits training steps, not only epochs x examples: batchSize 1 cannot run for an hour', async () => {
    const examples = Array.from({ length: 2000 }, (_, i) => ({ image: white(), label: i % 2 ? 'a' : 'b' }));
    const res = await request('/v1/heads/slow/train', post({ labels: ['a', 'b'], examples, epochs: 20, batchSize: 1 }, { 'content-type': 'application/json', ...auth }));
    const body = await problem(res, 422);
    expect(body.errors).toEqual([{ field: 'batchSize', message: `20 epochs of batches of 1 make 40000 steps, over this server's limit of ${NODE_LIMITS.maxTrainSteps}` }]);
  });

  it('takes JSON media types with parameters and spacing, an empty optional body, and answers a wrong method with 405 and Allow', async () => {
    for (const type of ['application/json;', 'application/json ;charset=utf-8', 'Application/JSON; charset="utf-8"']) {
      const res = await request('/v1/heads/digits/predict', post({ images: [white()] }, { 'content-type': type }));
      expect(res.status, type).toBe(200);
    }
    const { body } = await digitsRequest([1, 7], 3, 0);
    for (let i = 0; i < 2; i++) await request('/v1/heads/roll/train', post({ ...body, epochs: 1 }, { 'content-type': 'application/json', ...auth }));
    const rolled = await request('/v1/heads/roll/rollback', { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: '' });
    expect(rolled.status).toBe(200);
    expect(((await rolled.json()) as { version: number }).version).toBe(1);
    const wrong = await request('/v1/heads/digits/predict', { method: 'GET' });
    expect((await problem(wrong, 405)).type).toBe('urn:edgetune:problem:method-not-allowed');
    expect(wrong.headers.get('allow')).toBe('POST');
    const put = await request('/v1/heads/digits', { method: 'PUT' });
    await problem(put, 405);
    expect(put.headers.get('allow')).toBe('DELETE, GET, HEAD');
  });

  it('logs a training failure on the SSE path as on the JSON path', async () => {
    const failures: unknown[] = [];
    const broken = { ...store, list: () => store.list(), get: (n: string) => store.get(n), put: () => Promise.reject(new Error('disk on fire')) } as unknown as FileHeadStore;
    const failing = appWith(base, broken, {}, (err) => failures.push(err));
    const { body } = await digitsRequest([1, 7], 3, 0);
    const headers = { 'content-type': 'application/json', ...auth };
    await problem(await failing.app.request('/v1/heads/f/train', post({ ...body, epochs: 1 }, headers)), 500);
    const sse = await failing.app.request('/v1/heads/f/train', post({ ...body, epochs: 1 }, { ...headers, accept: 'text/event-stream' }));
    const events = parseSse(await sse.text());
    expect(events[events.length - 1]).toMatchObject({ event: 'error', data: { status: 500, type: 'urn:edgetune:problem:internal' } });
    expect(failures.map((e) => (e as Error).message)).toEqual(['disk on fire', 'disk on fire']);
    failing.dispose();
  });

  it('frees every tensor and decode buffer after hostile requests', async () => {
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      await request('/v1/heads/digits/predict', post({ images: [{ png: b64(pngBomb(20)) }, white()] }));
      await request('/v1/heads/digits/predict', post({ images: [white(), new Array(784).fill(2)] }));
      await request('/v1/heads/digits/predict', post({ images: [white()] }));
    }
    const m = await metrics();
    expect(m.tensors).toBe(before);
    expect(tf.memory().numTensors).toBe(before);
    expect(m.decoding.bytes).toBe(0);
  });
});
