import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Miniflare } from 'miniflare';
import { unstable_readConfig } from 'wrangler';
import { buildEnv, root, wrangler } from '../harness/wrangler.js';

export interface Workerd {
  url: string;
  stop(): Promise<void>;
}

/**
 * The Worker as `wrangler deploy` bundles it, run in workerd through
 * Miniflare with wrangler.toml's bindings, and without `wrangler dev`'s
 * reload proxy in front (a process hop that adds ~1.7 ms to every request
 * here, a 404 included, and that no deployed Worker has).
 */
export async function startWorkerd(models: string, token: string): Promise<Workerd> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'edgetune-bench-workerd-'));
  const assets = path.join(dir, 'assets');
  const bundle = path.join(dir, 'bundle');
  const built = await wrangler(['deploy', '--dry-run', '--outdir', bundle, '--assets', assets], { env: buildEnv(models, assets) });
  if (built.code !== 0) throw new Error(`wrangler deploy --dry-run failed:\n${built.output}`);
  const config = unstable_readConfig({ config: path.join(root, 'wrangler.toml') });
  const mf = new Miniflare({
    modules: true,
    scriptPath: path.join(bundle, 'index.js'),
    modulesRoot: bundle,
    modulesRules: [{ type: 'CompiledWasm', include: ['**/*.wasm'] }],
    compatibilityDate: config.compatibility_date,
    compatibilityFlags: config.compatibility_flags,
    assets: { directory: assets, binding: 'ASSETS', routerConfig: { has_user_worker: true, invoke_user_worker_ahead_of_assets: true } },
    r2Buckets: config.r2_buckets.map((b: { binding: string }) => b.binding),
    durableObjects: Object.fromEntries(config.durable_objects.bindings.map((b: { name: string; class_name: string }) => [b.name, { className: b.class_name, useSQLite: true }])),
    bindings: { ...(config.vars as Record<string, string>), EDGETUNE_TOKEN: token },
    host: '127.0.0.1',
    port: 0,
  });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return { url, stop: () => mf.dispose() };
}
