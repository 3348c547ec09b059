import type { OpenAPIHono } from '@hono/zod-openapi';
import { MODEL_JSON, WEIGHTS_BIN } from '../../core/artifacts/artifacts.js';
import type { RouteContext } from '../context.js';
import { Problem } from '../problem.js';
import { requireHead } from './heads.js';

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  json: 'application/json',
  wasm: 'application/wasm',
  png: 'image/png',
  svg: 'image/svg+xml',
};

/** The web page and its prebuilt assets, and the current files of each head (for in-page inference). */
export function webRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { deps } = ctx;

  const file = async (path: string) => {
    if (!deps.web || path.split('/').some((part) => part === '..' || part === '')) return undefined;
    const body = await deps.web(path);
    if (!body) return undefined;
    const ext = path.slice(path.lastIndexOf('.') + 1);
    return new Response(body as Uint8Array<ArrayBuffer>, { headers: { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'no-cache' } });
  };

  app.get('/', async (c) => (await file('index.html')) ?? c.text('The web page is not built: run "npm run build".', 404));
  app.get('/web/*', async (c) => {
    const res = await file(new URL(c.req.url).pathname.slice('/web/'.length));
    if (!res) throw new Problem(404, 'not-found', `no web asset ${new URL(c.req.url).pathname}`);
    return res;
  });

  for (const [name, type] of [
    [MODEL_JSON, 'application/json'],
    [WEIGHTS_BIN, 'application/octet-stream'],
  ] as const) {
    app.get(`/models/heads/:name/${name}`, async (c) => {
      const head = c.req.param('name');
      const record = await requireHead(ctx, head);
      const etag = `"${head}-${record.current}"`;
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      const files = await deps.heads.files(head, record.current);
      if (!files) throw new Problem(404, 'not-found', `head "${head}" has no files`);
      return c.body(files[name] as Uint8Array<ArrayBuffer>, 200, { 'content-type': type, etag, 'cache-control': 'no-cache' });
    });
  }
}
