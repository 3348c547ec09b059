import * as tf from '@tensorflow/tfjs';
import { encode } from 'fast-png';
import { beforeAll, describe, expect, it } from 'vitest';
import { auth, bytes, expectProblem, post } from '../helpers/requests.js';
import { appSetup, type AppSetup } from '../helpers/service.js';
import { badJpegs, colourJpeg, grayJpeg, inkBytes, inkOnPaper } from '../helpers/jpeg.js';

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

interface Prediction {
  label: string;
  confidence: number;
  probabilities: Record<string, number>;
}

describe('images over HTTP: JPEG wherever PNG goes (app.request)', () => {
  let request: AppSetup['request'];
  let testImages: number[][];
  let jpegs: Uint8Array[];
  let pngs: Uint8Array[];

  const predictions = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { predictions: Prediction[] }).predictions;
  };
  const metrics = async () => (await (await request('/metrics')).json()) as { tensors: number; decoding: { bytes: number; images: number; refused: number } };

  beforeAll(async () => {
    ({ request, testImages } = await appSetup());
    // Ink on coloured paper at twice the size, as a JPEG and (the same pixels) as a PNG.
    jpegs = testImages.slice(0, 10).map((p) => colourJpeg(inkBytes(p), 28, 28, { scale: 2 }));
    pngs = testImages.slice(0, 10).map((p) => encode({ ...inkOnPaper(inkBytes(p), 28, 28, { scale: 2 }), channels: 4, depth: 8 }));
  });

  it('a colour JPEG digit predicts what the PNG of the same digit does, as {"jpeg"}, sniffed {"image"} and an image/jpeg body', async () => {
    const fromPng = await predictions(await request('/v1/heads/digits/predict', post({ images: pngs.map((png) => ({ png: b64(png) })) })));
    const fromJpeg = await predictions(await request('/v1/heads/digits/predict', post({ images: jpegs.map((jpeg) => ({ jpeg: b64(jpeg) })) })));
    const sniffed = await predictions(await request('/v1/heads/digits/predict', post({ images: jpegs.map((jpeg, i) => ({ image: b64(i % 2 ? jpeg : pngs[i]) })) })));
    fromJpeg.forEach((p, i) => {
      expect(p.label, `digit ${i}`).toBe(fromPng[i].label);
      expect(Math.abs(p.confidence - fromPng[i].confidence)).toBeLessThan(0.1);
      expect(sniffed[i].label).toBe(fromPng[i].label);
    });
    const [raw] = await predictions(await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes(jpegs[3]) }));
    expect(raw.probabilities).toEqual(fromJpeg[3].probabilities);
  });

  it('a gray JPEG (baseline or progressive) predicts exactly what a PNG of the same pixels does', async () => {
    const digit = inkBytes(testImages[4]);
    const big = new Uint8Array(224 * 224).map((_, i) => digit[Math.floor(i / 224 / 8) * 28 + Math.floor((i % 224) / 8)]);
    const png = encode({ width: 224, height: 224, channels: 1, depth: 8, data: big });
    const [a, b, c] = await predictions(
      await request('/v1/heads/digits/predict', post({ images: [{ png: b64(png) }, { jpeg: b64(grayJpeg(digit, 28, 28)) }, { image: b64(grayJpeg(digit, 28, 28, { progressive: true })) }] })),
    );
    expect(b.probabilities).toEqual(a.probabilities);
    expect(c.probabilities).toEqual(a.probabilities);
  });

  it('documents the forms in the OpenAPI document', async () => {
    const doc = (await (await request('/openapi.json')).json()) as {
      components: { schemas: { Image: { oneOf: Array<{ required?: string[] }> } } };
      paths: Record<string, { post: { requestBody: { content: Record<string, unknown> } } }>;
    };
    expect(doc.components.schemas.Image.oneOf.flatMap((form) => form.required ?? [])).toEqual(['png', 'jpeg', 'image']);
    expect(Object.keys(doc.paths['/v1/heads/{name}/predict'].post.requestBody.content)).toEqual(['application/json', 'image/png', 'image/jpeg']);
  });

  it('refuses a format other than the one declared, naming the field', async () => {
    const body = await expectProblem(
      await request('/v1/heads/digits/predict', post({ images: [{ png: b64(jpegs[0]) }, { jpeg: b64(pngs[0]) }, { image: b64(new TextEncoder().encode('GIF89a...')) }] })),
      422,
      'validation',
    );
    expect(body.errors).toEqual([
      { field: 'images[0].png', message: 'a JPEG image, not a PNG' },
      { field: 'images[1].jpeg', message: 'a PNG image, not a JPEG' },
      { field: 'images[2].image', message: 'not a PNG or JPEG image' },
    ]);
    const raw = (type: string, data: Uint8Array) => request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': type }, body: bytes(data) });
    await expectProblem(await raw('image/png', jpegs[0]), 422, 'validation', /^body: a JPEG image, not a PNG$/);
    await expectProblem(await raw('image/jpeg', pngs[0]), 422, 'validation', /^body: a PNG image, not a JPEG$/);
    await expectProblem(await raw('image/jpeg', new Uint8Array()), 422, 'validation', /send one JPEG image/);
    const two = await expectProblem(await request('/v1/heads/digits/predict', post({ images: [{ png: b64(pngs[0]), jpeg: b64(jpegs[0]) }] })), 422, 'validation');
    expect(two.errors![0]).toEqual({ field: 'images[0]', message: 'unknown field jpeg (one of png, jpeg, image per image)' });
    await expectProblem(await request('/v1/heads/digits/predict', post({ images: [{ jpeg: '@@@@' }] })), 422, 'validation', /images\[0\]\.jpeg: must be a base64 string/);
  });

  it('refuses truncated, corrupt, unsupported and oversized JPEGs by field, the oversized one before decoding anything', async () => {
    const bad = badJpegs(jpegs[0]);
    const before = await metrics();
    const body = await expectProblem(await request('/v1/heads/digits/predict', post({ images: bad.map((b) => ({ jpeg: b64(b.bytes) })) })), 422, 'validation');
    // Header problems are reported together; a scan cut short and a size over the limit are looked at once every header is sound.
    expect(body.errors!.map((e) => e.field)).toEqual(['images[0].jpeg', 'images[2].jpeg', 'images[3].jpeg']);
    bad.forEach((b, i) => {
      const error = body.errors!.find((e) => e.field === `images[${i}].jpeg`);
      if (error) expect(error.message, b.name).toMatch(b.message);
    });
    for (const b of bad) {
      const res = await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes(b.bytes) });
      const problem = await expectProblem(res, 422, 'validation');
      expect(problem.errors![0].field).toBe('body');
      expect(problem.errors![0].message, b.name).toMatch(b.message);
    }
    const after = await metrics();
    expect(after.decoding.images).toBe(before.decoding.images);
    expect(after.decoding.bytes).toBe(0);
    expect(after.tensors).toBe(before.tensors);
  });

  it('trains on JPEG and PNG examples, and stores nothing when one of them is bad', async () => {
    const examples = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ image: i % 2 ? { jpeg: b64(jpegs[i]) } : { image: b64(pngs[i]) }, label: i < 4 ? 'a' : 'b' }));
    const res = await request('/v1/heads/from-jpegs/train', post({ labels: ['a', 'b'], examples, epochs: 2 }, auth));
    expect(res.status, await res.clone().text()).toBe(200);
    expect(((await res.json()) as { head: { version: number } }).head.version).toBe(1);

    for (const bad of badJpegs(jpegs[0])) {
      const refused = await request('/v1/heads/never/train', post({ labels: ['a', 'b'], examples: [...examples, { image: { image: b64(bad.bytes) }, label: 'a' }], epochs: 2 }, auth));
      const problem = await expectProblem(refused, 422, 'validation');
      expect(problem.errors![0].field).toBe('examples[8].image.image');
      expect(problem.errors![0].message, bad.name).toMatch(bad.message);
    }
    await expectProblem(await request('/v1/heads/never'), 404, 'not-found');
  });

  it('answers concurrent JPEG predictions as sequential ones, and leaves no tensors behind', async () => {
    const one = async (i: number) => (await predictions(await request('/v1/heads/digits/predict', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes(jpegs[i]) })))[0];
    const sequential: Prediction[] = [];
    for (let i = 0; i < 10; i++) sequential.push(await one(i));
    const tensors = tf.memory().numTensors;
    const concurrent = await Promise.all(Array.from({ length: 10 }, (_, i) => one(i)));
    concurrent.forEach((p, i) => {
      expect(p.label).toBe(sequential[i].label);
      for (const k of Object.keys(p.probabilities)) expect(p.probabilities[k]).toBeCloseTo(sequential[i].probabilities[k], 6);
    });
    expect(tf.memory().numTensors).toBe(tensors);
  });
});
