import { spawn } from 'node:child_process';
import { mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Log } from '../../../src/runtimes/node/log.js';
import { startServer, type RunningServer } from '../../../src/runtimes/node/server.js';
import { startTestWasm } from '../../helpers/backend.js';
import { quickModels } from '../../helpers/models.js';
import { noisePng } from '../../helpers/hostile-png.js';
import { jpegsOverHttp } from '../../helpers/jpeg-http.js';
import { digitsRequest, gateFree, parseSse } from '../../helpers/service.js';

const backend = { name: 'wasm', simd: true, threads: 2 };

describe('the Node server on a loopback port', () => {
  let models: string;
  let heads: string;
  let tokenFile: string;
  let server: RunningServer;
  const lines: string[] = [];
  const log: Log = { info: (l) => lines.push(l), warn: (l) => lines.push(`warning: ${l}`) };
  const start = () => startServer({ models, heads, host: '127.0.0.1', port: 0, tokenFile }, backend, log);

  beforeAll(async () => {
    await startTestWasm();
    models = (await quickModels(17)).out;
    const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-srv-'));
    heads = path.join(dir, 'heads');
    tokenFile = path.join(dir, 'token');
    delete process.env.EDGETUNE_TOKEN;
    server = await start();
  });
  afterAll(async () => {
    await server?.close();
  });

  it('generates a write token, keeps it mode 0600, prints it once', async () => {
    const token = (await readFile(tokenFile, 'utf8')).trim();
    expect(token.length).toBeGreaterThanOrEqual(32);
    expect((await stat(tokenFile)).mode & 0o777).toBe(0o600);
    expect(lines.filter((l) => l.includes(token))).toHaveLength(1);
    expect(lines).toContain('Added head "finetune" from ' + path.join(models, 'heads', 'finetune') + ' to the head store');
  });

  it('answers health, heads and predictions over HTTP', async () => {
    const health = await fetch(`${server.url}/healthz`);
    expect(health.status).toBe(200);
    expect(((await health.json()) as { backend: unknown }).backend).toEqual(backend);
    const list = (await (await fetch(`${server.url}/v1/heads`)).json()) as { heads: Array<{ name: string }> };
    expect(list.heads.map((h) => h.name)).toEqual(['finetune', 'pretrain']);
    const bad = await fetch(`${server.url}/v1/heads/finetune/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"images":[[2]]}' });
    expect(bad.status).toBe(422);
    expect(bad.headers.get('content-type')).toBe('application/problem+json');
  });

  it('refuses oversized bodies with 413 before reading them', async () => {
    const huge = new Uint8Array(40 * 1024 * 1024);
    const res = await fetch(`${server.url}/v1/heads/finetune/predict`, { method: 'POST', headers: { 'content-type': 'image/png' }, body: huge });
    expect(res.status).toBe(413);
  });

  it('takes JPEGs wherever it takes PNGs, and refuses bad ones by field, storing nothing', async () => {
    await jpegsOverHttp(server.url, (await readFile(tokenFile, 'utf8')).trim(), 'finetune');
  });

  const trainAndDrop = async (name: string, sse: boolean) => {
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const { body } = await digitsRequest([2, 5], 100, 0);
    const abort = new AbortController();
    const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(sse ? { accept: 'text/event-stream' } : {}) };
    const res = fetch(`${server.url}/v1/heads/${name}/train`, { method: 'POST', headers, body: JSON.stringify({ ...body, epochs: 500 }), signal: abort.signal });
    if (sse) await (await res).body!.getReader().read();
    else await sleep(700);
    abort.abort();
    await res.catch(() => undefined);
    // The job stops at its next step: the gate is free within moments, not after 500 epochs.
    await gateFree(server.url, 3_000);
    expect((await fetch(`${server.url}/v1/heads/${name}`)).status).toBe(404);
  };

  it('stops a training job whose client disconnects, JSON or SSE, and stores nothing', async () => {
    await trainAndDrop('dropped-json', false);
    await trainAndDrop('dropped-sse', true);
  });

  it('keeps answering /healthz while a predict decodes large PNGs', async () => {
    const big = Buffer.from(noisePng(2048, 2048)).toString('base64');
    let predicted = 0;
    const predict = fetch(`${server.url}/v1/heads/finetune/predict`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ images: Array.from({ length: 4 }, () => ({ png: big })) }),
    }).then(async (r) => {
      predicted = Date.now();
      return r.status;
    });
    await sleep(30);
    const health = await fetch(`${server.url}/healthz`);
    const answered = Date.now();
    expect(health.status).toBe(200);
    expect(await predict).toBe(200);
    expect(answered).toBeLessThan(predicted);
  });

  it('streams training progress as server-sent events over the socket, and the head survives a restart', async () => {
    const token = (await readFile(tokenFile, 'utf8')).trim();
    const { body, test } = await digitsRequest([0, 1, 2, 3, 4], 20, 50);
    const res = await fetch(`${server.url}/v1/heads/sse-digits/train`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: `Bearer ${token}` },
      body: JSON.stringify({ ...body, epochs: 4 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    // Events arrive as training goes, not all at the end.
    const reader = res.body!.getReader();
    const chunks: string[] = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      chunks.push(new TextDecoder().decode(value));
    }
    expect(chunks.length).toBeGreaterThan(1);
    const events = parseSse(chunks.join(''));
    expect(events.map((e) => e.event)).toEqual(['epoch', 'epoch', 'epoch', 'epoch', 'done']);

    const predict = () =>
      fetch(`${server.url}/v1/heads/sse-digits/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images: test.images }) }).then(
        (r) => r.json() as Promise<{ head: { version: number }; predictions: Array<{ label: string; probabilities: Record<string, number> }> }>,
      );
    const before = await predict();
    await server.close();
    server = await start();
    const after = await predict();
    expect(after.head.version).toBe(before.head.version);
    expect(after.predictions).toEqual(before.predictions);
    expect(lines.filter((l) => l.includes(token))).toHaveLength(1);
  });
});

describe('edgetune serve (CLI)', () => {
  it('starts on the given port, logs its URL and stops cleanly on SIGTERM', async () => {
    await startTestWasm();
    const { out } = await quickModels(19);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-cli-srv-'));
    const main = fileURLToPath(new URL('../../../src/runtimes/node/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--models', out, '--heads', path.join(dir, 'h'), '--token-file', path.join(dir, 't')], {
      env: { ...process.env, PORT: '0', EDGETUNE_TOKEN: 'from-env' },
    });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(output)), 60_000);
      child.once('close', () => reject(new Error(`serve exited early:\n${output}`)));
      child.stdout.on('data', () => {
        const m = output.match(/on (http:\/\/127\.0\.0\.1:\d+)/);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]);
        }
      });
    });
    expect(output).toContain('Write token: from EDGETUNE_TOKEN');
    const res = await fetch(`${url}/v1/heads/finetune/train`, { method: 'POST', headers: { authorization: 'Bearer from-env', 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(422);
    child.kill('SIGTERM');
    const code = await new Promise((r) => child.once('close', r));
    expect(code).toBe(0);
  });

  it('refuses at start a token no Authorization header could carry, and rebuilds a corrupt head index', async () => {
    await startTestWasm();
    const { out } = await quickModels(19);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-cli-srv-'));
    const main = fileURLToPath(new URL('../../../src/runtimes/node/main.ts', import.meta.url));
    const serve = (env: Record<string, string>) =>
      spawn(process.execPath, ['--import', 'tsx', main, 'serve', '--models', out, '--heads', path.join(dir, 'h'), '--token-file', path.join(dir, 't')], {
        env: { ...process.env, PORT: '0', ...env },
      });
    const bad = serve({ EDGETUNE_TOKEN: 'secret!#1' });
    let output = '';
    bad.stderr.on('data', (d) => (output += d));
    expect(await new Promise((r) => bad.once('close', r))).toBe(1);
    expect(output.trim()).toBe('edgetune: EDGETUNE_TOKEN: the write token may hold only letters, digits and - . _ ~ + / (then = padding), the characters of an RFC 6750 bearer token');

    // A first start seeds the heads; then the index is cut short, as a full disk might leave it.
    for (const round of [0, 1]) {
      const child = serve({ EDGETUNE_TOKEN: 'good-token' });
      let log = '';
      child.stdout.on('data', (d) => (log += d));
      child.stderr.on('data', (d) => (log += d));
      const url = await new Promise<string>((resolve, reject) => {
        child.once('close', () => reject(new Error(`serve exited early:\n${log}`)));
        child.stdout.on('data', () => {
          const m = log.match(/on (http:\/\/127\.0\.0\.1:\d+)/);
          if (m) resolve(m[1]);
        });
      });
      const heads = (await (await fetch(`${url}/v1/heads`)).json()) as { heads: Array<{ name: string }> };
      expect(heads.heads.map((h) => h.name)).toEqual(['finetune', 'pretrain']);
      if (round === 1) expect(log).toMatch(/index.json is not a valid head index .*; kept it as .*index.json.corrupt-\d+ and rebuilt the index from the version directories \(2 heads/);
      child.kill('SIGTERM');
      await new Promise((r) => child.once('close', r));
      const index = path.join(dir, 'h', 'index.json');
      await writeFile(index, (await readFile(index, 'utf8')).slice(0, 100));
    }
  });
});
