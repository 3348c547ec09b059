import type * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../../contract/backend-info.js';
import { loadBase } from '../../core/artifacts/loaded.js';
import { createApp, type EdgetuneApp } from '../../service/app.js';
import type { ServiceBase } from '../../service/deps.js';
import { WORKER_LIMITS } from '../../service/limits.js';
import { checkToken } from '../../service/middleware.js';
import { InFlight } from '../../service/in-flight.js';
import { baseFromAssets, seedHeads, webAsset } from './assets.js';
import type { Env } from './env.js';
import { R2HeadStore } from './r2-head-store.js';
import { indexTtlMs } from './settings.js';
import { startWorkerWasm } from './wasm.js';

/**
 * The edgetune app on a Worker's bindings (see Env). Built synchronously, so
 * it can be made at module scope (`import { env } from 'cloudflare:workers'`)
 * and mounted in a Hono app of one's own (`parent.route('/ml', edgetune.app)`);
 * the expensive part (wasm backend, base from the assets, heads seeded) runs
 * on the first request that needs the base, not at start-up, which Workers
 * limit to 1 s.
 */
export function createWorkerApp(env: Env, onError: (err: unknown) => void = (err) => console.error('request failed', err)): EdgetuneApp {
  const store = new R2HeadStore(env, indexTtlMs(env.HEAD_INDEX_TTL_SECONDS));
  let ready: { base: ServiceBase; backend: BackendInfo } | undefined;
  const starting = new InFlight<{ base: ServiceBase; backend: BackendInfo }>();
  const start = async () => {
    const backend = await startWorkerWasm();
    const files = await baseFromAssets(env);
    const loaded = await loadBase(files, 'models/base');
    const base: ServiceBase = { ...loaded, model: loaded.model as tf.Sequential, files };
    await seedHeads(env, store, base.hash);
    // A start that stalled and was begun again may finish second: keep one base.
    if (ready) base.model.dispose();
    else ready = { base, backend };
    return ready;
  };
  const started = async () => ready ?? starting.run('base', start);

  let token = env.EDGETUNE_TOKEN ?? '';
  const problem = token ? checkToken(token) : 'it is not set';
  if (problem) {
    // Predictions still serve; only the write routes are shut.
    console.error(`EDGETUNE_TOKEN: ${problem}; write routes will refuse every request`);
    token = '';
  }
  return createApp(
    {
      base: async () => (await started()).base,
      backend: () => {
        if (!ready) throw new Error('the backend is started with the base: await deps.base() first');
        return ready.backend;
      },
      heads: store,
      token,
      clock: () => new Date(),
      limits: WORKER_LIMITS,
      pause: () => new Promise((resolve) => setTimeout(resolve, 0)),
      web: (file) => webAsset(env, file),
    },
    onError,
  );
}
