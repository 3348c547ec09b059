import type { HeadIndex } from './head-index.js';

/** The Worker's bindings (wrangler.toml). */
export interface Env {
  /** Static assets: the base model files, the transfer heads, the web page. */
  ASSETS: Fetcher;
  /** Head weights, one object per file and version. */
  HEADS: R2Bucket;
  /** The head index: one Durable Object for all heads, the single source of truth. */
  HEAD_INDEX: DurableObjectNamespace<HeadIndex>;
  /** Write token (`wrangler secret put EDGETUNE_TOKEN`; `.dev.vars` locally). */
  EDGETUNE_TOKEN?: string;
  /** How stale an isolate's copy of a head's index record may get, in seconds (wrangler.toml [vars]; default 10). */
  HEAD_INDEX_TTL_SECONDS?: string;
}
