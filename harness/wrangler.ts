// Used by the tests and by the bench (bench/workerd.ts, bench/remote.ts), so it lives outside test/.
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
const wranglerBin = `${root}node_modules/wrangler/bin/wrangler.js`;

/** Offline: no telemetry, no Request.cf download. */
export const wranglerEnv = { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', NO_COLOR: '1' };

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface DevServer {
  url: string;
  output: () => string;
  stop(): Promise<void>;
}

export interface DevOptions {
  /** The trained models the [build] command puts in the assets. */
  models: string;
  /** Where the [build] command writes the static assets. */
  assets: string;
  persistTo: string;
  token: string;
  /** More [vars], e.g. HEAD_INDEX_TTL_SECONDS. */
  vars?: Record<string, string>;
  /** The project directory (default: this one); a Worker that embeds edgetune has its own. */
  cwd?: string;
  /** The path polled until it answers (default /openapi.json). */
  ready?: string;
}

/** The environment wrangler.toml's [build] command reads: which models, and where the assets go. */
export const buildEnv = (models: string, assets?: string) => ({ ...wranglerEnv, EDGETUNE_MODELS: models, ...(assets ? { EDGETUNE_WORKER_ASSETS: assets } : {}) });

/** `wrangler dev` (real workerd) on a free loopback port: its [build] command fills the assets, local state persists. */
export async function wranglerDev(options: DevOptions): Promise<DevServer> {
  const [port, inspector] = [await freePort(), await freePort()];
  const vars = Object.entries({ EDGETUNE_TOKEN: options.token, ...options.vars }).flatMap(([k, v]) => ['--var', `${k}:${v}`]);
  const child: ChildProcess = spawn(
    process.execPath,
    [
      wranglerBin, 'dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', String(inspector),
      '--assets', options.assets, '--persist-to', options.persistTo, ...vars,
      '--show-interactive-dev-session=false', '--log-level', 'warn',
    ],
    { cwd: options.cwd ?? root, env: buildEnv(options.models, options.assets), detached: true },
  );
  let output = '';
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`wrangler dev exited:\n${output}`);
    if (Date.now() > deadline) throw new Error(`wrangler dev did not answer:\n${output}`);
    const ok = await fetch(`${url}${options.ready ?? '/openapi.json'}`).then((r) => r.ok, () => false);
    if (ok) break;
    await sleep(250);
  }
  return {
    url,
    output: () => output,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('close', () => resolve());
        // The whole group: wrangler and the workerd it started.
        process.kill(-child.pid!, 'SIGTERM');
        setTimeout(() => child.exitCode === null && process.kill(-child.pid!, 'SIGKILL'), 10_000).unref();
      }),
  };
}

/** Runs wrangler with arguments (in `cwd`, default this project) and collects its output. */
export function wrangler(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [wranglerBin, ...args], { cwd: options.cwd ?? root, env: options.env ?? wranglerEnv });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.on('close', (code) => resolve({ code, output }));
  });
}
