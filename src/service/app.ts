import { OpenAPIHono } from '@hono/zod-openapi';
import { HTTPException } from 'hono/http-exception';
import { InputError } from '../core/errors.js';
import { TrainingStopped } from '../core/training/train.js';
import type { RouteContext } from './context.js';
import type { AppDeps } from './deps.js';
import { HeadCache } from './head-cache.js';
import { UnknownHeadError } from './head-store.js';
import { ServiceMetrics } from './metrics.js';
import { checkToken, limitBody, tokenAuth } from './middleware.js';
import { predictor } from './predict.js';
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
  if (err instanceof TrainingStopped) return new Problem(499, 'client-closed', 'the client went away: the training job was stopped and nothing was stored');
  if (err instanceof HTTPException) return new Problem(400, 'malformed-request', err.message || 'malformed request');
  return new Problem(500, 'internal', 'internal error');
}

const routePattern = (path: string) =>
  new RegExp(`^${path.split('/').map((part) => (part === '*' ? '.*' : part.startsWith(':') ? '[^/]+' : part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))).join('/')}$`);

/** The methods some route answers for `pathname` (405 rather than 404 when there are any). */
function methodsFor(app: { routes: Array<{ method: string; path: string }> }) {
  let routes: Array<{ method: string; pattern: RegExp }> | undefined;
  return (pathname: string): string[] => {
    routes ??= app.routes.filter((r) => r.method !== 'ALL').map((r) => ({ method: r.method, pattern: routePattern(r.path) }));
    const methods = new Set(routes.filter((r) => r.pattern.test(pathname)).map((r) => r.method));
    if (methods.has('GET')) methods.add('HEAD');
    return [...methods].sort();
  };
}

/**
 * The edgetune HTTP app, built from its dependencies so that Node, workerd
 * and tests run the same code. Reads are open; writes need the bearer token.
 */
export function createApp(deps: AppDeps, onError: (err: unknown) => void = () => {}): EdgetuneApp {
  const tokenProblem = deps.token ? checkToken(deps.token) : undefined;
  if (tokenProblem) throw new InputError(tokenProblem);
  const app = new OpenAPIHono({
    defaultHook: (result) => {
      if (!result.success) throw validationProblem(fieldErrors(result.error));
    },
  });
  const cache = new HeadCache(deps.heads);
  const metrics = new ServiceMetrics();
  const problemOf = (err: unknown) => {
    const problem = toProblem(err);
    if (problem.status >= 500) onError(err);
    return problem;
  };
  const ctx: RouteContext = {
    deps,
    cache,
    gate: new TrainGate(),
    metrics,
    decoding: { limits: deps.limits, metrics, pause: deps.pause },
    predict: predictor(deps, cache),
    problemOf,
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
    return problemOf(err).response();
  });
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
  // A route, not notFound(), so that it still answers when this app is
  // mounted in another (parent.route('/ml', app)); paths are matched below
  // the mount point.
  const allowed = methodsFor(app);
  app.all('*', (c) => {
    const mount = c.req.routePath.replace(/\/?\*$/, '');
    const full = new URL(c.req.url).pathname;
    const methods = allowed(full.slice(mount.length) || '/');
    if (methods.length) {
      return new Problem(405, 'method-not-allowed', `${full} answers ${methods.join(', ')}, not ${c.req.method}`, undefined, { Allow: methods.join(', ') }).response();
    }
    return new Problem(404, 'not-found', `no route for ${c.req.method} ${full}`).response();
  });
  return { app, dispose: () => ctx.cache.dispose() };
}
