import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../../contract/backend-info.js';
import { metadataOf } from '../../core/artifacts/bundle.js';
import { loadBase } from '../../core/artifacts/loaded.js';
import { createApp, type EdgetuneApp } from '../../service/app.js';
import type { ServiceBase } from '../../service/deps.js';
import { NODE_LIMITS } from '../../service/limits.js';
import { FileHeadStore } from './file-head-store.js';
import { consoleLog, type Log } from './log.js';
import { layout, loadModelDir } from './model-files.js';
import { resolveToken, type TokenSource } from './token.js';

export interface NodeAppOptions {
  /** Where `edgetune transfer` saved the base and its heads. */
  models: string;
  /** The head store directory. */
  heads: string;
  /** The write token; default: EDGETUNE_TOKEN, else the one kept in `tokenFile` (generated there at first). */
  token?: string;
  /** Default data/token. */
  tokenFile?: string;
  /** The built web page (default: dist/web of this package); false: no page. */
  web?: string | false;
  /** Micro-batching window for concurrent predictions (default 2 ms; 0: off). */
  batchWindowMs?: number;
}

export interface NodeApp extends EdgetuneApp {
  base: ServiceBase;
  token: { value: string; source: TokenSource | 'option' };
  /** Frees the loaded heads and the base. */
  close(): void;
}

/** The page `npm run build` makes; the same path from src/ and dist/ (both three levels below the package). */
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

/**
 * The edgetune app for Node, not yet listening: the base loaded, the head
 * store opened (and repaired) with the transfer heads added, the token
 * resolved. Serve `app.fetch`, or mount `app` in a Hono app of one's own
 * (`parent.route('/ml', edgetune.app)`). The tfjs backend must be started
 * first (startNodeBackend).
 */
export async function createNodeApp(options: NodeAppOptions, backend: BackendInfo, log: Log = consoleLog): Promise<NodeApp> {
  const baseDir = layout(options.models).base;
  const files = await loadModelDir(baseDir);
  const loaded = await loadBase(files, baseDir);
  const base: ServiceBase = { ...loaded, model: loaded.model as tf.Sequential, files };
  const store = await FileHeadStore.open(options.heads, log.warn);
  await seedHeads(store, options.models, base, log);
  const token = options.token !== undefined ? { token: options.token, source: 'option' as const } : await resolveToken(options.tokenFile ?? path.join('data', 'token'));
  const webDir = options.web ?? fileURLToPath(DEFAULT_WEB);
  const edgetune = createApp(
    {
      base: async () => base,
      backend: () => backend,
      heads: store,
      token: token.token,
      clock: () => new Date(),
      limits: NODE_LIMITS,
      pause: () => new Promise((resolve) => setImmediate(resolve)),
      batchWindowMs: options.batchWindowMs,
      ...(webDir === false ? {} : { web: (file: string) => readFile(path.join(webDir, file)).then((b) => new Uint8Array(b), () => undefined) }),
    },
    (err) => log.warn(`request failed: ${(err as Error).stack ?? err}`),
  );
  return {
    ...edgetune,
    base,
    token: { value: token.token, source: token.source },
    close: () => {
      edgetune.dispose();
      base.model.dispose();
    },
  };
}
