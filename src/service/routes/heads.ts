import { createRoute, type OpenAPIHono } from '@hono/zod-openapi';
import type { RouteContext } from '../context.js';
import { UnknownHeadError, type HeadRecord, type HeadVersion } from '../head-store.js';
import { HeadSchema, NameParams, RollbackBody } from '../schemas.js';
import { requireContentType } from '../middleware.js';
import { problemResponses } from '../problem-schema.js';
import { z } from '@hono/zod-openapi';

const json = <T>(schema: T, description: string) => ({ content: { 'application/json': { schema } }, description });

const versionView = (v: HeadVersion) => ({
  version: v.version,
  createdAt: v.createdAt,
  labels: v.metadata.labels,
  metrics: v.metadata.metrics,
  training: v.metadata.training,
});

/** A head as the API shows it: its serving version's details plus all versions. */
export function headView(record: HeadRecord) {
  const current = record.versions.find((v) => v.version === record.current)!;
  return {
    name: record.name,
    version: record.current,
    labels: current.metadata.labels,
    metrics: current.metadata.metrics,
    createdAt: current.createdAt,
    baseHash: current.metadata.baseHash,
    ...(current.metadata.input ? { input: current.metadata.input } : {}),
    versions: record.versions.map(versionView),
  };
}

export async function requireHead(ctx: RouteContext, name: string): Promise<HeadRecord> {
  const record = await ctx.deps.heads.get(name);
  if (!record) throw new UnknownHeadError(name);
  return record;
}

export function headRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/heads',
      tags: ['heads'],
      responses: { 200: json(z.object({ heads: z.array(HeadSchema) }), 'all heads') },
    }),
    async (c) => c.json({ heads: (await ctx.deps.heads.list()).map(headView) }, 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/heads/{name}',
      tags: ['heads'],
      request: { params: NameParams },
      responses: { 200: json(HeadSchema, 'one head'), ...problemResponses({ 404: 'no such head' }) },
    }),
    async (c) => c.json(headView(await requireHead(ctx, c.req.valid('param').name)), 200),
  );

  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/heads/{name}/versions',
      tags: ['heads'],
      request: { params: NameParams },
      responses: {
        200: json(z.object({ name: z.string(), current: z.number().int(), versions: z.array(HeadSchema.shape.versions.element) }), 'its versions'),
        ...problemResponses({ 404: 'no such head' }),
      },
    }),
    async (c) => {
      const record = await requireHead(ctx, c.req.valid('param').name);
      return c.json({ name: record.name, current: record.current, versions: record.versions.map(versionView) }, 200);
    },
  );

  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/heads/{name}',
      tags: ['heads'],
      security: [{ bearer: [] }],
      middleware: [ctx.auth] as const,
      request: { params: NameParams },
      responses: { 204: { description: 'deleted' }, ...problemResponses({ 401: 'missing or bad token', 404: 'no such head' }) },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      if (!(await ctx.deps.heads.remove(name))) throw new UnknownHeadError(name);
      ctx.cache.evict(name);
      return c.body(null, 204);
    },
  );

  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/heads/{name}/rollback',
      tags: ['heads'],
      security: [{ bearer: [] }],
      middleware: [ctx.auth, ctx.bodyLimit, requireContentType(['application/json'], { optional: true })] as const,
      request: {
        params: NameParams,
        body: { content: { 'application/json': { schema: RollbackBody } }, required: false, description: 'the version to serve (default: the one before the current)' },
      },
      responses: {
        200: json(HeadSchema, 'the head, now serving the chosen version'),
        ...problemResponses({ 401: 'missing or bad token', 404: 'no such head or version', 415: 'a body that is not JSON' }),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const record = await ctx.deps.heads.rollback(name, c.req.valid('json').version);
      return c.json(headView(record), 200);
    },
  );
}
