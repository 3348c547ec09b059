import path from 'node:path';
import { Command, Option } from 'commander';
import { startNodeBackend } from '../backend.js';
import { DEFAULT_HEADS_DIR } from '../heads.js';
import { consoleLog, describeBackend, type Log } from '../log.js';
import { nonNegativeInt } from '../integer-args.js';
import { backendOptions, port, toBackendOptions, type BackendFlags } from '../options.js';
import { startServer, type RunningServer } from '../server.js';
import { DEFAULT_OUT } from './transfer.js';

export interface ServeFlags extends BackendFlags {
  models: string;
  heads: string;
  host: string;
  port: number;
  tokenFile: string;
  batchWindowMs: number;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

/** Starts the backend and the server; stops cleanly on SIGINT/SIGTERM. */
export async function serveApp(flags: ServeFlags, log: Log = consoleLog): Promise<RunningServer> {
  const backend = await startNodeBackend(toBackendOptions(flags), log.warn);
  log.info(`Backend: ${describeBackend(backend)}`);
  const running = await startServer(
    { models: flags.models, heads: flags.heads, host: flags.host, port: flags.port, tokenFile: flags.tokenFile, batchWindowMs: flags.batchWindowMs },
    backend,
    log,
  );
  const stop = () => {
    log.info('Shutting down');
    void running.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return running;
}

/** The options `serve` and `start` share. */
export const serveOptions = (cmd: Command, { models = true } = {}): Command => {
  if (models) cmd.option('--models <dir>', 'where transfer saved the base and its heads', DEFAULT_OUT);
  cmd
    .option('--heads <dir>', 'head store directory', DEFAULT_HEADS_DIR)
    .addOption(new Option('--host <host>', 'interface to listen on').env('HOST').default(DEFAULT_HOST))
    .addOption(new Option('--port <n>', 'port (0: any free one)').env('PORT').argParser(port).default(DEFAULT_PORT))
    .option('--token-file <file>', 'where a generated write token is kept (when EDGETUNE_TOKEN is unset)', path.join('data', 'token'))
    .option('--batch-window-ms <ms>', 'micro-batch concurrent predictions arriving within this window (0: off)', nonNegativeInt, 2);
  return cmd;
};

export const serveCommand = () => {
  const cmd = serveOptions(new Command('serve').description('Serve the HTTP API (predict, train heads) on the trained base'));
  for (const option of backendOptions()) cmd.addOption(option);
  return cmd.action(async (flags: ServeFlags) => {
    await serveApp(flags);
  });
};
