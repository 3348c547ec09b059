import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { expect, vi } from 'vitest';
import { metadataOf, type HeadMetadata } from '../../src/core/artifacts/bundle.js';
import { loadBase } from '../../src/core/artifacts/loaded.js';
import type { TransferResult } from '../../src/core/experiment/transfer.js';
import { createApp } from '../../src/service/app.js';
import type { AppDeps, ServiceBase } from '../../src/service/deps.js';
import type { HeadStore } from '../../src/service/head-store.js';
import { NODE_LIMITS } from '../../src/service/limits.js';
import { FileHeadStore } from '../../src/runtimes/node/file-head-store.js';
import { selectClasses, selectPerClass } from '../../src/core/data/dataset.js';
import { seededRandom } from '../../src/core/data/random.js';
import { startTestWasm } from './backend.js';
import { mnist } from './mnist.js';
import { quickModels } from './models.js';

export const TOKEN = 'test-token-123';

export async function serviceBase(models: TransferResult): Promise<ServiceBase> {
  const loaded = await loadBase(models.base);
  return { ...loaded, model: loaded.model as tf.Sequential, files: models.base };
}

/** A file head store in a temp dir holding the transfer's fine-tune head as "digits". */
export async function storeWithDigits(models: TransferResult): Promise<FileHeadStore> {
  const store = new FileHeadStore(await mkdtemp(path.join(os.tmpdir(), 'edgetune-app-')));
  const files = models.heads.finetune!;
  await store.put('digits', files, { ...(metadataOf(files) as HeadMetadata), name: 'digits' });
  return store;
}

export function appWith(base: ServiceBase, store: HeadStore, overrides: Partial<AppDeps> = {}, onError?: (err: unknown) => void) {
  return createApp(
    {
    base: async () => base,
    backend: () => ({ name: 'wasm', simd: true, threads: 2 }),
    heads: store,
    token: TOKEN,
    clock: () => new Date('2026-11-29T12:00:00Z'),
    limits: NODE_LIMITS,
    pause: () => new Promise((r) => setImmediate(r)),
    seed: () => 7,
    ...overrides,
    },
    onError,
  );
}

export const pixelsOf = (images: Uint8Array, i: number) => Array.from(images.subarray(i * 784, (i + 1) * 784), (v) => v / 255);

/** Real MNIST: `perClass` training examples of each class as a train request body, and test images with labels. */
export async function digitsRequest(classes: number[], perClass: number, testCount: number) {
  const data = await mnist();
  const train = selectPerClass(data.train, classes, perClass, seededRandom(3));
  const test = selectClasses(data.test, classes, testCount);
  return {
    body: {
      labels: classes.map(String),
      examples: Array.from({ length: train.count }, (_, i) => ({ image: pixelsOf(train.images, i), label: String(classes[train.labels[i]]) })),
    },
    test: {
      images: Array.from({ length: test.count }, (_, i) => pixelsOf(test.images, i)),
      labels: Array.from(test.labels, (l) => String(classes[l])),
    },
  };
}

/** Waits (bounded) until no training job holds the gate of the service at `url`, as its /metrics reports it; fails with its last reading. */
export const gateFree = (url: string, withinMs: number) =>
  vi.waitFor(
    async () => {
      const { training } = (await (await fetch(`${url}/metrics`)).json()) as { training: unknown };
      expect(training).toBeNull();
    },
    { timeout: withinMs, interval: 50 },
  );

/** Parses a text/event-stream body into its events. */
export function parseSse(text: string): Array<{ event: string; data: unknown }> {
  return text
    .split('\n\n')
    .filter((block) => block.trim())
    .map((block) => {
      const lines = block.split('\n');
      const event = lines.find((l) => l.startsWith('event: '))?.slice(7) ?? 'message';
      const data = lines.filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
      return { event, data: JSON.parse(data) };
    });
}

/** The app on a small real base with the transfer's head as "digits", and the first 40 MNIST test images and labels. */
export async function appSetup() {
  await startTestWasm();
  const models = (await quickModels(13)).result;
  const base = await serviceBase(models);
  const store = await storeWithDigits(models);
  const edgetune = appWith(base, store);
  const data = await mnist();
  return {
    models,
    base,
    store,
    request: async (path: string, init?: RequestInit) => edgetune.app.request(path, init),
    testImages: Array.from({ length: 40 }, (_, i) => pixelsOf(data.test.images, i)),
    testLabels: Array.from(data.test.labels.subarray(0, 40)),
  };
}

export type AppSetup = Awaited<ReturnType<typeof appSetup>>;
