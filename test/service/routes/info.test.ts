import { beforeAll, describe, expect, it } from 'vitest';
import type { TransferResult } from '../../../src/core/experiment/transfer.js';
import type { ServiceBase } from '../../../src/service/deps.js';
import { appSetup, type AppSetup } from '../../helpers/service.js';

describe('the Hono app (app.request): /healthz, /v1/model, /models/base, /openapi.json', () => {
  let models: TransferResult;
  let base: ServiceBase;
  let request: AppSetup['request'];

  beforeAll(async () => {
    ({ models, base, request } = await appSetup());
  });

  it('GET /healthz reports the backend and base hash', async () => {
    const res = await request('/healthz');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', backend: { name: 'wasm', simd: true, threads: 2 }, base: { hash: base.hash } });
  });

  it('GET /v1/model describes the base', async () => {
    const body = (await (await request('/v1/model')).json()) as Record<string, unknown>;
    expect(body).toMatchObject({ hash: base.hash, inputShape: [28, 28, 1], fit: 'digit', featureSize: 4608, params: { total: 9568 }, dataset: 'mnist', classes: [5, 6, 7, 8, 9] });
    expect((body.layers as unknown[]).length).toBe(7);
  });

  it('serves the base files for clients that run it themselves', async () => {
    const res = await request('/models/base/weights.bin');
    expect(res.status).toBe(200);
    expect(new Uint8Array(await res.arrayBuffer())).toEqual(new Uint8Array(models.base['weights.bin']));
    const etag = res.headers.get('etag')!;
    expect((await request('/models/base/weights.bin', { headers: { 'if-none-match': etag } })).status).toBe(304);
    expect(JSON.parse(await (await request('/models/base/model.json')).text()).modelTopology).toBeDefined();
  });

  it('publishes an OpenAPI 3.1 document with every route', async () => {
    const doc = (await (await request('/openapi.json')).json()) as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual([
      '/healthz', '/metrics', '/v1/heads', '/v1/heads/{name}', '/v1/heads/{name}/predict', '/v1/heads/{name}/rollback', '/v1/heads/{name}/train', '/v1/heads/{name}/versions', '/v1/model',
    ]);
    expect(Object.keys(doc.paths['/v1/heads/{name}'])).toEqual(['get', 'delete']);
    // Per-class results of a train: documented as on the held-out examples, in the response and the SSE done event.
    const schemas = (doc as unknown as { components: { schemas: Record<string, { properties: Record<string, unknown>; description?: string }> } }).components.schemas;
    expect(schemas.HeldOutResult.description).toContain('held-out examples');
    expect(Object.keys(schemas.HeldOutResult.properties)).toEqual(['examples', 'loss', 'accuracy', 'labels', 'confusion', 'perClass']);
    for (const name of ['TrainResult', 'TrainDoneEvent']) expect(schemas[name].properties.validation).toEqual({ $ref: '#/components/schemas/HeldOutResult' });
  });
});
