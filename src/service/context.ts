import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from './deps.js';
import type { Prediction } from '../core/classify.js';
import type { HeadCache } from './head-cache.js';
import type { MicroBatcher } from './micro-batcher.js';
import type { TrainGate } from './train-gate.js';

/** What the route modules share: the dependencies and the per-app state built from them. */
export interface RouteContext {
  deps: AppDeps;
  cache: HeadCache;
  gate: TrainGate;
  /** Concurrent predictions per head, run as one model call; each result carries the head version used. */
  predictions: MicroBatcher<Prediction & { version: number }>;
  /** Bearer-token check for write routes. */
  auth: MiddlewareHandler;
  /** Rejects bodies over the limit (413) before they are read. */
  bodyLimit: MiddlewareHandler;
}
