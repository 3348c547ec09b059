import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../../bench/report.js';
import { root } from '../../harness/wrangler.js';

// The benchmark itself never runs in npm test; this checks that --quick runs
// and writes a well-formed result. Browser, workerd and HTTP rows are left
// out here (their code paths have their own tests) to keep the suite short.
describe('npm run bench -- --quick', () => {
  it('writes a well-formed result file, table and chart', async () => {
    const out = await mkdtemp(path.join(os.tmpdir(), 'edgetune-bench-'));
    const code = await new Promise<number | null>((resolve) => {
      const child = spawn(process.execPath, ['--import', 'tsx', path.join(root, 'bench/run.ts'), '--quick', '--skip', 'browser,workerd,http', '--out', out], { stdio: 'ignore' });
      child.on('close', resolve);
    });
    expect(code).toBe(0);
    const files = (await readdir(out)).sort();
    expect(files.map((f) => path.extname(f))).toEqual(['.json', '.md', '.svg']);
    const results = JSON.parse(await readFile(path.join(out, files[0]), 'utf8')) as BenchResults;
    expect(results.version).toBe(1);
    expect(results.quick).toBe(true);
    expect(results.machine.cores).toBe(os.availableParallelism());
    const ids = results.rows.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(['wasm-nosimd-t1', 'wasm-simd-t1', 'cpu', 'tfjs-node']));
    for (const r of results.rows) {
      expect(r).toMatchObject({ id: expect.any(String), runtime: expect.any(String), backend: expect.any(String) });
      if (r.skipped) continue;
      expect(r.inferImagesPerSec!.median).toBeGreaterThan(0);
      expect(r.inferImagesPerSec!.min).toBeLessThanOrEqual(r.inferImagesPerSec!.median);
      expect(r.latencyMs!.p95).toBeGreaterThanOrEqual(r.latencyMs!.p50);
      if (r.id.startsWith('wasm-simd')) {
        expect(r.trainImagesPerSec!.median).toBeGreaterThan(0);
        expect(r.gflops!.train).toBeGreaterThan(0);
        expect(r.finetuneSeconds!.cached).toBeGreaterThan(0);
        // Rows on more than one thread also time their steps with the helper threads off, alternating.
        if (r.threads > 1) expect(r.threadScaling!.median).toBeGreaterThan(0);
        else expect(r.threadScaling).toBeUndefined();
      }
    }
    expect(results.rows.find((r) => r.id === 'tfjs-node')!.skipped).toMatch(/not installed/);
    // Every native peer is there: measured with its set-up, or skipped or refused with the reason.
    const cores = results.machine.cores;
    for (const id of [`pytorch-t${cores}`, `pytorch-debian-t${cores}`, `keras-tf-t${cores}`, `onnxruntime-t${cores}`, `onnxruntime-web-t${cores}`]) {
      const row = results.rows.find((r) => r.id === id)!;
      expect(row, id).toBeDefined();
      if (row.skipped || row.refused) expect(row.skipped ?? row.refused).toMatch(/\w/);
      else expect(row.setup, id).toMatchObject({ version: expect.any(String), threads: row.threads });
    }
    // The goals compare wasm with the fastest native row, where one ran, and with itself on one thread.
    const native = results.rows.some((r) => r.peer === 'native' && !r.skipped && !r.refused && r.threads === cores);
    expect(results.goals!.map((g) => g.target)).toEqual([...(native ? ['≥ 1.3', '≥ 1.0', '≥ 1 (wasm at or below)'] : []), ...(cores > 1 ? ['≥ 1.8', '≥ 1.8'] : [])]);
    if (native) expect(results.goals![0].against).toMatch(/^(pytorch|keras|onnxruntime)/);
    expect(results.roofline!.wasm!.mulAdd).toBeGreaterThan(0);
    for (const g of results.goals!) {
      expect(g.runs).toHaveLength(1);
      expect(g.spread.median).toBeGreaterThan(0);
      expect(typeof g.met).toBe('boolean');
    }
    expect(await readFile(path.join(out, files[1]), 'utf8')).toContain('| wasm-simd-t1 | node | yes | 1 |');
    expect(await readFile(path.join(out, files[2]), 'utf8')).toMatch(/^<svg/);
  }, 300_000);
});
