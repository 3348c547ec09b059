import { serve, type ServerType } from '@hono/node-server';
import type { BackendInfo } from '../../contract/backend-info.js';
import type { Log } from './log.js';
import { createNodeApp, type NodeApp, type NodeAppOptions } from './node-app.js';

export interface ServeOptions extends NodeAppOptions {
  host: string;
  port: number;
  tokenFile: string;
}

export interface RunningServer {
  url: string;
  app: NodeApp;
  server: ServerType;
  close(): Promise<void>;
}

/** Builds the Node app and serves it with @hono/node-server. */
export async function startServer(options: ServeOptions, backend: BackendInfo, log: Log): Promise<RunningServer> {
  const app = await createNodeApp(options, backend, log);
  const server = await new Promise<ServerType>((resolve, reject) => {
    const s = serve({ fetch: app.app.fetch, hostname: options.host, port: options.port }, () => resolve(s));
    s.once('error', reject);
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : options.port;
  const url = `http://${options.host.includes(':') ? `[${options.host}]` : options.host}:${port}`;
  const { value, source } = app.token;
  if (source === 'generated') log.info(`Write token (kept in ${options.tokenFile}, shown once): ${value}`);
  else log.info(`Write token: ${source === 'env' ? 'from EDGETUNE_TOKEN' : source === 'option' ? 'as given' : `in ${options.tokenFile}`}`);
  // Last: the line that says the server is ready.
  log.info(`Serving base ${app.base.hash.slice(0, 12)} and heads from ${options.heads} on ${url}`);
  return {
    url,
    app,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        app.close();
      }),
  };
}
