// `edgetune/node`: edgetune in a Node app of one's own: start the backend,
// build the app, mount or serve it.
export { startNodeBackend, type NodeBackendOptions } from './backend.js';
export { createNodeApp, type NodeApp, type NodeAppOptions } from './node-app.js';
export { startServer, type RunningServer, type ServeOptions } from './server.js';
export { FileHeadStore } from './file-head-store.js';
export type { Log } from './log.js';
