// `edgetune`: the runtime-agnostic service, for a runtime adapter of one's own.
export { createApp, type EdgetuneApp } from './app.js';
export type { AppDeps, ServiceBase } from './deps.js';
export { checkHeadName, UnknownHeadError, type HeadRecord, type HeadStore, type HeadVersion } from './head-store.js';
export { IndexCache, type IndexCacheStats } from './index-cache.js';
export { NODE_LIMITS, WORKER_LIMITS, type Limits } from './limits.js';
export type { BackendInfo } from '../contract/backend-info.js';
