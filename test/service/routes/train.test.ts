import { setTimeout as sleep } from 'node:timers/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBase } from '../../../src/service/deps.js';
import { NODE_LIMITS } from '../../../src/service/limits.js';
import type { FileHeadStore } from '../../../src/runtimes/node/file-head-store.js';
import { auth, expectProblem, post } from '../../helpers/requests.js';
import { appSetup, appWith, digitsRequest, parseSse, type AppSetup } from '../../helpers/service.js';

describe('the Hono app (app.request): /v1/heads/{name}/train', () => {
  let base: ServiceBase;
  let store: FileHeadStore;
  let request: AppSetup['request'];
  let testImages: number[][];

  beforeAll(async () => {
    ({ base, store, request, testImages } = await appSetup());
  });

  it('trains a head from 30 real examples per class over JSON; it predicts real test digits', async () => {
    const { body, test } = await digitsRequest([0, 1, 2, 3, 4], 30, 200);
    const res = await request('/v1/heads/five/train', post({ ...body, validationSplit: 0.2 }, auth));
    expect(res.status).toBe(200);
    const result = (await res.json()) as {
      head: { name: string; version: number; labels: string[]; metrics: Record<string, number> };
      epochs: Array<Record<string, number | null>>;
      validation: { examples: number; accuracy: number; labels: string[]; confusion: number[][]; perClass: Array<{ class: string; accuracy: number | null; examples: number }> };
    };
    expect(result.head).toMatchObject({ name: 'five', version: 1, labels: ['0', '1', '2', '3', '4'] });
    expect(result.epochs.length).toBeGreaterThanOrEqual(5);
    expect(result.epochs[0].valAccuracy).not.toBeNull();
    expect(result.head.metrics.valAccuracy).toBeGreaterThan(0.8);
    // Per class on the 30 held-out examples (20% of 150): a 5 x 5 matrix whose trace / total is the accuracy.
    const { validation } = result;
    expect(validation.examples).toBe(30);
    expect(validation.labels).toEqual(['0', '1', '2', '3', '4']);
    expect(validation.confusion.map((row) => row.length)).toEqual([5, 5, 5, 5, 5]);
    expect(validation.confusion.flat().reduce((s, n) => s + n, 0)).toBe(30);
    expect(validation.confusion.reduce((s, row, i) => s + row[i], 0) / 30).toBe(validation.accuracy);
    expect(validation.accuracy).toBe(result.head.metrics.valAccuracy);
    expect(validation.perClass.map((c) => c.class)).toEqual(validation.labels);
    expect(validation.perClass.map((c) => c.examples)).toEqual(validation.confusion.map((row) => row.reduce((s, n) => s + n, 0)));
    // Held out class by class: 6 of each label's 30.
    expect(validation.perClass.map((c) => c.examples)).toEqual([6, 6, 6, 6, 6]);
    const predicted = (await (await request('/v1/heads/five/predict', post({ images: test.images }))).json()) as { predictions: Array<{ label: string }> };
    const accuracy = predicted.predictions.filter((p, i) => p.label === test.labels[i]).length / test.labels.length;
    expect(accuracy).toBeGreaterThan(0.85);
  });

  it("holds out each label's share but never its last example, so every label is trained on", async () => {
    const { body } = await digitsRequest([3, 8], 9, 0);
    const lonely = { ...body, labels: [...body.labels, 'odd'], examples: [...body.examples, { image: body.examples[0].image, label: 'odd' }] };
    const res = await request('/v1/heads/lonely/train', post({ ...lonely, epochs: 2, validationSplit: 0.5 }, auth));
    expect(res.status, await res.clone().text()).toBe(200);
    const { validation } = (await res.json()) as { validation: { examples: number; perClass: Array<{ class: string; accuracy: number | null; examples: number }> } };
    expect(validation.perClass).toEqual([
      { class: '3', accuracy: expect.any(Number), examples: 5 },
      { class: '8', accuracy: expect.any(Number), examples: 5 },
      { class: 'odd', accuracy: null, examples: 0 },
    ]);
    expect(validation.examples).toBe(10);
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
    expect(events[3].data).not.toHaveProperty('validation');
  });

  it('ends the SSE stream with per-class results on the held-out examples when some are held out', async () => {
    const { body } = await digitsRequest([1, 7], 10, 0);
    const res = await request('/v1/heads/ones-sevens-held/train', post({ ...body, epochs: 3, validationSplit: 0.3 }, { ...auth, accept: 'text/event-stream' }));
    const events = parseSse(await res.text());
    const done = events.at(-1)!;
    expect(done.event).toBe('done');
    const { validation } = done.data as { validation: { examples: number; accuracy: number; labels: string[]; confusion: number[][]; perClass: Array<{ class: string; accuracy: number | null; examples: number }> } };
    expect(validation.examples).toBe(6);
    expect(validation.labels).toEqual(['1', '7']);
    expect(validation.confusion.flat().reduce((s, n) => s + n, 0)).toBe(6);
    expect(validation.accuracy).toBe((validation.confusion[0][0] + validation.confusion[1][1]) / 6);
    expect((events.at(-2)!.data as { valAccuracy: number }).valAccuracy).toBe(validation.accuracy);
    for (const c of validation.perClass) expect(c.accuracy).toBe(c.examples ? validation.confusion[validation.labels.indexOf(c.class)][validation.labels.indexOf(c.class)] / c.examples : null);
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
    while (!paused) await sleep(5);
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

  describe('rejects bad input with problem+json, never a 500', () => {
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
});
