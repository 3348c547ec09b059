import { setTimeout as sleep } from 'node:timers/promises';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWasm } from '../../helpers/backend.js';
import { quickModels } from '../../helpers/models.js';
import { digitsRequest } from '../../helpers/service.js';
import { bundleWorker, workerdOptions } from '../../../harness/workerd.js';

const TOKEN = 'isolates-token';
const TTL_S = 2;
const json = { 'content-type': 'application/json' };

/**
 * Two isolates on one head index, as two locations of a deployment are:
 * the deployable bundle twice in one workerd (Miniflare), worker "b" bound
 * to worker "a"'s HeadIndex Durable Object and the same R2 bucket.
 */
describe('two isolates on one head index (real workerd)', () => {
  let mf: Miniflare;
  let a: (path: string, init?: RequestInit) => Promise<Response>;
  let b: (path: string, init?: RequestInit) => Promise<Response>;

  beforeAll(async () => {
    await startTestWasm();
    const { bundle, assets } = await bundleWorker((await quickModels(37)).out);
    const vars = { EDGETUNE_TOKEN: TOKEN, HEAD_INDEX_TTL_SECONDS: String(TTL_S) };
    mf = new Miniflare({ workers: [{ name: 'a', ...workerdOptions(bundle, assets, vars) }, { name: 'b', ...workerdOptions(bundle, assets, vars, 'a') }] });
    await mf.ready;
    const [wa, wb] = [await mf.getWorker('a'), await mf.getWorker('b')];
    const via = (w: typeof wa) => (path: string, init?: RequestInit) => w.fetch(`http://edgetune${path}`, init as never) as unknown as Promise<Response>;
    [a, b] = [via(wa), via(wb)];
  });
  afterAll(async () => {
    await mf?.dispose();
  });

  it("serves a version trained in another isolate within the window, and at once when asked for by number", async () => {
    const { body, test } = await digitsRequest([2, 7], 10, 1);
    const train = async () => {
      const res = await a('/v1/heads/shared/train', { method: 'POST', headers: { ...json, authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ...body, epochs: 1 }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { head: { version: number } }).head.version;
    };
    const predict = async (query = '') => {
      const res = await b(`/v1/heads/shared/predict${query}`, { method: 'POST', headers: json, body: JSON.stringify({ images: test.images }) });
      expect(res.status).toBe(200);
      return ((await res.json()) as { head: { version: number } }).head.version;
    };
    const first = await train();
    expect(await predict(`?version=${first}`)).toBe(first);
    const second = await train();
    const committed = Date.now();
    // Unpinned, the other isolate serves it within the window (its record of the head is from before the commit).
    let seen = await predict();
    while (seen !== second && Date.now() - committed < TTL_S * 1000 + 1000) {
      await sleep(100);
      seen = await predict();
    }
    expect(seen).toBe(second);
    expect(Date.now() - committed).toBeLessThanOrEqual(TTL_S * 1000 + 1000);
    // Asked for by number, a newer version serves at once in the other isolate, though its record is fresh.
    const third = await train();
    expect(await predict(`?version=${third}`)).toBe(third);
  });

  it('a head deleted in one isolate is gone from the other within the window', async () => {
    const { body, test } = await digitsRequest([1, 4], 10, 1);
    expect((await a('/v1/heads/doomed/train', { method: 'POST', headers: { ...json, authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ...body, epochs: 1 }) })).status).toBe(200);
    const predict = () => b('/v1/heads/doomed/predict?version=1', { method: 'POST', headers: json, body: JSON.stringify({ images: test.images }) }).then(async (r) => (await r.arrayBuffer(), r.status));
    expect(await predict()).toBe(200);
    expect((await a('/v1/heads/doomed', { method: 'DELETE', headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(204);
    await sleep(TTL_S * 1000 + 200);
    expect(await predict()).toBe(404);
  });
});
