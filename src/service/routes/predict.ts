import { createRoute, z, type OpenAPIHono } from '@hono/zod-openapi';
import type { RouteContext } from '../context.js';
import { IMAGE_BODY_TYPES, bodyFormat, bodyPixels, imagesToPixels } from '../images.js';
import { sizeOf } from '../../core/data/input-shape.js';
import { mediaType, requireContentType } from '../middleware.js';
import { problemResponses } from '../problem-schema.js';
import { NameParams, PredictResponse, VersionQuery, predictBody } from '../schemas.js';

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
        'Each image is 784 numbers in [0, 1] (1 = ink), 28 rows of 28, {"png": base64}, {"jpeg": base64} or {"image": base64} (PNG or JPEG, sniffed); ' +
        'or send one image as the raw image/png or image/jpeg body.',
      middleware: [ctx.bodyLimit, requireContentType(['application/json', ...IMAGE_BODY_TYPES])] as const,
      request: {
        params: NameParams,
        query: VersionQuery,
        body: {
          content: {
            'application/json': { schema: predictBody(deps.limits) },
            'image/png': { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
            'image/jpeg': { schema: z.any().openapi({ type: 'string', format: 'binary' }) },
          },
          // Not "required": that would run the JSON validator on image bodies too.
          // requireContentType above insists on one of these types.
          required: false,
        },
      },
      responses: {
        200: { content: { 'application/json': { schema: PredictResponse } }, description: 'one prediction per image' },
        ...problemResponses({ 404: 'no such head (or version)', 413: 'body too large', 415: 'not JSON, PNG or JPEG', 422: 'invalid images' }),
      },
    }),
    async (c) => {
      const { name } = c.req.valid('param');
      const asked = c.req.valid('query').version;
      let pixels: Float32Array;
      const declared = bodyFormat(mediaType(c));
      const { input } = await ctx.deps.base();
      if (declared) {
        pixels = await bodyPixels(new Uint8Array(await c.req.arrayBuffer()), declared, input, ctx.decoding);
      } else {
        const { images } = c.req.valid('json');
        pixels = await imagesToPixels(images, (i) => `images[${i}]`, input, ctx.decoding);
      }
      const { version, predictions } = await ctx.predict(name, pixels, pixels.length / sizeOf(input), asked);
      return c.json({ head: { name, version }, predictions }, 200);
    },
  );
}
