import { env } from 'cloudflare:workers';
import type { Env } from './env.js';
import { createWorkerApp } from './worker-app.js';

export { HeadIndex } from './head-index.js';

const edgetune = createWorkerApp(env as unknown as Env);

export default {
  fetch: (request, bindings, ctx) => edgetune.app.fetch(request, bindings, ctx),
} satisfies ExportedHandler<Env>;
