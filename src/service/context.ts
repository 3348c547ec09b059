import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from './deps.js';
import type { HeadCache } from './head-cache.js';
import type { TrainGate } from './train-gate.js';

/** What the route modules share: the dependencies and the per-app state built from them. */
export interface RouteContext {
  deps: AppDeps;
  cache: HeadCache;
  gate: TrainGate;
  /** Bearer-token check for write routes. */
  auth: MiddlewareHandler;
  /** Rejects bodies over the limit (413) before they are read. */
  bodyLimit: MiddlewareHandler;
}
