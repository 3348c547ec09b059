import type * as tf from '@tensorflow/tfjs';
import type { BackendInfo } from '../contract/backend-info.js';
import type { ModelFiles } from '../core/artifacts/artifacts.js';
import type { LoadedBase } from '../core/artifacts/loaded.js';
import type { HeadStore } from './head-store.js';
import type { Limits } from './limits.js';

/** The frozen base as the service uses it: loaded, with the files it came from. */
export interface ServiceBase extends LoadedBase {
  model: tf.Sequential;
  files: ModelFiles;
}

/** Everything the app needs from its runtime; the same app runs in Node, workerd and tests. */
export interface AppDeps {
  /** The base, loaded once (lazily where start-up time is limited). */
  base: () => Promise<ServiceBase>;
  /** The tfjs backend the runtime started. */
  backend: () => BackendInfo;
  heads: HeadStore;
  /** Bearer token for write routes. */
  token: string;
  clock: () => Date;
  limits: Limits;
  /** Awaited between training steps so other requests are served meanwhile. */
  pause: () => Promise<void>;
  /** Seed for training runs (tests pass a fixed one). */
  seed?: () => number;
  /** Micro-batching window for concurrent predictions, in ms (default 2; 0 turns it off). */
  batchWindowMs?: number;
  /** The prebuilt web page's files by path (index.html, app.js, ...), when this runtime serves it. */
  web?: (path: string) => Promise<Uint8Array | undefined>;
}
