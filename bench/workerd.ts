import { Miniflare } from 'miniflare';
import { bundleWorker, workerdOptions } from '../harness/workerd.js';

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
  const { bundle, assets } = await bundleWorker(models);
  const mf = new Miniflare({ ...workerdOptions(bundle, assets, { EDGETUNE_TOKEN: token }), host: '127.0.0.1', port: 0 });
  const url = (await mf.ready).toString().replace(/\/$/, '');
  return { url, stop: () => mf.dispose() };
}
