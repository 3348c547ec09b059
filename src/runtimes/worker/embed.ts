// `edgetune/worker`: edgetune in a Worker of one's own. The Worker exports
// HeadIndex (its Durable Object class) and mounts createWorkerApp(env).app.
export { createWorkerApp } from './worker-app.js';
export { HeadIndex } from './head-index.js';
export { R2HeadStore } from './r2-head-store.js';
export type { Env } from './env.js';
