import * as tf from '@tensorflow/tfjs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectClasses, type ClassSet } from '../../src/core/data/dataset.js';
import { FileHeadStore } from '../../src/runtimes/node/file-head-store.js';
import { startTestWasm } from '../helpers/backend.js';
import { colourDigitJpeg, colourModels } from '../helpers/colour-digits.js';
import { mnist } from '../helpers/mnist.js';
import { auth, expectProblem, post } from '../helpers/requests.js';
import { appWith, serviceBase } from '../helpers/service.js';

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

describe('a base of another input shape (32x32x3) served by the app', () => {
  let request: (path: string, init?: RequestInit) => Promise<Response>;
  let test: ClassSet;
  const jpegOf = (i: number) => colourDigitJpeg(test, i);

  beforeAll(async () => {
    await startTestWasm();
    test = selectClasses((await mnist()).test, [0, 1, 2, 3, 4], 200);
    const { result } = await colourModels();
    const base = await serviceBase(result);
    const store = new FileHeadStore(await mkdtemp(path.join(os.tmpdir(), 'edgetune-colour-')));
    const edgetune = appWith(base, store);
    request = async (p, init) => edgetune.app.request(p, init);
  }, 300_000);

  it('describes its input, trains a head from colour JPEGs, and predicts colour JPEGs of another size', async () => {
    const model = (await (await request('/v1/model')).json()) as { inputShape: number[]; fit: string };
    expect(model).toMatchObject({ inputShape: [32, 32, 3], fit: 'resize' });

    const examples = Array.from({ length: 150 }, (_, i) => ({ image: { image: b64(jpegOf(i)) }, label: String(test.classes[test.labels[i]]) }));
    const trained = await request('/v1/heads/colour/train', post({ labels: ['0', '1', '2', '3', '4'], examples, validationSplit: 0.2 }, auth));
    expect(trained.status, await trained.clone().text()).toBe(200);
    const head = (await (await request('/v1/heads/colour')).json()) as { input: unknown };
    expect(head.input).toEqual({ rows: 32, cols: 32, channels: 3, fit: 'resize' });

    // The first predict loads the head (its weights stay cached); what a request makes must not.
    await request('/v1/heads/colour/predict', post({ images: [{ jpeg: b64(jpegOf(0)) }] }));
    const before = tf.memory().numTensors;
    const held = Array.from({ length: 50 }, (_, k) => 150 + k);
    const res = await request('/v1/heads/colour/predict', post({ images: held.map((i) => ({ jpeg: b64(jpegOf(i)) })) }));
    expect(res.status, await res.clone().text()).toBe(200);
    const { predictions } = (await res.json()) as { predictions: Array<{ label: string }> };
    const right = predictions.filter((p, k) => p.label === String(test.classes[test.labels[held[k]]])).length;
    expect(right / held.length).toBeGreaterThan(0.7);
    expect(tf.memory().numTensors).toBe(before);
  });

  it("takes pixel lists of its own shape and refuses the seed's 784, naming the shape it needs", async () => {
    await request('/v1/heads/colour/train', post({ labels: ['a', 'b'], examples: [0, 1, 2, 3].map((i) => ({ image: new Array(32 * 32 * 3).fill(i / 4), label: i % 2 ? 'a' : 'b' })), epochs: 1 }, auth));
    const flat = await request('/v1/heads/colour/predict', post({ images: [new Array(32 * 32 * 3).fill(0.5), Array.from({ length: 32 }, () => new Array(96).fill(0.2))] }));
    expect(flat.status, await flat.clone().text()).toBe(200);
    const body = await expectProblem(await request('/v1/heads/colour/predict', post({ images: [new Array(784).fill(0.5)] })), 422, 'validation');
    expect(body.errors).toEqual([{ field: 'images[0]', message: expect.stringMatching(/^must be 3072 numbers in \[0, 1\], 32 rows of 96 numbers .*the base takes 32x32x3 images, RGB interleaved/) }]);
  });
});
