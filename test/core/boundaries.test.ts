import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/** Dependencies core may use: plain JavaScript that runs in Node, workerd and browsers alike. */
const PURE_PACKAGES = ['fast-png', 'fflate', 'jpeg-js'];

const src = fileURLToPath(new URL('../../src/', import.meta.url));
const CODE = /\.(ts|js|mjs|cjs)$/;

async function sources(dir: string): Promise<string[]> {
  const entries = await readdir(path.join(src, dir), { recursive: true });
  return entries.filter((e) => CODE.test(e)).map((e) => path.join(dir, e));
}

/** Every module a file names: import/export ... from, import(), require(). */
const imports = (text: string) => [...text.matchAll(/(?:\bfrom|\bimport|\brequire)\s*\(?\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);

/** The folder of src/ a relative import lands in (core, backend, contract, service, runtimes), or undefined for a package. */
const folderOf = (file: string, spec: string) => (spec.startsWith('.') ? path.relative(src, path.resolve(src, path.dirname(file), spec)).split(path.sep)[0] : undefined);

async function eachImport(dir: string, check: (file: string, spec: string, text: string) => void): Promise<void> {
  const files = await sources(dir);
  expect(files.length, `no sources under src/${dir}`).toBeGreaterThan(0);
  for (const file of files) {
    const text = await readFile(path.join(src, file), 'utf8');
    for (const spec of imports(text)) check(file, spec, text);
  }
}

describe('layering', () => {
  it('core imports only tfjs, pure packages, core and the contract (no backend, service, runtime or Node code)', async () => {
    await eachImport('core', (file, spec) => {
      const folder = folderOf(file, spec);
      const ok = folder ? folder === 'core' || folder === 'contract' : spec.startsWith('@tensorflow/tfjs') || PURE_PACKAGES.includes(spec);
      expect(ok, `${file} imports ${spec}`).toBe(true);
    });
    for (const file of await sources('core')) {
      const text = await readFile(path.join(src, file), 'utf8');
      expect(text, `${file} touches the DOM or Node globals`).not.toMatch(/\b(document|window|process|Buffer|require)\b/);
    }
  });

  it('the contract between core and backend imports neither', async () => {
    await eachImport('contract', (file, spec) => {
      expect(folderOf(file, spec) === 'contract' || spec.startsWith('@tensorflow/tfjs'), `${file} imports ${spec}`).toBe(true);
    });
  });

  it('the backend imports no core, service or runtime code, and nothing from Node (its Node parts live in runtimes/node)', async () => {
    await eachImport('backend', (file, spec) => {
      const folder = folderOf(file, spec);
      expect(folder === undefined || folder === 'backend' || folder === 'contract', `${file} imports ${spec}`).toBe(true);
      expect(spec.startsWith('node:'), `${file} imports ${spec}`).toBe(false);
    });
  });

  it('the service imports no runtime code', async () => {
    await eachImport('service', (file, spec) => {
      expect(folderOf(file, spec), `${file} imports ${spec}`).not.toBe('runtimes');
    });
  });
});
