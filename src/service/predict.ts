import { classify, type Prediction } from '../core/model/classify.js';
import type { AppDeps } from './deps.js';
import type { HeadCache } from './head-cache.js';
import { MicroBatcher } from './micro-batcher.js';

export interface PredictResult {
  /** The head version that answered. */
  version: number;
  predictions: Prediction[];
}

/** The predict use case: `count` images through a version of the head (default: the current one), micro-batched with concurrent requests for the same version. */
export function predictor(deps: AppDeps, cache: HeadCache) {
  const batcher = new MicroBatcher<Prediction>({ windowMs: deps.batchWindowMs ?? 2, maxImages: deps.limits.maxPredictImages });
  return async (name: string, pixels: Float32Array, count: number, version?: number): Promise<PredictResult> => {
    const base = await deps.base();
    return cache.use(
      name,
      base.hash,
      async (head) => ({
        version: head.version,
        predictions: await batcher.submit(`${name}@${head.version}`, pixels, count, (batch, n) => classify(base.model, head.model, head.metadata.labels, batch, n)),
      }),
      version,
    );
  };
}
