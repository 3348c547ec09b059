import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { RouteContext } from '../context.js';
import { imagesToPixels, pngBodyPixels } from '../images.js';
import { PIXELS } from '../limits.js';
import { isPngRequest, requireContentType } from '../middleware.js';
import { NameParams, PredictResponse, ProblemSchema, predictBody } from '../schemas.js';

const problem = (description: string) => ({ content: { 'application/problem+json': { schema: ProblemSchema } }, description });

export function predictRoutes(app: OpenAPIHono, ctx: RouteContext): void {
  const { deps } = ctx;
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/heads/{name}/predict',
      tags: ['predict'],
      summary: 'Classify images with a head on the frozen base',
      description:
        `Up to ${deps.limits.maxPredictImages} images per request, answered in input order. ` +
        'Each image is 784 numbers in [0, 1] (1 = ink), 28 rows of 28, or {"png": base64}; ' +
        'or send one PNG as the raw image/png body.',
      middleware: [ctx.bodyLimit, requireContentType('application/json', 'image/png')] as const,
      request: {
        params: NameParams,
        body: {
          content: {
            'application/json': { schema: predictBody(deps.limits) },
            'image/png': { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
          },
          // Not "required": that would run the JSON validator on PNG bodies too.
          // requireContentType above insists on one of the two.
          required: false,
        },
      },
      responses: {
        200: { content: { 'application/json': { schema: PredictResponse } }, description: 'one prediction per image' },
        404: problem('no such head'),
        413: problem('body too large'),
        415: problem('not JSON or PNG'),
        422: problem('invalid images'),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      let pixels: Float32Array;
      if (isPngRequest(c)) {
        pixels = pngBodyPixels(new Uint8Array(await c.req.arrayBuffer()), deps.limits);
      } else {
        const { images } = c.req.valid('json');
        pixels = imagesToPixels(images, (i) => `images[${i}]`, deps.limits);
      }
      const results = await ctx.predictions.submit(name, pixels, pixels.length / PIXELS);
      const predictions = results.map(({ version: _, ...p }) => p);
      return c.json({ head: { name, version: results[0].version }, predictions }, 200);
    },
  );
}
