import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestWasm } from '../../helpers/backend.js';
import { embeddingProject, typecheck } from '../../helpers/embed.js';
import { quickModels } from '../../helpers/models.js';
import { digitsRequest } from '../../helpers/service.js';
import { root } from '../../../harness/wrangler.js';

const TOKEN = 'embedding-token';
const json = { 'content-type': 'application/json' };

describe('edgetune mounted under /ml in a Node app of its own (the package exports)', () => {
  let project: string;
  let child: ChildProcess;
  let url: string;
  let output = '';

  beforeAll(async () => {
    await startTestWasm();
    const models = (await quickModels(29)).out;
    const heads = path.join(await mkdtemp(path.join(os.tmpdir(), 'edgetune-embed-')), 'heads');
    project = await embeddingProject('node');
    child = spawn(process.execPath, ['--import', 'tsx', 'server.ts'], { cwd: project, env: { ...process.env, MODELS: models, HEADS: heads, ML_TOKEN: TOKEN, NODE_PATH: '' } });
    url = await new Promise<string>((resolve, reject) => {
      child.stdout!.on('data', (d) => {
        output += d;
        const port = output.match(/listening on (\d+)/)?.[1];
        if (port) resolve(`http://127.0.0.1:${port}`);
      });
      child.stderr!.on('data', (d) => (output += d));
      child.once('exit', (code) => reject(new Error(`the app exited (${code}):\n${output}`)));
    });
  });
  afterAll(() => {
    child?.kill('SIGKILL');
  });

  it('type-checks against the built .d.ts files, wrong calls included', () => {
    const { status, output: out } = typecheck(project);
    expect(status, out).toBe(0);
  });

  it("resolves edgetune, edgetune/node and edgetune/worker through the package's exports to the built files", () => {
    const resolve = createRequire(path.join(project, 'server.ts')).resolve;
    expect(resolve('edgetune')).toBe(path.join(root, 'dist/service/index.js'));
    expect(resolve('edgetune/node')).toBe(path.join(root, 'dist/runtimes/node/embed.js'));
    expect(resolve('edgetune/worker')).toBe(path.join(root, 'dist/runtimes/worker/embed.js'));
    expect(() => resolve('edgetune/dist/core/train.js')).toThrow(/is not defined by "exports"/);
  });

  it('serves its own routes and edgetune under /ml: predict, train, a version by number', async () => {
    expect(await (await fetch(`${url}/`)).text()).toBe('my own app');
    const health = (await (await fetch(`${url}/ml/healthz`)).json()) as { status: string; backend: { name: string } };
    expect(health).toMatchObject({ status: 'ok', backend: { name: 'wasm' } });
    const { body, test } = await digitsRequest([0, 1, 2, 3, 4], 1, 50);
    const predicted = await fetch(`${url}/ml/v1/heads/finetune/predict`, { method: 'POST', headers: json, body: JSON.stringify({ images: test.images }) });
    expect(predicted.status).toBe(200);
    const { predictions } = (await predicted.json()) as { predictions: Array<{ label: string }> };
    expect(predictions.filter((p, i) => p.label === test.labels[i]).length / test.labels.length).toBeGreaterThan(0.7);

    const trained = await fetch(`${url}/ml/v1/heads/mine/train`, { method: 'POST', headers: { ...json, authorization: `Bearer ${TOKEN}` }, body: JSON.stringify({ ...body, epochs: 1 }) });
    expect(trained.status).toBe(200);
    const pinned = await fetch(`${url}/ml/v1/heads/mine/predict?version=1`, { method: 'POST', headers: json, body: JSON.stringify({ images: [test.images[0]] }) });
    expect(((await pinned.json()) as { head: { version: number } }).head.version).toBe(1);
  });

  it('answers unknown paths and wrong methods under the mount as problems', async () => {
    const missing = await fetch(`${url}/ml/nothing-here`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toBe('application/problem+json');
    expect(((await missing.json()) as { detail: string }).detail).toBe('no route for GET /ml/nothing-here');
    const wrong = await fetch(`${url}/ml/v1/heads/finetune/predict`);
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get('allow')).toBe('POST');
    expect((await fetch(`${url}/ml/v1/heads/finetune/train`, { method: 'POST', headers: json, body: '{}' })).status).toBe(401);
  });
});
