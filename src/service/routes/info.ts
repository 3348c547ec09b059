import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import { MODEL_JSON, WEIGHTS_BIN } from '../../core/artifacts/artifacts.js';
import { outputSize } from '../../core/model/model.js';
import { summarize } from '../../core/model/summary.js';
import type { RouteContext } from '../context.js';
import { HealthSchema, MetricsSchema, ModelSchema } from '../schemas.js';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

export function infoRoutes(app: OpenAPIHono, { deps, metrics, gate }: RouteContext): void {
  app.openapi(
    createRoute({ method: 'get', path: '/healthz', tags: ['service'], responses: { 200: json(HealthSchema, 'the service is up') } }),
    async (c) => {
      const base = await deps.base();
      return c.json({ status: 'ok' as const, backend: deps.backend(), base: { hash: base.hash } }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/metrics',
      tags: ['service'],
      summary: 'Memory held by tensors and image decoding, and the training job, for soak tests and operators',
      responses: { 200: json(MetricsSchema, 'counters of this process or isolate') },
    }),
    (c) => {
      const job = gate.current(Date.now());
      const index = deps.heads.indexStats?.();
      return c.json({ ...metrics.snapshot(), training: job ? { head: job.name, since: new Date(job.since).toISOString() } : null, ...(index ? { index } : {}) }, 200);
    },
  );

  app.openapi(
    createRoute({ method: 'get', path: '/v1/model', tags: ['model'], responses: { 200: json(ModelSchema, 'the frozen base') } }),
    async (c) => {
      const base = await deps.base();
      const summary = summarize(base.model);
      return c.json(
        {
          hash: base.hash,
          inputShape: [base.input.rows, base.input.cols, base.input.channels],
          fit: base.input.fit,
          featureSize: outputSize(base.model),
          layers: summary.layers.map(({ name, type, outputShape, params }) => ({ name, type, outputShape, params })),
          params: summary.params,
          ...(base.metadata ? { dataset: base.metadata.dataset, classes: base.metadata.classes } : {}),
        },
        200,
      );
    },
  );

  // The base's files, for clients that run it themselves (the browser page).
  for (const [file, type] of [
    [MODEL_JSON, 'application/json'],
    [WEIGHTS_BIN, 'application/octet-stream'],
  ] as const) {
    app.get(`/models/base/${file}`, async (c) => {
      const base = await deps.base();
      const etag = `"${base.hash.slice(0, 32)}"`;
      if (c.req.header('if-none-match') === etag) return c.body(null, 304);
      return c.body(base.files[file] as Uint8Array<ArrayBuffer>, 200, { 'content-type': type, etag, 'cache-control': 'no-cache' });
    });
  }
}
