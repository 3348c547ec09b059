import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { RowConfig, RowMeasurements } from './rows/node-row.js';

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

function run(command: string, args: string[], timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env: { ...process.env, FORCE_COLOR: '0' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

const lastJson = (text: string) => JSON.parse(text.trim().split('\n').pop()!);

/** A Node row in a fresh process (wasm threads and SIMD are fixed when the backend starts). */
export async function nodeRow(config: RowConfig): Promise<RowMeasurements | { skipped: string }> {
  const { code, stdout, stderr } = await run(process.execPath, ['--import', 'tsx', here('./rows/node-row.ts'), JSON.stringify(config)], 30 * 60_000);
  if (code !== 0) {
    const reason = stderr.match(/edgetune: (.*)|Error: (.*)/);
    return { skipped: reason ? (reason[1] ?? reason[2]) : `exited with ${code}` };
  }
  return lastJson(stdout) as RowMeasurements;
}

/** The PyTorch reference from Debian's python3-torch, when it imports. */
export async function pytorchRow(config: RowConfig, mnistDir: string): Promise<(RowMeasurements & { version: string }) | { skipped: string }> {
  const python = '/usr/bin/python3';
  const probe = await run(python, ['-c', 'import torch; print(torch.__version__)'], 60_000);
  if (probe.code !== 0) return { skipped: 'PyTorch does not import (apt-get install python3-torch)' };
  const { code, stdout, stderr } = await run(python, [here('./reference/torch_bench.py'), JSON.stringify(config), mnistDir], 30 * 60_000);
  if (code !== 0) return { skipped: `torch_bench.py failed: ${stderr.trim().split('\n').pop()}` };
  return lastJson(stdout);
}
