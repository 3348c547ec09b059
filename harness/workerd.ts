import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { WorkerOptions } from 'miniflare';
import { unstable_readConfig } from 'wrangler';
import { buildEnv, root, wrangler } from './wrangler.js';

/** The Worker as `wrangler deploy` bundles it (its [build] command fills the assets from `models`). */
export async function bundleWorker(models: string): Promise<{ bundle: string; assets: string }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-bundle-'));
  const assets = path.join(dir, 'assets');
  const bundle = path.join(dir, 'bundle');
  const built = await wrangler(['deploy', '--dry-run', '--outdir', bundle, '--assets', assets], { env: buildEnv(models, assets) });
  if (built.code !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${built.output}`);
  return { bundle, assets };
}

/**
 * Miniflare options that run the bundle in workerd with wrangler.toml's
 * bindings, as `wrangler dev` would but without its reload proxy in front.
 * `indexFrom` binds the HeadIndex Durable Object of another worker of the
 * same Miniflare (a second isolate on the same index).
 */
export function workerdOptions(bundle: string, assets: string, vars: Record<string, string>, indexFrom?: string): WorkerOptions {
  const config = unstable_readConfig({ config: path.join(root, 'wrangler.toml') });
  return {
    modules: true,
    scriptPath: path.join(bundle, 'index.js'),
    modulesRoot: bundle,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    assets: { directory: assets, binding: 'ASSETS', routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true } },
    r2Buckets: Object.fromEntries(config.r2_buckets.map((b: { binding: string; bucket_name: string }) => [b.binding, b.bucket_name])),
    durableObjects: Object.fromEntries(
      config.durable_objects.bindings.map((b: { name: string; class_name: string }) => [b.name, { className: b.class_name, useSQLite: true, ...(indexFrom ? { scriptName: indexFrom } : {}) }]),
    ),
    bindings: { ...(config.vars as Record<string, string>), ...vars },
  };
}
