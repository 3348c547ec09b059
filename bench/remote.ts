import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { build } from 'esbuild';
import { startServer } from '../src/runtimes/node/server.js';
import { launchChromium } from '../harness/chromium.js';
import { freePort } from '../harness/wrangler.js';
import { startWorkerd } from './workerd.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const quiet = { info: () => {}, warn: () => {} };

export interface Effort {
  warmup: number;
  /**
   * Seconds of pretraining before its steps are timed. V8's optimizing
   * compiler works through tfjs's JavaScript for the first ~160 steps
   * (~1 function a step, 2-15 ms of CPU a step on its own threads), and on
   * 2 cores that CPU comes from the second training thread: t2 steps took
   * ~54 ms in the first second, ~45 at 5 s and ~42 after 8 s. 10 s is about
   * the first epoch at t2; edgetune pretrains for 5.
   */
  warmupSeconds: number;
  steps: number;
  inferRuns: number;
  latencyRuns: number;
  /** Single-image calls before latency is timed: V8 compiles tfjs's per-op JavaScript only after hundreds. */
  latencyWarmup: number;
  loadSeconds: number;
}

/** Page-internal timing in headless Chromium, served by the Node app. */
export async function browserRow(models: string, effort: Effort) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-bench-web-'));
  const built = spawnSync(process.execPath, [path.join(root, 'scripts/build-web.js'), '--out', dir], { encoding: 'utf8' });
  if (built.status !== 0) return { skipped: `web build failed: ${built.stderr}` };
  await build({
    entryPoints: [path.join(root, 'bench/browser/entry.ts')],
    outfile: path.join(dir, 'bench.js'),
    bundle: true,
    minify: true,
    format: 'esm',
    alias: { '@tensorflow/tfjs': path.join(root, 'src/runtimes/tfjs-lite.ts') },
    logLevel: 'warning',
  });
  await writeFile(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><script type="module" src="/web/bench.js"></script>');
  const server = await startServer({ models, heads: path.join(dir, 'heads'), web: dir, host: '127.0.0.1', port: 0, tokenFile: path.join(dir, 'token') }, { name: 'wasm', simd: true, threads: 1 }, quiet);
  let browser;
  try {
    browser = await launchChromium();
  } catch (err) {
    await server.close();
    return { skipped: (err as Error).message };
  }
  try {
    const page = await browser.newPage();
    await page.goto(server.url);
    await page.waitForFunction(() => typeof window.bench === 'function');
    return (await page.evaluate((c) => window.bench(c), { warmup: effort.warmup, steps: effort.steps, inferRuns: effort.inferRuns, latencyRuns: effort.latencyRuns })) as {
      backend: { name: string; simd: boolean; threads: number };
      inferBatchSeconds: number[];
      latencyMs: number[];
      cachedStepSeconds: number[];
    };
  } finally {
    await browser.close();
    await server.close();
  }
}

const body = (images: number) => JSON.stringify({ images: Array.from({ length: images }, (_, i) => Array.from({ length: 784 }, (_, p) => ((p * 7 + i) % 13 === 0 ? 1 : 0))) });

async function timeRequests(send: () => Promise<Response>, runs: number, warmup: number, status = 200): Promise<number[]> {
  const ms: number[] = [];
  for (let i = 0; i < warmup + runs; i++) {
    const started = performance.now();
    const res = await send();
    await res.arrayBuffer();
    if (res.status !== status) throw new Error(`HTTP ${res.status}`);
    if (i >= warmup) ms.push(performance.now() - started);
  }
  return ms;
}

/** Rounds of predict-1 requests against real workerd and against the Node server, interleaved. */
const EDGE_ROUNDS = 5;

/**
 * Client-side latency against real workerd (the deployable bundle, see
 * startWorkerd), and the same predict-1 request against `edgetune serve`
 * with its defaults, interleaved in rounds so that drift of the machine hits
 * both; a 404 on each side shows the fixed cost of a request.
 */
export async function workerdRow(models: string, effort: Effort) {
  const token = 'bench';
  const dev = await startWorkerd(models, token);
  const node = await nodeServer(models, os.availableParallelism(), 2).catch(async (err: unknown) => {
    await dev.stop();
    throw err;
  });
  try {
    const post = (p: string, b: string, headers: Record<string, string> = {}) =>
      fetch(`${dev.url}${p}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: b });
    const one = body(1);
    const many = body(128);
    const examples = JSON.stringify({
      labels: ['a', 'b'],
      examples: Array.from({ length: 40 }, (_, i) => ({ image: Array.from({ length: 784 }, (_, p) => ((p + i * 3) % (i % 2 ? 5 : 11) === 0 ? 1 : 0)), label: i % 2 ? 'a' : 'b' })),
      epochs: 10,
    });
    const predictOne = (url: string) => () => fetch(`${url}/v1/heads/finetune/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: one });
    const perRound = Math.max(20, Math.round(effort.latencyRuns / EDGE_ROUNDS));
    const edge = { workerdMs: [] as number[][], nodeMs: [] as number[][], notFoundMs: { workerd: [] as number[], node: [] as number[] } };
    // Hundreds of calls before V8 has compiled tfjs's per-op JavaScript, on either side.
    await timeRequests(predictOne(dev.url), 0, effort.latencyWarmup);
    await timeRequests(predictOne(node.url), 0, effort.latencyWarmup);
    for (let round = 0; round < EDGE_ROUNDS; round++) {
      const order = round % 2 ? (['nodeMs', 'workerdMs'] as const) : (['workerdMs', 'nodeMs'] as const);
      for (const side of order) edge[side].push(await timeRequests(predictOne(side === 'nodeMs' ? node.url : dev.url), perRound, 0));
    }
    for (const [side, url] of [['workerd', dev.url], ['node', node.url]] as const) edge.notFoundMs[side] = await timeRequests(() => fetch(`${url}/nothing`), perRound, 10, 404);
    return {
      backend: (((await (await fetch(`${dev.url}/healthz`)).json()) as { backend: { name: string; simd: boolean; threads: number } }).backend),
      predict1Ms: edge.workerdMs.flat(),
      edge,
      predict128Ms: await timeRequests(() => post('/v1/heads/finetune/predict', many), effort.inferRuns, effort.warmup),
      finetuneMs: await timeRequests(() => post('/v1/heads/bench/train', examples, { authorization: `Bearer ${token}` }), Math.max(2, Math.round(effort.inferRuns / 3)), 1),
    };
  } finally {
    node.stop();
    await dev.stop();
  }
}

/** `edgetune serve` in a process of its own, as users start it; `stop` ends it. */
async function nodeServer(models: string, threads: number, batchWindowMs: number) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-bench-http-'));
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'src/runtimes/node/main.ts'), 'serve', '--models', models, '--heads', path.join(dir, 'heads'), '--token-file', path.join(dir, 't'), '--port', String(port), '--threads', String(threads), '--batch-window-ms', String(batchWindowMs)], { env: { ...process.env, EDGETUNE_TOKEN: 'bench' }, detached: true });
  const url = `http://127.0.0.1:${port}`;
  const stop = () => process.kill(-child.pid!, 'SIGTERM');
  for (let i = 0; ; i++) {
    if (await fetch(`${url}/healthz`).then((r) => r.ok, () => false)) break;
    if (i > 240) {
      stop();
      throw new Error('the server did not start');
    }
    await sleep(250);
  }
  return { url, stop };
}

/** HTTP load on the Node server (a separate process): autocannon on loopback, bounded in time. */
export async function httpLoad(models: string, effort: Effort, threads: number, batchWindowMs: number) {
  const { url, stop } = await nodeServer(models, threads, batchWindowMs);
  try {
    const results = [];
    for (const images of [1, 32]) {
      const r = await autocannon({ url: `${url}/v1/heads/finetune/predict`, method: 'POST', headers: { 'content-type': 'application/json' }, body: body(images), connections: 16, duration: effort.loadSeconds });
      results.push({ id: `predict-${images}${batchWindowMs ? ` micro-batched (${batchWindowMs} ms)` : ' unbatched'}`, connections: 16, seconds: effort.loadSeconds, requestsPerSec: r.requests.average, imagesPerSec: r.requests.average * images, latencyMs: { p50: r.latency.p50, p99: r.latency.p99 }, errors: r.errors + r.non2xx });
    }
    return results;
  } finally {
    stop();
  }
}
