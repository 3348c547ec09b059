import * as tf from '@tensorflow/tfjs';
import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TransferResult } from '../../src/core/experiment/transfer.js';
import type { EdgetuneApp } from '../../src/service/app.js';
import type { ServiceBase } from '../../src/service/deps.js';
import { NODE_LIMITS } from '../../src/service/limits.js';
import type { FileHeadStore } from '../../src/runtimes/node/file-head-store.js';
import { startTestWasm } from '../helpers/backend.js';
import { mnist } from '../helpers/mnist.js';
import { quickModels } from '../helpers/models.js';
import { appWith, digitsRequest, parseSse, pixelsOf, serviceBase, storeWithDigits, TOKEN } from '../helpers/service.js';

const auth = { authorization: `Bearer ${TOKEN}` };
/** A binary body (no Content-Type is implied, unlike a string body's text/plain). */
const bytes = (data: Uint8Array) => data as unknown as BodyInit;
const json = { 'content-type': 'application/json' };
const post = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { ...json, ...headers },
  body: typeof body === 'string' ? body : JSON.stringify(body),
});

async function expectProblem(res: Response, status: number, type: string, detail?: RegExp) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toBe('application/problem+json');
  const body = (await res.json()) as { type: string; title: string; status: number; detail: string; errors?: Array<{ field: string; message: string }> };
  expect(body.type).toBe(`urn:edgetune:problem:${type}`);
  expect(body.status).toBe(status);
  expect(body.title).toBeTruthy();
  if (detail) expect(body.detail).toMatch(detail);
  return body;
}

describe('the Hono app (app.request)', () => {
  let models: TransferResult;
  let base: ServiceBase;
  let store: FileHeadStore;
  let edgetune: EdgetuneApp;
  let testImages: number[][];
  let testLabels: number[];

  beforeAll(async () => {
    await startTestWasm();
    models = (await quickModels(13)).result;
    base = await serviceBase(models);
    store = await storeWithDigits(models);
    edgetune = appWith(base, store);
    const data = await mnist();
    testImages = Array.from({ length: 40 }, (_, i) => pixelsOf(data.test.images, i));
    testLabels = Array.from(data.test.labels.subarray(0, 40));
  });

  const request = (path: string, init?: RequestInit) => edgetune.app.request(path, init);

  it('GET /healthz reports the backend and base hash', async () => {
    const res = await request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', backend: { name: 'wasm', simd: true, threads: 2 }, base: { hash: base.hash } });
  });

  it('GET /v1/model describes the base', async () => {
    const body = (await (await request('/v1/model')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ hash: base.hash, inputShape: [28, 28, 1], featureSize: 4608, params: { total: 9568 }, dataset: 'mnist', classes: [5, 6, 7, 8, 9] });
    expect((body.layers as unknown[]).length).toBe(7);
  });

  it('GET /v1/heads and /v1/heads/{name} list heads with labels, versions and metrics', async () => {
    const list = (await (await request('/v1/heads')).json()) as { heads: Array<Record<string, unknown>> };
    expect(list.heads.map((h) => h.name)).toContain('digits');
    const head = (await (await request('/v1/heads/digits')).json()) as Record<string, unknown>;
    expect(head).toMatchObject({ name: 'digits', version: 1, labels: ['0', '1', '2', '3', '4'], baseHash: base.hash });
    expect((head.metrics as Record<string, number>).testAccuracy).toBeGreaterThan(0.5);
    const versions = (await (await request('/v1/heads/digits/versions')).json()) as Record<string, unknown>;
    expect(versions).toMatchObject({ name: 'digits', current: 1 });
  });

  it('serves the base files for clients that run it themselves', async () => {
    const res = await request('/models/base/weights.bin');
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(models.base['weights.bin']));
    const etag = res.headers.get('etag')!;
    expect((await request('/models/base/weights.bin', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect(JSON.parse(await (await request('/models/base/model.json')).text()).modelTopology).toBeDefined();
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

  describe('rejects bad input with problem+json, never a 500', () => {
    const predict = (images: unknown) => request('/v1/heads/digits/predict', post({ images }));
    it('wrong shapes', async () => {
      const body = await expectProblem(await predict([[0.5, 0.5]]), 422, 'validation');
      expect(body.errors!.some((e) => e.field === 'images[0]')).toBe(true);
      const rows = await expectProblem(await predict([Array.from({ length: 28 }, () => [0.1])]), 422, 'validation');
      expect(rows.errors![0].field).toMatch(/^images\[0\]\[0\]/);
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
    it('write routes without a valid token (401)', async () => {
      const attempts: Array<Record<string, string>> = [{}, { authorization: 'Bearer wrong-token' }, { authorization: 'Basic abc' }];
      for (const headers of attempts) {
        const res = await request('/v1/heads/x/train', post({}, headers));
        await expectProblem(res, 401, 'unauthorized');
        expect(res.headers.get('www-authenticate')).toContain('Bearer');
        await expectProblem(await request('/v1/heads/digits', { method: 'DELETE', headers }), 401, 'unauthorized');
        await expectProblem(await request('/v1/heads/digits/rollback', post({}, headers)), 401, 'unauthorized');
      }
    });
    it('train bodies: unknown labels, empty examples, duplicate labels, labels without examples', async () => {
      const train = (body: unknown) => request('/v1/heads/x/train', post(body, auth));
      const one = { image: testImages[0], label: 'a' };
      let body = await expectProblem(await train({ labels: ['a', 'b'], examples: [one, { ...one, label: 'zzz' }] }), 422, 'validation');
      expect(body.errors).toContainEqual({ field: 'examples[1].label', message: '"zzz" is not one of labels' });
      expect(body.errors).toContainEqual({ field: 'labels[1]', message: 'no example has label "b"' });
      await expectProblem(await train({ labels: ['a', 'b'], examples: [] }), 422, 'validation', /examples: must have at least 1 items/);
      body = await expectProblem(await train({ labels: ['a', 'a'], examples: [one] }), 422, 'validation');
      expect(body.errors).toContainEqual({ field: 'labels[1]', message: 'duplicate label "a"' });
      await expectProblem(await train({ labels: ['a'], examples: [one] }), 422, 'validation', /labels: must have at least 2 items/);
      await expectProblem(await train({ labels: ['a', 'b'], examples: [one, { ...one, label: 'b' }], epochs: 0 }), 422, 'validation', /epochs: must be at least 1/);
      const capped = appWith(base, store, { limits: { ...NODE_LIMITS, maxTrainWork: 100 } });
      const tooMuch = await capped.app.request('/v1/heads/x/train', post({ labels: ['a', 'b'], examples: [one, { ...one, label: 'b' }], epochs: 60 }, auth));
      await expectProblem(tooMuch, 422, 'validation', /epochs: epochs x examples = 120 is over this server's limit of 100/);
      capped.dispose();
      expect(await store.get('x')).toBeUndefined();
    });
  });

  it('trains a head from 30 real examples per class over JSON; it predicts real test digits', async () => {
    const { body, test } = await digitsRequest([0, 1, 2, 3, 4], 30, 200);
    const res = await request('/v1/heads/five/train', post({ ...body, validationSplit: 0.2 }, auth));
    expect(res.status).toBe(200);
    const result = (await res.json()) as { head: { name: string; version: number; labels: string[]; metrics: Record<string, number> }; epochs: Array<Record<string, number | null>> };
    expect(result.head).toMatchObject({ name: 'five', version: 1, labels: ['0', '1', '2', '3', '4'] });
    expect(result.epochs.length).toBeGreaterThanOrEqual(5);
    expect(result.epochs[0].valAccuracy).not.toBeNull();
    expect(result.head.metrics.valAccuracy).toBeGreaterThan(0.8);
    const predicted = (await (await request('/v1/heads/five/predict', post({ images: test.images }))).json()) as { predictions: Array<{ label: string }> };
    const accuracy = predicted.predictions.filter((p, i) => p.label === test.labels[i]).length / test.labels.length;
    expect(accuracy).toBeGreaterThan(0.85);
  });

  it('streams SSE: one epoch event per epoch, then done with the stored version', async () => {
    const { body } = await digitsRequest([1, 7], 10, 0);
    const res = await request('/v1/heads/ones-sevens/train', post({ ...body, epochs: 3 }, { ...auth, accept: 'text/event-stream' }));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const events = parseSse(await res.text());
    expect(events.map((e) => e.event)).toEqual(['epoch', 'epoch', 'epoch', 'done']);
    expect(Object.keys(events[0].data as object).sort()).toEqual(['accuracy', 'epoch', 'loss', 'seconds', 'valAccuracy', 'valLoss']);
    expect((events[2].data as { epoch: number }).epoch).toBe(3);
    expect(events[3].data).toMatchObject({ version: 1, head: { name: 'ones-sevens', version: 1 } });
  });

  it('versions: training again adds a version; rollback and delete', async () => {
    const { body } = await digitsRequest([1, 7], 5, 0);
    await request('/v1/heads/twice/train', post({ ...body, epochs: 1 }, auth));
    const second = (await (await request('/v1/heads/twice/train', post({ ...body, epochs: 2 }, auth))).json()) as { head: { version: number } };
    expect(second.head.version).toBe(2);
    const versions = (await (await request('/v1/heads/twice/versions')).json()) as { current: number; versions: Array<{ version: number }> };
    expect(versions.current).toBe(2);
    expect(versions.versions.map((v) => v.version)).toEqual([1, 2]);
    const rolled = await request('/v1/heads/twice/rollback', post({}, auth));
    expect(((await rolled.json()) as { version: number }).version).toBe(1);
    const pinned = await request('/v1/heads/twice/rollback', post({ version: 2 }, auth));
    expect(((await pinned.json()) as { version: number }).version).toBe(2);
    await expectProblem(await request('/v1/heads/twice/rollback', post({ version: 9 }, auth)), 404, 'not-found', /has no version 9/);
    const predict = await request('/v1/heads/twice/predict', post({ images: [testImages[0]] }));
    expect(((await predict.json()) as { head: { version: number } }).head.version).toBe(2);
    // A version asked for by number is served exactly, beside the current one.
    for (const version of [1, 2, 1]) {
      const res = await request(`/v1/heads/twice/predict?version=${version}`, post({ images: [testImages[0]] }));
      expect(((await res.json()) as { head: { version: number } }).head.version).toBe(version);
    }
    await expectProblem(await request('/v1/heads/twice/predict?version=3', post({ images: [testImages[0]] })), 404, 'not-found', /has no version 3/);
    for (const bad of ['0', '-1', '1.5', 'x', '1e400']) {
      const body = await expectProblem(await request(`/v1/heads/twice/predict?version=${bad}`, post({ images: [testImages[0]] })), 422, 'validation');
      expect(body.errors?.[0].field).toBe('version');
    }
    expect((await request('/v1/heads/twice', { method: 'DELETE', headers: auth })).status).toBe(204);
    await expectProblem(await request('/v1/heads/twice/predict', post({ images: [testImages[0]] })), 404, 'not-found');
    await expectProblem(await request('/v1/heads/twice', { method: 'DELETE', headers: auth }), 404, 'not-found');
  });

  it('runs one training job at a time (409 + Retry-After) and keeps serving predictions meanwhile', async () => {
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let paused = false;
    const gated = appWith(base, store, {
      pause: async () => {
        paused = true;
        await held;
      },
    });
    const { body } = await digitsRequest([1, 7], 5, 0);
    const first = gated.app.request('/v1/heads/slow/train', post({ ...body, epochs: 1 }, auth));
    while (!paused) await new Promise((r) => setTimeout(r, 5));
    const second = await gated.app.request('/v1/heads/other/train', post({ ...body, epochs: 1 }, auth));
    const problem = await expectProblem(second, 409, 'training-busy', /head "slow"/);
    expect(problem.detail).toContain('one runs at a time');
    expect(second.headers.get('retry-after')).toBe('5');
    const during = await gated.app.request('/v1/heads/digits/predict', post({ images: [testImages[0]] }));
    expect(during.status).toBe(200);
    release();
    expect((await first).status).toBe(200);
    const after = await gated.app.request('/v1/heads/other/train', post({ ...body, epochs: 1 }, auth));
    expect(after.status).toBe(200);
    gated.dispose();
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

  it('predicts real test digits correctly with the transfer head', async () => {
    const res = await request('/v1/heads/digits/predict', post({ images: testImages }));
    const { predictions } = (await res.json()) as { predictions: Array<{ label: string }> };
    const seen = testLabels.map((l, i) => [l, predictions[i].label] as const).filter(([l]) => l < 5);
    expect(seen.filter(([l, p]) => String(l) === p).length / seen.length).toBeGreaterThan(0.8);
  });

  it('publishes an OpenAPI 3.1 document with every route', async () => {
    const doc = (await (await request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz', '/metrics', '/v1/heads', '/v1/heads/{name}', '/v1/heads/{name}/predict', '/v1/heads/{name}/rollback', '/v1/heads/{name}/train', '/v1/heads/{name}/versions', '/v1/model',
    ]);
    expect(Object.keys(doc.paths['/v1/heads/{name}'])).toEqual(['get', 'delete']);
  });
});
