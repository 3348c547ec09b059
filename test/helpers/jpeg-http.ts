import { encode } from 'fast-png';
import { expect } from 'vitest';
import { badJpegs, colourJpeg, inkOnPaper } from './jpeg.js';
import { mnist } from './mnist.js';

const b64 = (data: Uint8Array) => Buffer.from(data).toString('base64');

/**
 * JPEG wherever a PNG goes, against a running server (Node or workerd) over
 * real HTTP: real MNIST digits as colour JPEGs predict what PNGs of the same
 * pixels predict ({"jpeg"}, sniffed {"image"}, concurrent image/jpeg
 * bodies); bad JPEGs are 422s naming the field, in predict and train, and a
 * refused train stores nothing; tensors stay as they were.
 */
export async function jpegsOverHttp(url: string, token: string, head: string): Promise<void> {
  const digits = (await mnist()).test.images;
  const inks = Array.from({ length: 8 }, (_, i) => digits.subarray(i * 784, (i + 1) * 784));
  const jpegs = inks.map((ink) => colourJpeg(ink, 28, 28, { scale: 2 }));
  const pngs = inks.map((ink) => encode({ ...inkOnPaper(ink, 28, 28, { scale: 2 }), channels: 4, depth: 8 }));
  const post = (path: string, body: BodyInit, type = 'application/json') =>
    fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': type, authorization: `Bearer ${token}` }, body });
  const predict = (body: BodyInit, type?: string) => post(`/v1/heads/${head}/predict`, body, type);
  const labels = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBe(200);
    return ((await res.json()) as { predictions: Array<{ label: string }> }).predictions.map((p) => p.label);
  };
  const problem = async (res: Response) => {
    expect(res.status, await res.clone().text()).toBe(422);
    expect(res.headers.get('content-type')).toBe('application/problem+json');
    return ((await res.json()) as { errors: Array<{ field: string; message: string }> }).errors;
  };
  const tensors = async () => ((await (await fetch(`${url}/metrics`)).json()) as { tensors: number }).tensors;

  const fromPng = await labels(await predict(JSON.stringify({ images: pngs.map((png) => ({ png: b64(png) })) })));
  const before = await tensors();
  expect(await labels(await predict(JSON.stringify({ images: jpegs.map((jpeg) => ({ jpeg: b64(jpeg) })) })))).toEqual(fromPng);
  expect(await labels(await predict(JSON.stringify({ images: jpegs.map((jpeg) => ({ image: b64(jpeg) })) })))).toEqual(fromPng);
  const concurrent = await Promise.all(jpegs.map(async (jpeg) => (await labels(await predict(jpeg as unknown as BodyInit, 'image/jpeg')))[0]));
  expect(concurrent).toEqual(fromPng);

  for (const bad of badJpegs(jpegs[0])) {
    const [inJson] = await problem(await predict(JSON.stringify({ images: [{ jpeg: b64(jpegs[1]) }, { image: b64(bad.bytes) }] })));
    expect(inJson.field).toBe('images[1].image');
    expect(inJson.message, bad.name).toMatch(bad.message);
    const [asBody] = await problem(await predict(bad.bytes as unknown as BodyInit, 'image/jpeg'));
    expect(asBody.field).toBe('body');
    expect(asBody.message, bad.name).toMatch(bad.message);
  }
  const [mismatch] = await problem(await predict(JSON.stringify({ images: [{ png: b64(jpegs[0]) }] })));
  expect(mismatch).toEqual({ field: 'images[0].png', message: 'a JPEG image, not a PNG' });
  expect(await tensors()).toBe(before);

  const examples = jpegs.map((jpeg, i) => ({ image: { jpeg: b64(jpeg) }, label: i < 4 ? 'first' : 'second' }));
  for (const bad of badJpegs(jpegs[0])) {
    const train = JSON.stringify({ labels: ['first', 'second'], examples: [...examples, { image: { jpeg: b64(bad.bytes) }, label: 'first' }], epochs: 2 });
    const [error] = await problem(await post('/v1/heads/jpeg-refused/train', train));
    expect(error.field).toBe('examples[8].image.jpeg');
    expect(error.message, bad.name).toMatch(bad.message);
  }
  expect((await fetch(`${url}/v1/heads/jpeg-refused`)).status).toBe(404);
  const trained = await post('/v1/heads/from-jpegs/train', JSON.stringify({ labels: ['first', 'second'], examples, epochs: 2 }));
  expect(trained.status, await trained.clone().text()).toBe(200);
  const [label] = await labels(await post('/v1/heads/from-jpegs/predict', jpegs[0] as unknown as BodyInit, 'image/jpeg'));
  expect(['first', 'second']).toContain(label);
}
