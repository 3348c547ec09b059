import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { RowConfig, RowMeasurements } from './rows/node-row.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

/** Set on these machines for old OpenBLAS builds; a native row unsets them in its own environment only (and records that). */
const NATIVE_UNSET = ['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE'];

function run(command: string, args: string[], timeoutMs: number, env: NodeJS.ProcessEnv = process.env): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => (stderr += err.message));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lastJson = (text: string) => JSON.parse(text.trim().split('\n').pop()!);

/** A row's measurements with the set-up it ran on (versions, threads, BLAS, ISA), or why it did not run. */
export type PeerMeasurements = RowMeasurements & { version: string; setup: Record<string, unknown> };
export type Outcome<T> = T | { skipped: string } | { refused: string };

/** A child's end as an outcome: exit 3 with "refused: ..." is a set-up its users would not run. */
function outcome<T>(label: string, r: { code: number | null; stdout: string; stderr: string }): Outcome<T> {
  if (r.code === 3) return { refused: r.stderr.match(/refused: (.*)/)?.[1] ?? 'refused' };
  if (r.code !== 0) {
    const reason = r.stderr.match(/edgetune: (.*)|Error: (.*)/);
    return { skipped: `${label} failed: ${reason ? (reason[1] ?? reason[2]) : r.stderr.trim().split('\n').pop() || `exit ${r.code}`}` };
  }
  return lastJson(r.stdout) as T;
}

/** A Node row in a fresh process (wasm threads and SIMD are fixed when the backend starts). */
export async function nodeRow(config: RowConfig): Promise<RowMeasurements | { skipped: string }> {
  const r = await run(process.execPath, ['--import', 'tsx', here('./rows/node-row.ts'), JSON.stringify(config)], 30 * 60_000);
  const o = outcome<RowMeasurements>('node-row', r);
  return 'refused' in o ? { skipped: o.refused } : o;
}

/** The environment of a native row: the machine's, less the OpenBLAS overrides (named in EDGETUNE_UNSET_ENV for the row's record). */
function nativeEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  const unset = NATIVE_UNSET.filter((k) => k in env);
  for (const k of unset) delete env[k];
  return { ...env, EDGETUNE_UNSET_ENV: unset.join(',') };
}

/** Whether `python` imports `modules`; the reason it does not, else undefined. */
export async function pythonLacks(python: string, modules: string[]): Promise<string | undefined> {
  if (!existsSync(python)) return `no ${python}`;
  const r = await run(python, ['-c', `import ${modules.join(', ')}`], 120_000, nativeEnv());
  return r.code === 0 ? undefined : `${python} cannot import ${modules.join(', ')}`;
}

/** A reference row from bench/reference/SCRIPT run by `python` (same config and measurements as a Node row). */
export async function pythonRow(python: string, script: string, config: RowConfig, mnistDir: string, extra: string[] = []): Promise<Outcome<PeerMeasurements>> {
  const r = await run(python, [here(`./reference/${script}`), JSON.stringify(config), mnistDir, ...extra], 30 * 60_000, nativeEnv());
  return outcome<PeerMeasurements>(script, r);
}

/** A Python script's one JSON line (peaks, the end-to-end experiment). */
export async function pythonJson<T>(python: string, script: string, args: string[], timeoutMs = 30 * 60_000): Promise<Outcome<T>> {
  return outcome<T>(script, await run(python, [here(`./reference/${script}`), ...args], timeoutMs, nativeEnv()));
}

/** onnxruntime-web's wasm backend in Node on `onnx` (the WebAssembly peer for inference). */
export async function ortWebRow(config: RowConfig, onnx: string): Promise<Outcome<PeerMeasurements>> {
  return outcome<PeerMeasurements>('ort-web-row', await run(process.execPath, ['--import', 'tsx', here('./rows/ort-web-row.ts'), JSON.stringify(config), onnx], 10 * 60_000));
}

/** The f32x4 peak of this V8 on one core (relaxed SIMD switched on where Node 20 needs the flag). */
export async function wasmPeak(): Promise<Outcome<{ mulAdd: number; relaxedMadd: number | null }>> {
  const flags = Number(process.versions.node.split('.')[0]) < 22 ? ['--experimental-wasm-relaxed-simd'] : [];
  return outcome('wasm-peak', await run(process.execPath, [...flags, '--import', 'tsx', here('./peaks/wasm-peak.ts')], 5 * 60_000));
}

/** The newest modification time of the files under `dir`, in ms. */
function newest(dir: string): number {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .reduce((t, e) => Math.max(t, statSync(path.join(e.parentPath, e.name)).mtimeMs), 0);
}

/**
 * Why the built CLI cannot stand for the source, or undefined: `bin/edgetune.js`
 * runs `dist/`, which loads the SIMD module from `build/`, so a `dist` older
 * than `src` runs old code, or old code against a new module (one such run
 * trained on a single core for minutes).
 */
function staleBuild(): string | undefined {
  const entry = here('../dist/runtimes/node/main.js');
  if (!existsSync(entry)) return 'not built (run npm run build)';
  return newest(here('../src')) > statSync(entry).mtimeMs ? 'dist/ is older than src/ (run npm run build)' : undefined;
}

/** `edgetune transfer` with its defaults, timed as a user runs it; its report gives the accuracies. */
export async function edgetuneTransfer(out: string): Promise<Outcome<{ seconds: number }>> {
  const stale = staleBuild();
  if (stale) return { skipped: `edgetune transfer: ${stale}` };
  const started = performance.now();
  const r = await run(process.execPath, [here('../bin/edgetune.js'), 'transfer', '--out', out, '--report', `${out}/report.json`], 60 * 60_000);
  const o = outcome<object>('edgetune transfer', { ...r, stdout: '{}' });
  return 'skipped' in o || 'refused' in o ? (o as Outcome<never>) : { seconds: (performance.now() - started) / 1000 };
}
