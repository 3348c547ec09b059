import type * as tf from '@tensorflow/tfjs';
import { loadBase } from '../../core/loaded.js';
import { createApp, type EdgetuneApp } from '../../service/app.js';
import type { ServiceBase } from '../../service/deps.js';
import { WORKER_LIMITS } from '../../service/limits.js';
import { checkToken } from '../../service/middleware.js';
import { baseFromAssets, seedHeads, webAsset } from './assets.js';
import type { Env } from './env.js';
import { R2HeadStore } from './r2-head-store.js';
import { indexTtlMs } from './settings.js';
import { startWorkerWasm } from './wasm.js';

export { HeadIndex } from './head-index.js';

let isolate: Promise<EdgetuneApp> | undefined;

/**
 * One app per isolate, built on the first request (not at start-up, which
 * Workers limit to 1 s): wasm backend, base from the assets, heads seeded.
 */
async function build(env: Env): Promise<EdgetuneApp> {
  const backend = await startWorkerWasm();
  const files = await baseFromAssets(env);
  const loaded = await loadBase(files, 'models/base');
  const base: ServiceBase = { model: loaded.model as tf.Sequential, hash: loaded.hash, files, metadata: loaded.metadata };
  const store = new R2HeadStore(env, indexTtlMs(env.HEAD_INDEX_TTL_SECONDS));
  await seedHeads(env, store, base.hash);
  let token = env.EDGETUNE_TOKEN ?? '';
  const problem = token ? checkToken(token) : 'it is not set';
  if (problem) {
    // Predictions still serve; only the write routes are shut.
    console.error(`EDGETUNE_TOKEN: ${problem}; write routes will refuse every request`);
    token = '';
  }
  return createApp(
    {
      base: async () => base,
      backend: () => backend,
      heads: store,
      token,
      clock: () => new Date(),
      limits: WORKER_LIMITS,
      pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
      web: (file) => webAsset(env, file),
    },
    (err) => console.error('request failed', err),
  );
}

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    isolate ??= build(env).catch((err) => {
      isolate = undefined;
      throw err;
    });
    const { app } = await isolate;
    return app.fetch(request, env);
  },
} satisfies ExportedHandler<Env>;
