import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { InputError } from '../core/errors.js';
import type { RouteContext } from './context.js';
import type { AppDeps } from './deps.js';
import { classify } from '../core/classify.js';
import { HeadCache } from './head-cache.js';
import { MicroBatcher } from './micro-batcher.js';
import { UnknownHeadError } from './head-store.js';
import { limitBody, tokenAuth } from './middleware.js';
import { Problem, validationProblem } from './problem.js';
import { headRoutes } from './routes/heads.js';
import { infoRoutes } from './routes/info.js';
import { predictRoutes } from './routes/predict.js';
import { trainRoutes } from './routes/train.js';
import { webRoutes } from './routes/web.js';
import { TrainGate } from './train-gate.js';
import { fieldErrors } from './validation.js';

export interface EdgetuneApp {
  app: OpenAPIHono;
  /** Frees the loaded heads (tests, shutdown). */
  dispose(): void;
}

/** Turns anything thrown in a request into a problem; only real faults are 500s. */
function toProblem(err: unknown): Problem {
  if (err instanceof Problem) return err;
  if (err instanceof UnknownHeadError) return new Problem(404, 'not-found', err.message);
  if (err instanceof InputError) return new Problem(422, 'validation', err.message);
  if (err instanceof HTTPException) return new Problem(400, 'malformed-request', err.message || 'malformed request');
  return new Problem(500, 'internal', 'internal error');
}

/**
 * The edgetune HTTP app, built from its dependencies so that Node, workerd
 * and tests run the same code. Reads are open; writes need the bearer token.
 */
export function createApp(deps: AppDeps, onError: (err: unknown) => void = () => {}): EdgetuneApp {
  const app = new OpenAPIHono({
    defaultHook: async (result, c) => {
      if (result.success) return;
      const input = result.target === 'json' ? await c.req.json().catch(() => undefined) : c.req.param();
      throw validationProblem(fieldErrors(result.error, input));
    },
  });
  const cache = new HeadCache(deps.heads);
  const predictions = new MicroBatcher({ windowMs: deps.batchWindowMs ?? 2, maxImages: deps.limits.maxPredictImages }, async (name, pixels, count) => {
    const base = await deps.base();
    const head = await cache.get(name, base.hash);
    const results = await classify(base.model, head.model, head.metadata.labels, pixels, count);
    return results.map((p) => ({ ...p, version: head.version }));
  });
  const ctx: RouteContext = {
    deps,
    cache,
    predictions,
    gate: new TrainGate(),
    auth: tokenAuth(deps.token),
    bodyLimit: limitBody(deps.limits.maxBodyBytes),
  };

  // Cross-origin isolation, so the page may use SharedArrayBuffer and the
  // threaded wasm binary; on every response, since workers and wasm inherit it.
  app.use(async (c, next) => {
    await next();
    c.res.headers.set('Cross-Origin-Opener-Policy', 'same-origin');
    c.res.headers.set('Cross-Origin-Embedder-Policy', 'require-corp');
    c.res.headers.set('Cross-Origin-Resource-Policy', 'same-origin');
  });

  app.onError((err) => {
    // Middleware that answers with a ready response (the token check's 401 problems).
    if (err instanceof HTTPException && err.res) return err.res;
    const problem = toProblem(err);
    if (problem.status >= 500) onError(err);
    return problem.response();
  });
  app.notFound((c) => new Problem(404, 'not-found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`).response());

  infoRoutes(app, ctx);
  headRoutes(app, ctx);
  predictRoutes(app, ctx);
  trainRoutes(app, ctx);
  webRoutes(app, ctx);

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  app.doc31('/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'edgetune',
      version: '1',
      description: 'Heads on a frozen CNN base: predict, train on cached features, version and roll back. Errors are RFC 9457 problems.',
    },
  });
  return { app, dispose: () => ctx.cache.dispose() };
}
