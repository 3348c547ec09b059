import type { MiddlewareHandler } from 'hono';
import type { AppDeps } from './deps.js';
import type { HeadCache } from './head-cache.js';
import type { ImageDecoding } from './images.js';
import type { ServiceMetrics } from './metrics.js';
import type { PredictResult } from './predict.js';
import type { Problem } from './problem.js';
import type { TrainGate } from './train-gate.js';

/** What the route modules share: the dependencies and the per-app state built from them. */
export interface RouteContext {
  deps: AppDeps;
  cache: HeadCache;
  gate: TrainGate;
  metrics: ServiceMetrics;
  /** Limits, metrics and pause for decoding a request's images. */
  decoding: ImageDecoding;
  predict(name: string, pixels: Float32Array, count: number, version?: number): Promise<PredictResult>;
  /** Anything thrown as the problem a client sees; server faults are logged. */
  problemOf(err: unknown): Problem;
  /** Bearer-token check for write routes. */
  auth: MiddlewareHandler;
  /** Rejects bodies over the limit (413) before they are read. */
  bodyLimit: MiddlewareHandler;
}
