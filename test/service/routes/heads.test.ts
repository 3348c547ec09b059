import { beforeAll, describe, expect, it } from 'vitest';
import type { ServiceBase } from '../../../src/service/deps.js';
import { auth, expectProblem, post } from '../../helpers/requests.js';
import { appSetup, digitsRequest, type AppSetup } from '../../helpers/service.js';

describe('the Hono app (app.request): /v1/heads, /v1/heads/{name}, versions, rollback', () => {
  let base: ServiceBase;
  let request: AppSetup['request'];
  let testImages: number[][];

  beforeAll(async () => {
    ({ base, request, testImages } = await appSetup());
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
    for (const bad of ['0', '-1', '1.5', 'x', '1e400', '', '0x1', '+1', '1.0', '01', '1&version=2']) {
      const body = await expectProblem(await request(`/v1/heads/twice/predict?version=${bad}`, post({ images: [testImages[0]] })), 422, 'validation');
      expect(body.errors?.[0].field).toBe('version');
    }
    expect((await request('/v1/heads/twice', { method: 'DELETE', headers: auth })).status).toBe(204);
    await expectProblem(await request('/v1/heads/twice/predict', post({ images: [testImages[0]] })), 404, 'not-found');
    await expectProblem(await request('/v1/heads/twice', { method: 'DELETE', headers: auth }), 404, 'not-found');
  });

  describe('rejects bad input with problem+json, never a 500', () => {
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
  });
});
