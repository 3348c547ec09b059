import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectClasses, type ClassSet } from '../../../src/core/data/dataset.js';
import { startTestWasm } from '../../helpers/backend.js';
import { colourDigitJpeg, colourModels } from '../../helpers/colour-digits.js';
import { mnist } from '../../helpers/mnist.js';
import { bytes } from '../../helpers/requests.js';
import { bundleWorker, workerdOptions } from '../../../harness/workerd.js';

const TOKEN = 'colour-token';
const json = { 'content-type': 'application/json' };
const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

/** The deployable bundle (real workerd, through Miniflare) on a base of another input shape than the seed's. */
describe('a 32x32x3 base in workerd', () => {
  let mf: Miniflare;
  let request: (path: string, init?: RequestInit) => Promise<Response>;
  let test: ClassSet;

  beforeAll(async () => {
    await startTestWasm();
    test = selectClasses((await mnist()).test, [0, 1, 2, 3, 4], 200);
    const { bundle, assets } = await bundleWorker((await colourModels(6)).out);
    mf = new Miniflare(workerdOptions(bundle, assets, { EDGETUNE_TOKEN: TOKEN }));
    const worker = await mf.getWorker();
    request = (path, init) => worker.fetch(`http://edgetune${path}`, init as never) as unknown as Promise<Response>;
  }, 300_000);
  afterAll(async () => {
    await mf?.dispose();
  });

  it('trains a head from colour JPEGs and predicts colour JPEG bodies, converting them to its shape; refuses pixel lists of the seed shape', async () => {
    expect(await (await request('/v1/model')).json()).toMatchObject({ inputShape: [32, 32, 3], fit: 'resize' });
    const examples = Array.from({ length: 150 }, (_, i) => ({ image: { jpeg: b64(colourDigitJpeg(test, i)) }, label: String(test.classes[test.labels[i]]) }));
    const trained = await request('/v1/heads/colour/train', {
      method: 'POST',
      headers: { ...json, authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify({ labels: ['0', '1', '2', '3', '4'], examples }),
    });
    expect(trained.status, await trained.clone().text()).toBe(200);
    expect(((await (await request('/v1/heads/colour')).json()) as { input: unknown }).input).toEqual({ rows: 32, cols: 32, channels: 3, fit: 'resize' });

    let right = 0;
    for (let i = 150; i < 180; i++) {
      const res = await request('/v1/heads/colour/predict', { method: 'POST', headers: { 'content-type': 'image/jpeg' }, body: bytes(colourDigitJpeg(test, i)) });
      expect(res.status, await res.clone().text()).toBe(200);
      const { predictions } = (await res.json()) as { predictions: Array<{ label: string }> };
      if (predictions[0].label === String(test.classes[test.labels[i]])) right++;
    }
    expect(right).toBeGreaterThanOrEqual(21);

    const seedShaped = await request('/v1/heads/colour/predict', { method: 'POST', headers: json, body: JSON.stringify({ images: [new Array(784).fill(0.5)] }) });
    expect(seedShaped.status).toBe(422);
    expect(JSON.stringify(await seedShaped.json())).toMatch(/must be 3072 numbers in \[0, 1\], 32 rows of 96 numbers/);
  });
});
