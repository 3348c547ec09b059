import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve, type ServerType } from '@hono/node-server';
import type * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../../backend/backend-info.js';
import { metadataOf } from '../../core/bundle.js';
import { loadBase } from '../../core/loaded.js';
import { createApp, type EdgetuneApp } from '../../service/app.js';
import type { ServiceBase } from '../../service/deps.js';
import { NODE_LIMITS } from '../../service/limits.js';
import { FileHeadStore } from './file-head-store.js';
import type { Log } from './log.js';
import { layout, loadModelDir } from './model-files.js';
import { resolveToken } from './token.js';

export interface ServeOptions {
  models: string;
  /** The built web page (default: dist/web of this package). */
  web?: string;
  /** Micro-batching window for concurrent predictions (default 2 ms; 0: off). */
  batchWindowMs?: number;
  heads: string;
  host: string;
  port: number;
  tokenFile: string;
}

export interface RunningServer {
  url: string;
  app: EdgetuneApp;
  server: ServerType;
  close(): Promise<void>;
}

/** The page `npm run build` makes; the same path from src/ and dist/ (both one level below the package). */
const DEFAULT_WEB = new URL('../../../dist/web/', import.meta.url);

/** Adds the heads `edgetune transfer` saved (pretrain, finetune) to the store once: a deleted one stays deleted. */
async function seedHeads(store: FileHeadStore, models: string, base: ServiceBase, log: Log): Promise<void> {
  const dir = path.join(models, 'heads');
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names.sort()) {
    if (await store.get(name)) continue;
    const files = await loadModelDir(path.join(dir, name)).catch(() => undefined);
    const meta = files && metadataOf(files);
    if (!files || meta?.kind !== 'head' || meta.baseHash !== base.hash) continue;
    if (await store.seed(name, files, meta)) log.info(`Added head "${name}" from ${path.join(dir, name)} to the head store`);
  }
}

/** Loads the base, prepares heads and token, and serves the app with @hono/node-server. */
export async function startServer(options: ServeOptions, backend: BackendInfo, log: Log): Promise<RunningServer> {
  const baseDir = layout(options.models).base;
  const files = await loadModelDir(baseDir);
  const loaded = await loadBase(files, baseDir);
  const base: ServiceBase = { model: loaded.model as tf.Sequential, hash: loaded.hash, files, metadata: loaded.metadata };
  const store = await FileHeadStore.open(options.heads, log.warn);
  await seedHeads(store, options.models, base, log);
  const { token, source } = await resolveToken(options.tokenFile);
  const webDir = options.web ?? fileURLToPath(DEFAULT_WEB);
  const app = createApp(
    {
      base: async () => base,
      backend: () => backend,
      heads: store,
      token,
      clock: () => new Date(),
      limits: NODE_LIMITS,
      pause: () => new Promise((resolve) => setImmediate(resolve)),
      batchWindowMs: options.batchWindowMs,
      web: (file) => readFile(path.join(webDir, file)).then((b) => new Uint8Array(b), () => undefined),
    },
    (err) => log.warn(`request failed: ${(err as Error).stack ?? err}`),
  );
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.app.fetch, hostname: options.host, port: options.port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  if (source === 'generated') log.info(`Write token (kept in ${options.tokenFile}, shown once): ${token}`);
  else log.info(`Write token: ${source === 'env' ? 'from EDGETUNE_TOKEN' : `in ${options.tokenFile}`}`);
  // Last: the line that says the server is ready.
  log.info(`Serving base ${base.hash.slice(0, 12)} and heads from ${options.heads} on ${url}`);
  return {
    url,
    app,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        app.dispose();
        base.model.dispose();
      }),
  };
}
