import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWasm } from '../../helpers/backend.js';
import { embeddingProject, typecheck } from '../../helpers/embed.js';
import { quickModels } from '../../helpers/models.js';
import { digitsRequest } from '../../helpers/service.js';
import { wranglerDev, type DevServer } from '../../../harness/wrangler.js';

const TOKEN = 'embedding-worker-token';
const json = { 'content-type': 'application/json' };

describe('edgetune mounted under /ml in a Worker of its own (wrangler dev, real workerd)', () => {
  let project: string;
  let dev: DevServer;

  beforeAll(async () => {
    await startTestWasm();
    const models = (await quickModels(31)).out;
    project = await embeddingProject('worker');
    const state = path.join(await mkdtemp(path.join(os.tmpdir(), 'edgetune-embed-worker-')), 'state');
    // The project's own [build] command fills its assets from these models.
    dev = await wranglerDev({ models, assets: path.join(project, 'edgetune-assets'), persistTo: state, token: TOKEN, cwd: project, ready: '/ml/openapi.json' });
  });
  afterAll(async () => {
    await dev?.stop();
  });

  it('type-checks against the built .d.ts files', () => {
    const { status, output } = typecheck(project);
    expect(status, output).toBe(0);
  });

  it('serves its own routes and edgetune under /ml: predict, train, a version by number, problems', async () => {
    expect(await (await fetch(`${dev.url}/`)).text()).toBe('my own worker');
    const health = (await (await fetch(`${dev.url}/ml/healthz`)).json()) as { backend: { name: string; threads: number } };
    expect(health.backend).toMatchObject({ name: 'wasm', threads: 1 });
    const { body, test } = await digitsRequest([0, 1, 2, 3, 4], 1, 50);
    const predicted = await fetch(`${dev.url}/ml/v1/heads/finetune/predict`, { method: 'POST', headers: json, body: JSON.stringify({ images: test.images }) });
    expect(predicted.status).toBe(200);
    const { predictions } = (await predicted.json()) as { predictions: Array<{ label: string }> };
    expect(predictions.filter((p, i) => p.label === test.labels[i]).length / test.labels.length).toBeGreaterThan(0.7);

    const trained = await fetch(`${dev.url}/ml/v1/heads/mine/train`, { method: 'POST', headers: { ...json, authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ...body, epochs: 1 }) });
    expect(trained.status).toBe(200);
    const pinned = await fetch(`${dev.url}/ml/v1/heads/mine/predict?version=1`, { method: 'POST', headers: json, body: JSON.stringify({ images: [test.images[0]] }) });
    expect(((await pinned.json()) as { head: { version: number } }).head.version).toBe(1);

    const missing = await fetch(`${dev.url}/ml/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    const wrong = await fetch(`${dev.url}/ml/v1/heads/finetune/predict`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
  });
});
