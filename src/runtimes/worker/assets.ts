import { MODEL_JSON, WEIGHTS_BIN, type ModelFiles } from '../../core/artifacts/artifacts.js';
import { metadataOf } from '../../core/artifacts/bundle.js';
import type { Env } from './env.js';
import type { R2HeadStore } from './r2-head-store.js';

/** Static assets are fetched through the binding with any origin; only the path matters. */
const asset = async (env: Env, path: string): Promise<Uint8Array | undefined> => {
  const res = await env.ASSETS.fetch(new Request(`https://assets.invalid/${path}`));
  return res.ok ? new Uint8Array(await res.arrayBuffer()) : undefined;
};

async function modelFiles(env: Env, dir: string): Promise<ModelFiles | undefined> {
  const [json, weights] = await Promise.all([asset(env, `${dir}/${MODEL_JSON}`), asset(env, `${dir}/${WEIGHTS_BIN}`)]);
  return json && weights ? { [MODEL_JSON]: json, [WEIGHTS_BIN]: weights } : undefined;
}

/** The base model's files from the static assets (kept out of the script bundle: 2.4 MB of floats). */
export async function baseFromAssets(env: Env): Promise<ModelFiles> {
  const files = await modelFiles(env, 'models/base');
  if (!files) throw new Error('the static assets hold no base model (models/base); run "npm run build:worker" after "edgetune transfer"');
  return files;
}

/** Adds the heads shipped in the assets (from `edgetune transfer`) to the store, once: a deleted one stays deleted. */
export async function seedHeads(env: Env, store: R2HeadStore, baseHash: string): Promise<void> {
  const manifest = await asset(env, 'models/heads/index.json');
  if (!manifest) return;
  const names = JSON.parse(new TextDecoder().decode(manifest)) as string[];
  for (const name of names) {
    if (await store.get(name)) continue;
    const files = await modelFiles(env, `models/heads/${name}`);
    const meta = files && metadataOf(files);
    if (!files || meta?.kind !== 'head' || meta.baseHash !== baseHash) continue;
    await store.seed(name, files, meta);
  }
}

/** A file of the web page (npm run build:worker puts it under web/). */
export const webAsset = (env: Env, file: string) => asset(env, `web/${file}`);
